package tasks

import (
	"fmt"
	"math"
)

// The user-management task types (issue #12): each names one user, and each
// call goes to a /users/{username}…, /metadata/user/{username} or /mutes
// path of the provider's user system, which shares one 100 calls/s quota
// with registration (https://doc.easemob.com/document/server-side/limitationapi.html).
const (
	// TypeDeleteUser deletes a user (and the groups and rooms it owns).
	TypeDeleteUser = "user:delete"
	// TypeSetUserMetadata sets some of a user's attributes (metadata).
	TypeSetUserMetadata = "user:metadata:set"
	// TypeDeactivateUser bans a user: it is logged out and cannot log in.
	TypeDeactivateUser = "user:deactivate"
	// TypeActivateUser lifts the ban of a deactivated user.
	TypeActivateUser = "user:activate"
	// TypeDisconnectUser forces a user offline on every device.
	TypeDisconnectUser = "user:disconnect"
	// TypeMuteUser sets a user's global mute in one-to-one chats, groups
	// and chat rooms.
	TypeMuteUser = "user:mute"
)

var (
	_ = register[DeleteUser](QueueUsers)
	_ = register[SetUserMetadata](QueueUsers)
	_ = register[DeactivateUser](QueueUsers)
	_ = register[ActivateUser](QueueUsers)
	_ = register[DisconnectUser](QueueUsers)
	_ = register[MuteUser](QueueUsers)
)

// DeleteUser is the payload of TypeDeleteUser. A user that does not exist
// is already deleted: the worker decides that answer done.
type DeleteUser struct {
	Username string `json:"username"` // required
}

// TaskType returns TypeDeleteUser.
func (DeleteUser) TaskType() string { return TypeDeleteUser }

// Validate returns the first violation as a *ValidationError; no Limits apply.
func (p DeleteUser) Validate(Limits) error { return validateUsername(TypeDeleteUser, p.Username) }

// DeactivateUser is the payload of TypeDeactivateUser.
type DeactivateUser struct {
	Username string `json:"username"` // required
}

// TaskType returns TypeDeactivateUser.
func (DeactivateUser) TaskType() string { return TypeDeactivateUser }

// Validate returns the first violation as a *ValidationError; no Limits apply.
func (p DeactivateUser) Validate(Limits) error {
	return validateUsername(TypeDeactivateUser, p.Username)
}

// ActivateUser is the payload of TypeActivateUser.
type ActivateUser struct {
	Username string `json:"username"` // required
}

// TaskType returns TypeActivateUser.
func (ActivateUser) TaskType() string { return TypeActivateUser }

// Validate returns the first violation as a *ValidationError; no Limits apply.
func (p ActivateUser) Validate(Limits) error { return validateUsername(TypeActivateUser, p.Username) }

// DisconnectUser is the payload of TypeDisconnectUser.
type DisconnectUser struct {
	Username string `json:"username"` // required
}

// TaskType returns TypeDisconnectUser.
func (DisconnectUser) TaskType() string { return TypeDisconnectUser }

// Validate returns the first violation as a *ValidationError; no Limits apply.
func (p DisconnectUser) Validate(Limits) error {
	return validateUsername(TypeDisconnectUser, p.Username)
}

func validateUsername(typ, username string) error {
	c := checker{typ: typ}
	c.username("username", username)
	return c.err()
}

// Global mute durations, in seconds (https://docs.agora.io/en/agora-chat/restful-api/global-mute):
// at most 2,147,483,647; 0 unmutes; -1 mutes for ever; the provider ignores
// other negative values, so chatq refuses them rather than enqueue a task
// that silently does nothing.
const (
	MuteForever = -1
	Unmute      = 0
	maxMuteSecs = math.MaxInt32
)

// MuteUser is the payload of TypeMuteUser: one duration per kind of chat,
// each optional (nil leaves that kind as it is), at least one given.
type MuteUser struct {
	Username  string `json:"username"`            // required
	Chat      *int64 `json:"chat,omitempty"`      // one-to-one chats
	GroupChat *int64 `json:"groupchat,omitempty"` // chat groups
	ChatRoom  *int64 `json:"chatroom,omitempty"`  // chat rooms
}

// TaskType returns TypeMuteUser.
func (MuteUser) TaskType() string { return TypeMuteUser }

// Validate returns the first violation as a *ValidationError; no Limits apply.
func (p MuteUser) Validate(Limits) error {
	c := checker{typ: TypeMuteUser}
	c.username("username", p.Username)
	c.muteSecs("chat", p.Chat)
	c.muteSecs("groupchat", p.GroupChat)
	c.muteSecs("chatroom", p.ChatRoom)
	if !c.failed() && p.Chat == nil && p.GroupChat == nil && p.ChatRoom == nil {
		// The provider answers "ok" and changes nothing (EM-DOCS
		// user_mute_set.md): a task without a duration is a mistake.
		c.fail("chat", "one of chat, groupchat and chatroom is required")
	}
	return c.err()
}

// muteSecs checks an optional mute duration.
func (c *checker) muteSecs(field string, v *int64) {
	if c.failed() || v == nil {
		return
	}
	if *v < MuteForever || *v > maxMuteSecs {
		c.fail(field, fmt.Sprintf("must be -1 (for ever), 0 (unmute) or 1 to %d seconds, got %d", maxMuteSecs, *v))
	}
}

// Secs returns a pointer to n, for the optional durations of MuteUser.
func Secs(n int64) *int64 { return &n }
