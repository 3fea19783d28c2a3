package tasks

import (
	"fmt"
	"slices"
	"unicode/utf8"

	"github.com/hibiken/asynq"
)

// Group limits (https://doc.easemob.com/document/server-side/group_manage.html).
const (
	maxGroupName    = 128  // characters
	maxDescription  = 512  // characters
	maxAvatar       = 1024 // characters
	maxCustom       = 8192 // bytes ("8 KB at creation")
	maxGroupMembers = 3000 // members at creation, owner excluded
)

// The group task types.
const (
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

var (
	_ = register[CreateGroup](QueueGroups)
	_ = register[DeleteGroup](QueueGroups)
	_ = register[AddGroupMembers](QueueGroups)
	_ = register[RemoveGroupMembers](QueueGroups)
	_ = register[TransferGroupOwner](QueueGroups)
)

// CreateGroup is the payload of TypeCreateGroup.
type CreateGroup struct {
	GroupName         string   `json:"groupname"`             // 1..128 characters
	Description       string   `json:"description,omitempty"` // ≤512 characters
	Public            *bool    `json:"public,omitempty"`      // Easemob requires it
	MaxUsers          int      `json:"maxusers,omitempty"`    // 0 => provider default (200)
	AllowInvites      *bool    `json:"allowinvites,omitempty"`
	MembersOnly       *bool    `json:"membersonly,omitempty"`
	InviteNeedConfirm *bool    `json:"invite_need_confirm,omitempty"`
	Owner             string   `json:"owner"`             // required username
	Members           []string `json:"members,omitempty"` // ≤3000 (≤maxusers when set), owner excluded
	Avatar            string   `json:"avatar,omitempty"`  // ≤1024 characters
	Custom            string   `json:"custom,omitempty"`  // ≤8192 bytes
}

// TaskType returns TypeCreateGroup.
func (CreateGroup) TaskType() string { return TypeCreateGroup }

// Validate returns the first violation as a *ValidationError; no Limits apply.
func (p CreateGroup) Validate(Limits) error {
	c := checker{typ: TypeCreateGroup}
	c.text("groupname", p.GroupName, 1, maxGroupName)
	c.text("description", p.Description, 0, maxDescription)
	if !c.failed() && p.MaxUsers < 0 {
		c.fail("maxusers", fmt.Sprintf("must be >= 0, got %d", p.MaxUsers))
	}
	c.username("owner", p.Owner)
	c.members(p.Members, p.Owner, p.MaxUsers)
	c.text("avatar", p.Avatar, 0, maxAvatar)
	if !c.failed() && len(p.Custom) > maxCustom {
		c.fail("custom", fmt.Sprintf("must be at most %d bytes, got %d", maxCustom, len(p.Custom)))
	}
	if !c.failed() && !utf8.ValidString(p.Custom) {
		c.fail("custom", ruleUTF8) // encoding/json would send U+FFFD instead
	}
	return c.err()
}

// members checks the initial members of a group: at most 3000 (and at most
// maxUsers when set: the provider answers "members size is greater than max
// user size"), valid, distinct and without the owner.
func (c *checker) members(members []string, owner string, maxUsers int) {
	limit := maxGroupMembers
	if maxUsers > 0 && maxUsers < limit {
		limit = maxUsers
	}
	c.count("members", len(members), 0, limit)
	c.usernames("members", members)
	for i, m := range members {
		if !c.failed() && m == owner {
			c.fail(index("members", i), "must not be the owner")
		}
	}
}

// NewCreateGroupTask validates p and returns a TypeCreateGroup task that
// carries its asynq options (queue QueueGroups unless Queue says otherwise,
// MaxRetry budget+1, schedule).
func NewCreateGroupTask(p CreateGroup, opts ...Option) (*asynq.Task, error) {
	return NewTask(p, opts...)
}

// DeleteGroup is the payload of TypeDeleteGroup.
type DeleteGroup struct {
	GroupID string `json:"group_id"` // required
}

// TaskType returns TypeDeleteGroup.
func (DeleteGroup) TaskType() string { return TypeDeleteGroup }

// Validate returns the first violation as a *ValidationError; no Limits apply.
func (p DeleteGroup) Validate(Limits) error {
	c := checker{typ: TypeDeleteGroup}
	c.id("group_id", p.GroupID)
	return c.err()
}

// NewDeleteGroupTask validates p and returns a TypeDeleteGroup task; see
// NewCreateGroupTask for the options it carries.
func NewDeleteGroupTask(p DeleteGroup, opts ...Option) (*asynq.Task, error) {
	return NewTask(p, opts...)
}

// AddGroupMembers is the payload of TypeAddGroupMembers.
type AddGroupMembers struct {
	GroupID   string   `json:"group_id"`  // required
	Usernames []string `json:"usernames"` // 1..60, no duplicates
}

// TaskType returns TypeAddGroupMembers.
func (AddGroupMembers) TaskType() string { return TypeAddGroupMembers }

// Items returns the usernames.
func (p AddGroupMembers) Items() []string { return slices.Clone(p.Usernames) }

// Subset returns p with only the usernames keep accepts.
func (p AddGroupMembers) Subset(keep func(string) bool) Batch {
	p.Usernames = keepOnly(p.Usernames, ident, keep)
	return p
}

// Validate returns the first violation as a *ValidationError; no Limits apply.
func (p AddGroupMembers) Validate(Limits) error {
	return validateMembership(TypeAddGroupMembers, p.GroupID, p.Usernames)
}

// NewAddGroupMembersTask validates p and returns a TypeAddGroupMembers task;
// see NewCreateGroupTask for the options it carries.
func NewAddGroupMembersTask(p AddGroupMembers, opts ...Option) (*asynq.Task, error) {
	return NewTask(p, opts...)
}

// RemoveGroupMembers is the payload of TypeRemoveGroupMembers.
type RemoveGroupMembers struct {
	GroupID   string   `json:"group_id"`  // required
	Usernames []string `json:"usernames"` // 1..60, no duplicates
}

// TaskType returns TypeRemoveGroupMembers.
func (RemoveGroupMembers) TaskType() string { return TypeRemoveGroupMembers }

// Items returns the usernames.
func (p RemoveGroupMembers) Items() []string { return slices.Clone(p.Usernames) }

// Subset returns p with only the usernames keep accepts.
func (p RemoveGroupMembers) Subset(keep func(string) bool) Batch {
	p.Usernames = keepOnly(p.Usernames, ident, keep)
	return p
}

// Validate returns the first violation as a *ValidationError; no Limits apply.
func (p RemoveGroupMembers) Validate(Limits) error {
	return validateMembership(TypeRemoveGroupMembers, p.GroupID, p.Usernames)
}

// NewRemoveGroupMembersTask validates p and returns a TypeRemoveGroupMembers
// task; see NewCreateGroupTask for the options it carries.
func NewRemoveGroupMembersTask(p RemoveGroupMembers, opts ...Option) (*asynq.Task, error) {
	return NewTask(p, opts...)
}

func validateMembership(typ, groupID string, usernames []string) error {
	c := checker{typ: typ}
	c.id("group_id", groupID)
	c.count("usernames", len(usernames), 1, maxBatch)
	c.usernames("usernames", usernames)
	return c.err()
}

// TransferGroupOwner is the payload of TypeTransferGroupOwner.
type TransferGroupOwner struct {
	GroupID  string `json:"group_id"`  // required
	NewOwner string `json:"new_owner"` // required username
}

// TaskType returns TypeTransferGroupOwner.
func (TransferGroupOwner) TaskType() string { return TypeTransferGroupOwner }

// Validate returns the first violation as a *ValidationError; no Limits apply.
func (p TransferGroupOwner) Validate(Limits) error {
	c := checker{typ: TypeTransferGroupOwner}
	c.id("group_id", p.GroupID)
	c.username("new_owner", p.NewOwner)
	return c.err()
}

// NewTransferGroupOwnerTask validates p and returns a TypeTransferGroupOwner
// task; see NewCreateGroupTask for the options it carries.
func NewTransferGroupOwnerTask(p TransferGroupOwner, opts ...Option) (*asynq.Task, error) {
	return NewTask(p, opts...)
}
