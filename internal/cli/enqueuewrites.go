package cli

import (
	"encoding/json"
	"time"

	"github.com/spf13/cobra"

	"github.com/chatq/chatq/tasks"
)

// The flags of message-recall, group-update and rest-call are named like
// the payload fields (msg_id → --msg-id). An optional field is set only
// when its flag is given, so "--public=false" sends false and no --public
// leaves the group's setting alone.

func bindRecall(cmd *cobra.Command) func() (any, error) {
	var p tasks.RecallMessage
	var force, sync bool
	var sentAt string
	fl := cmd.Flags()
	fl.StringVar(&p.MsgID, "msg-id", "", "id of the message, as the send answered it")
	fl.StringVar(&p.To, "to", "", "recipient of the message: a username, group id or chat room id")
	fl.StringVar(&p.ChatType, "chat-type", "chat", "chat, groupchat or chatroom")
	fl.StringVar(&p.From, "from", "", "who recalls it (default: the provider's admin)")
	fl.BoolVar(&force, "force", false, "recall even past the recall window")
	fl.BoolVar(&sync, "sync-device", true, "also recall on the sender's other devices (the provider's default)")
	fl.StringVar(&sentAt, "sent-at", "", "when the message was sent (RFC 3339): the recall window is measured from it (default: from the enqueue)")
	return func() (any, error) {
		if cmd.Flags().Changed("force") {
			p.Force = &force
		}
		if cmd.Flags().Changed("sync-device") {
			p.SyncDevice = &sync
		}
		if sentAt != "" {
			at, err := time.Parse(time.RFC3339Nano, sentAt)
			if err != nil {
				return nil, usagef("--sent-at: must be an RFC 3339 time, got %q", sentAt)
			}
			p.SentAt = &at
		}
		return p, nil
	}
}

func bindGroupUpdate(cmd *cobra.Command) func() (any, error) {
	var p tasks.UpdateGroup
	var name, desc, avatar, custom string
	var maxUsers int
	var membersOnly, allowInvites, public, confirm bool
	fl := cmd.Flags()
	fl.StringVar(&p.GroupID, "group-id", "", "group id")
	fl.StringVar(&name, "groupname", "", "new group name (1 to 128 characters)")
	fl.StringVar(&desc, "description", "", "new description (up to 512 characters)")
	fl.StringVar(&avatar, "avatar", "", "new avatar URL (up to 1024 characters)")
	fl.IntVar(&maxUsers, "maxusers", 0, "new member cap, owner included")
	fl.BoolVar(&membersOnly, "membersonly", false, "joining needs the owner's or an admin's approval")
	fl.BoolVar(&allowInvites, "allowinvites", false, "members may invite others")
	fl.BoolVar(&public, "public", false, "the group is public")
	fl.BoolVar(&confirm, "invite-need-confirm", false, "invitees must accept")
	fl.StringVar(&custom, "custom", "", "new extension information (up to 1024 characters)")
	return func() (any, error) {
		changed := cmd.Flags().Changed
		setIf(changed("groupname"), &p.GroupName, name)
		setIf(changed("description"), &p.Description, desc)
		setIf(changed("avatar"), &p.Avatar, avatar)
		setIf(changed("custom"), &p.Custom, custom)
		setIf(changed("maxusers"), &p.MaxUsers, maxUsers)
		setIf(changed("membersonly"), &p.MembersOnly, membersOnly)
		setIf(changed("allowinvites"), &p.AllowInvites, allowInvites)
		setIf(changed("public"), &p.Public, public)
		setIf(changed("invite-need-confirm"), &p.InviteNeedConfirm, confirm)
		return p, nil
	}
}

// setIf points *dst at a copy of v when set.
func setIf[T any](set bool, dst **T, v T) {
	if set {
		*dst = &v
	}
}

func bindRestCall(cmd *cobra.Command) func() (any, error) {
	var p tasks.RestCall
	var body string
	var form map[string]string
	fl := cmd.Flags()
	fl.StringVar(&p.Method, "method", "", "POST, PUT or DELETE (GET only for users/{username}/disconnect)")
	fl.StringVar(&p.Path, "path", "", "path relative to /{org}/{app}/, e.g. chatgroups/1234567890/announcement")
	fl.StringVar(&body, "json", "", "JSON body (an object or an array)")
	fl.StringToStringVar(&form, "form", nil, "form-urlencoded body, key=value pairs, comma-separated")
	return func() (any, error) {
		if body != "" {
			p.JSON = json.RawMessage(body)
		}
		if cmd.Flags().Changed("form") {
			p.Form = form
		}
		return p, nil
	}
}
