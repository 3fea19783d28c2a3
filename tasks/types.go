package tasks

// Task types. Each is the asynq type name of one kind of chatq work.
const (
	// TypeSendMessage sends one message to users, chat groups or chat rooms.
	TypeSendMessage = "message:send"
	// TypeRegisterUser registers 1 to 60 users.
	TypeRegisterUser = "user:register"
	// TypeCreateGroup creates a chat group.
	TypeCreateGroup = "group:create"
	// TypeDeleteGroup deletes a chat group.
	TypeDeleteGroup = "group:delete"
	// TypeAddGroupMembers adds 1 to 60 members to a chat group.
	TypeAddGroupMembers = "group:members:add"
	// TypeRemoveGroupMembers removes 1 to 60 members from a chat group.
	TypeRemoveGroupMembers = "group:members:remove"
	// TypeTransferGroupOwner makes another user the owner of a chat group.
	TypeTransferGroupOwner = "group:owner:transfer"
)

// Queues. Each task type has a default queue, returned by QueueFor.
const (
	// QueueMessages holds TypeSendMessage tasks.
	QueueMessages = "messages"
	// QueueUsers holds TypeRegisterUser tasks.
	QueueUsers = "users"
	// QueueGroups holds the group:* tasks.
	QueueGroups = "groups"
)

// DefaultMaxRetry is the retry budget of a task when neither MaxRetry nor
// ClientConfig.DefaultMaxRetry says otherwise. The asynq MaxRetry of the task
// is one more (see docs/DESIGN.md, "Retry budget").
const DefaultMaxRetry = 25

// kind describes one task type. Note: if you add a kind here, add its
// payload struct, its NewXxxTask constructor and its Client method too.
type kind struct {
	typ    string
	queue  string
	decode func(typ string, payload []byte, l Limits) (any, error)
}

// kinds lists every task type in the order Types returns them.
var kinds = []kind{
	{TypeSendMessage, QueueMessages, decodeAs[SendMessage]},
	{TypeRegisterUser, QueueUsers, decodeAs[RegisterUsers]},
	{TypeCreateGroup, QueueGroups, decodeAs[CreateGroup]},
	{TypeDeleteGroup, QueueGroups, decodeAs[DeleteGroup]},
	{TypeAddGroupMembers, QueueGroups, decodeAs[AddGroupMembers]},
	{TypeRemoveGroupMembers, QueueGroups, decodeAs[RemoveGroupMembers]},
	{TypeTransferGroupOwner, QueueGroups, decodeAs[TransferGroupOwner]},
}

// Types returns every task type, in a stable order. The caller owns the
// returned slice.
func Types() []string {
	out := make([]string, len(kinds))
	for i, k := range kinds {
		out[i] = k.typ
	}
	return out
}

// QueueFor returns the default queue of taskType, or "" for an unknown type.
func QueueFor(taskType string) string {
	if k, ok := kindOf(taskType); ok {
		return k.queue
	}
	return ""
}

func kindOf(taskType string) (kind, bool) {
	for _, k := range kinds {
		if k.typ == taskType {
			return k, true
		}
	}
	return kind{}, false
}
