package cli

import (
	"github.com/spf13/cobra"

	"github.com/chatq/chatq/tasks"
)

// chatroomCommands are the "chatq enqueue chatroom-…" forms; their flags
// are named like the payload fields.
func chatroomCommands() []payloadCommand {
	return []payloadCommand{
		{"chatroom-create", "Create a chat room", tasks.TypeCreateChatroom, bindChatroomCreate},
		{"chatroom-delete", "Delete a chat room", tasks.TypeDeleteChatroom, bindChatroomDelete},
		{"chatroom-members-add", "Add members to a chat room", tasks.TypeAddChatroomMembers, bindChatroomMembers(true)},
		{"chatroom-members-remove", "Remove members from a chat room", tasks.TypeRemoveChatroomMembers, bindChatroomMembers(false)},
	}
}

func bindChatroomCreate(cmd *cobra.Command) func() (any, error) {
	var p tasks.CreateChatroom
	fl := cmd.Flags()
	fl.StringVar(&p.Name, "name", "", "room name (1 to 128 characters)")
	fl.StringVar(&p.Description, "description", "", "room description (1 to 512 characters, required)")
	fl.IntVar(&p.MaxUsers, "maxusers", 0, "member cap, owner included, 1 to 10000 (0: provider default, 1000)")
	fl.StringVar(&p.Owner, "owner", "", "owner username (required)")
	fl.StringSliceVar(&p.Members, "members", nil, "initial members, comma-separated")
	fl.StringVar(&p.Custom, "custom", "", "extension data (up to 8 KB)")
	return func() (any, error) { return p, nil }
}

func bindChatroomDelete(cmd *cobra.Command) func() (any, error) {
	var p tasks.DeleteChatroom
	cmd.Flags().StringVar(&p.ChatroomID, "chatroom-id", "", "chat room id")
	return func() (any, error) { return p, nil }
}

func bindChatroomMembers(add bool) func(cmd *cobra.Command) func() (any, error) {
	return func(cmd *cobra.Command) func() (any, error) {
		var room string
		var users []string
		cmd.Flags().StringVar(&room, "chatroom-id", "", "chat room id")
		if add {
			cmd.Flags().StringSliceVar(&users, "usernames", nil, "usernames, comma-separated (1 to 60)")
		} else {
			cmd.Flags().StringSliceVar(&users, "usernames", nil, "usernames, comma-separated (1 to 100)")
		}
		return func() (any, error) {
			if add {
				return tasks.AddChatroomMembers{ChatroomID: room, Usernames: users}, nil
			}
			return tasks.RemoveChatroomMembers{ChatroomID: room, Usernames: users}, nil
		}
	}
}
