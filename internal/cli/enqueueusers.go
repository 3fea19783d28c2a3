package cli

import (
	"github.com/spf13/cobra"

	"github.com/chatq/chatq/tasks"
)

// The user-management payloads of one username, built by bindUsername.
func userDelete(u string) any     { return tasks.DeleteUser{Username: u} }
func userDeactivate(u string) any { return tasks.DeactivateUser{Username: u} }
func userActivate(u string) any   { return tasks.ActivateUser{Username: u} }
func userDisconnect(u string) any { return tasks.DisconnectUser{Username: u} }

// bindUsername binds --username for a payload that names one user.
func bindUsername(payload func(string) any) func(cmd *cobra.Command) func() (any, error) {
	return func(cmd *cobra.Command) func() (any, error) {
		var u string
		cmd.Flags().StringVar(&u, "username", "", "username")
		return func() (any, error) { return payload(u), nil }
	}
}

func bindUserMetadata(cmd *cobra.Command) func() (any, error) {
	var p tasks.SetUserMetadata
	cmd.Flags().StringVar(&p.Username, "username", "", "username")
	cmd.Flags().StringToStringVar(&p.Metadata, "metadata", nil,
		`attributes as key=value, comma-separated or repeated (nickname=Ann,gender=2; quote a value with a comma: '"ext=a,b"')`)
	return func() (any, error) { return p, nil }
}

func bindUserMute(cmd *cobra.Command) func() (any, error) {
	var p tasks.MuteUser
	var chat, group, room int64
	fl := cmd.Flags()
	fl.StringVar(&p.Username, "username", "", "username")
	fl.Int64Var(&chat, "chat", 0, "seconds muted in one-to-one chats (-1 for ever, 0 unmutes; left as is when not given)")
	fl.Int64Var(&group, "groupchat", 0, "seconds muted in chat groups (same values)")
	fl.Int64Var(&room, "chatroom", 0, "seconds muted in chat rooms (same values)")
	return func() (any, error) {
		// Only the durations given are sent: an absent one leaves that
		// kind of chat as it is, while 0 unmutes it.
		if fl.Changed("chat") {
			p.Chat = &chat
		}
		if fl.Changed("groupchat") {
			p.GroupChat = &group
		}
		if fl.Changed("chatroom") {
			p.ChatRoom = &room
		}
		return p, nil
	}
}
