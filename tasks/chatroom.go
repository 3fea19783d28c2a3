package tasks

import (
	"fmt"
	"slices"
	"unicode/utf8"

	"github.com/hibiken/asynq"
)

// Chat room limits (https://doc.easemob.com/document/server-side/chatroom_create.html,
// chatroom_member_add_batch.html, chatroom_member_remove_batch.html; the
// Agora pages under api-ref/im/chatroom-management say the same).
const (
	maxRoomName        = 128   // characters
	maxRoomDescription = 512   // characters
	maxRoomUsers       = 10000 // maxusers, owner included: [1, 10000]
	defaultRoomUsers   = 1000  // maxusers when left out
	maxRoomAdd         = 60    // users per batch add
	maxRoomRemove      = 100   // users per batch removal
)

// The chat room task types.
const (
	// TypeCreateChatroom creates a chat room.
	TypeCreateChatroom = "chatroom:create"
	// TypeDeleteChatroom deletes a chat room.
	TypeDeleteChatroom = "chatroom:delete"
	// TypeAddChatroomMembers adds 1 to 60 members to a chat room.
	TypeAddChatroomMembers = "chatroom:members:add"
	// TypeRemoveChatroomMembers removes 1 to 100 members from a chat room.
	TypeRemoveChatroomMembers = "chatroom:members:remove"
)

// Chat rooms share the groups queue: both are membership administration at
// the same documented 100 calls/s, and their own throttle family
// (chatrooms) already keeps a room burst from taking the groups' rate. A
// fourth queue would add a fourth dedicated asynq server (and its
// connections) to every worker for a low-volume family.
var (
	_ = register[CreateChatroom](QueueGroups)
	_ = register[DeleteChatroom](QueueGroups)
	_ = register[AddChatroomMembers](QueueGroups)
	_ = register[RemoveChatroomMembers](QueueGroups)
)

// CreateChatroom is the payload of TypeCreateChatroom. The provider assigns
// the room id (data.id); the worker records it as the task's result. No
// custom id is sent: Agora documents none, and Easemob's "roomid" must be
// enabled for the app by Easemob first — so a create retried after a lost
// answer can make a second room (README, "Task types").
type CreateChatroom struct {
	Name        string `json:"name"`        // 1..128 characters
	Description string `json:"description"` // 1..512 characters (required by the provider)
	// MaxUsers counts the owner: 1..10000; 0 means the provider's default
	// (1000).
	MaxUsers int      `json:"maxusers,omitempty"`
	Owner    string   `json:"owner"`             // required username
	Members  []string `json:"members,omitempty"` // at most maxusers-1, owner excluded
	Custom   string   `json:"custom,omitempty"`  // ≤8192 bytes
}

// TaskType returns TypeCreateChatroom.
func (CreateChatroom) TaskType() string { return TypeCreateChatroom }

// Validate returns the first violation as a *ValidationError; no Limits apply.
func (p CreateChatroom) Validate(Limits) error {
	c := checker{typ: TypeCreateChatroom}
	c.text("name", p.Name, 1, maxRoomName)
	c.text("description", p.Description, 1, maxRoomDescription)
	if !c.failed() && (p.MaxUsers < 0 || p.MaxUsers > maxRoomUsers) {
		c.fail("maxusers", fmt.Sprintf("must be 1 to %d (0: the provider's default, %d), got %d",
			maxRoomUsers, defaultRoomUsers, p.MaxUsers))
	}
	c.username("owner", p.Owner)
	room := p.MaxUsers
	if room == 0 {
		room = defaultRoomUsers
	}
	// maxusers counts the owner, members do not.
	c.count("members", len(p.Members), 0, room-1)
	c.usernames("members", p.Members)
	for i, m := range p.Members {
		if !c.failed() && m == p.Owner {
			c.fail(index("members", i), "must not be the owner")
		}
	}
	if !c.failed() && len(p.Custom) > maxCustom {
		c.fail("custom", fmt.Sprintf("must be at most %d bytes, got %d", maxCustom, len(p.Custom)))
	}
	if !c.failed() && !utf8.ValidString(p.Custom) {
		c.fail("custom", ruleUTF8)
	}
	return c.err()
}

// DeleteChatroom is the payload of TypeDeleteChatroom.
type DeleteChatroom struct {
	ChatroomID string `json:"chatroom_id"` // required
}

// TaskType returns TypeDeleteChatroom.
func (DeleteChatroom) TaskType() string { return TypeDeleteChatroom }

// Validate returns the first violation as a *ValidationError; no Limits apply.
func (p DeleteChatroom) Validate(Limits) error {
	c := checker{typ: TypeDeleteChatroom}
	c.id("chatroom_id", p.ChatroomID)
	return c.err()
}

// AddChatroomMembers is the payload of TypeAddChatroomMembers.
type AddChatroomMembers struct {
	ChatroomID string   `json:"chatroom_id"` // required
	Usernames  []string `json:"usernames"`   // 1..60, no duplicates
}

// TaskType returns TypeAddChatroomMembers.
func (AddChatroomMembers) TaskType() string { return TypeAddChatroomMembers }

// Items returns the usernames.
func (p AddChatroomMembers) Items() []string { return slices.Clone(p.Usernames) }

// Subset returns p with only the usernames keep accepts.
func (p AddChatroomMembers) Subset(keep func(string) bool) Batch {
	p.Usernames = keepOnly(p.Usernames, ident, keep)
	return p
}

// Validate returns the first violation as a *ValidationError; no Limits apply.
func (p AddChatroomMembers) Validate(Limits) error {
	return validateRoomMembership(TypeAddChatroomMembers, p.ChatroomID, p.Usernames, maxRoomAdd)
}

// RemoveChatroomMembers is the payload of TypeRemoveChatroomMembers.
type RemoveChatroomMembers struct {
	ChatroomID string   `json:"chatroom_id"` // required
	Usernames  []string `json:"usernames"`   // 1..100, no duplicates
}

// TaskType returns TypeRemoveChatroomMembers.
func (RemoveChatroomMembers) TaskType() string { return TypeRemoveChatroomMembers }

// Items returns the usernames.
func (p RemoveChatroomMembers) Items() []string { return slices.Clone(p.Usernames) }

// Subset returns p with only the usernames keep accepts.
func (p RemoveChatroomMembers) Subset(keep func(string) bool) Batch {
	p.Usernames = keepOnly(p.Usernames, ident, keep)
	return p
}

// Validate returns the first violation as a *ValidationError; no Limits apply.
func (p RemoveChatroomMembers) Validate(Limits) error {
	return validateRoomMembership(TypeRemoveChatroomMembers, p.ChatroomID, p.Usernames, maxRoomRemove)
}

func validateRoomMembership(typ, roomID string, usernames []string, most int) error {
	c := checker{typ: typ}
	c.id("chatroom_id", roomID)
	c.count("usernames", len(usernames), 1, most)
	c.usernames("usernames", usernames)
	return c.err()
}

// NewCreateChatroomTask validates p and returns a TypeCreateChatroom task
// (queue QueueGroups unless Queue says otherwise; see NewCreateGroupTask).
func NewCreateChatroomTask(p CreateChatroom, opts ...Option) (*asynq.Task, error) {
	return NewTask(p, opts...)
}
