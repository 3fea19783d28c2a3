package tasks

import (
	"fmt"

	"github.com/hibiken/asynq"
)

// TypeUpdateGroup modifies a chat group's information
// (PUT /{org}/{app}/chatgroups/{group_id}).
const TypeUpdateGroup = "group:update"

var _ = register[UpdateGroup](QueueGroups)

// maxCustomUpdate is the limit of custom when a group is modified: "≤1024
// characters when modified" (8 KB only at creation).
const maxCustomUpdate = 1024

// UpdateGroup is the payload of TypeUpdateGroup: the group and the fields
// to change, each optional, at least one. The fields are the documented
// modifiable ones (docs.agora.io "Modifying group information": groupname,
// avatar, description, maxusers, membersonly, allowinvites, public,
// invite_need_confirm, custom); the provider answers any other with 400.
// The owner is changed by TypeTransferGroupOwner, members by the members
// tasks.
type UpdateGroup struct {
	GroupID           string  `json:"group_id"`              // required, in the path
	GroupName         *string `json:"groupname,omitempty"`   // 1..128 characters
	Description       *string `json:"description,omitempty"` // ≤512 characters
	Avatar            *string `json:"avatar,omitempty"`      // ≤1024 characters
	MaxUsers          *int    `json:"maxusers,omitempty"`    // ≥1
	MembersOnly       *bool   `json:"membersonly,omitempty"`
	AllowInvites      *bool   `json:"allowinvites,omitempty"`
	Public            *bool   `json:"public,omitempty"`
	InviteNeedConfirm *bool   `json:"invite_need_confirm,omitempty"`
	Custom            *string `json:"custom,omitempty"` // ≤1024 characters
}

// TaskType returns TypeUpdateGroup.
func (UpdateGroup) TaskType() string { return TypeUpdateGroup }

// Validate returns the first violation as a *ValidationError; no Limits
// apply. The limits are group:create's, except custom (1024 characters
// when modified).
func (p UpdateGroup) Validate(Limits) error {
	c := checker{typ: TypeUpdateGroup}
	c.id("group_id", p.GroupID)
	if !c.failed() && len(p.Fields()) == 0 {
		c.fail("payload", "must change at least one of groupname, description, avatar, maxusers, "+
			"membersonly, allowinvites, public, invite_need_confirm, custom")
	}
	if p.GroupName != nil {
		c.text("groupname", *p.GroupName, 1, maxGroupName)
	}
	if p.Description != nil {
		c.text("description", *p.Description, 0, maxDescription)
	}
	if p.Avatar != nil {
		c.text("avatar", *p.Avatar, 0, maxAvatar)
	}
	if !c.failed() && p.MaxUsers != nil && *p.MaxUsers < 1 {
		c.fail("maxusers", fmt.Sprintf("must be >= 1, got %d", *p.MaxUsers))
	}
	if p.Custom != nil {
		c.text("custom", *p.Custom, 0, maxCustomUpdate)
	}
	return c.err()
}

// Fields returns the provider's names of the fields p changes, in the
// order of the struct.
func (p UpdateGroup) Fields() []string {
	var out []string
	for _, f := range []struct {
		name string
		set  bool
	}{
		{"groupname", p.GroupName != nil}, {"description", p.Description != nil}, {"avatar", p.Avatar != nil},
		{"maxusers", p.MaxUsers != nil}, {"membersonly", p.MembersOnly != nil}, {"allowinvites", p.AllowInvites != nil},
		{"public", p.Public != nil}, {"invite_need_confirm", p.InviteNeedConfirm != nil}, {"custom", p.Custom != nil},
	} {
		if f.set {
			out = append(out, f.name)
		}
	}
	return out
}

// NewUpdateGroupTask validates p and returns a TypeUpdateGroup task; see
// NewCreateGroupTask for the options it carries.
func NewUpdateGroupTask(p UpdateGroup, opts ...Option) (*asynq.Task, error) {
	return NewTask(p, opts...)
}
