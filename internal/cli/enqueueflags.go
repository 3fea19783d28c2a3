package cli

import (
	"encoding/json"

	"github.com/spf13/cobra"

	"github.com/chatq/chatq/tasks"
)

// payloadCommand is one "chatq enqueue <name>" form: flags bound to a
// payload of one task type.
type payloadCommand struct {
	name, short, taskType string
	bind                  func(cmd *cobra.Command) func() (any, error)
}

func (pc payloadCommand) command(env Env, o *enqueueOpts) *cobra.Command {
	cmd := &cobra.Command{Use: pc.name, Short: pc.short + " (" + pc.taskType + ")", Args: noArgs}
	build := pc.bind(cmd)
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		if err := flagsUTF8(cmd); err != nil {
			return err
		}
		p, err := build()
		if err != nil {
			return err
		}
		return enqueueOne(cmd.Context(), env, cmd.Flags(), o, pc.taskType, p)
	}
	return cmd
}

func payloadCommands() []payloadCommand {
	return []payloadCommand{
		{"message", "Send a message", tasks.TypeSendMessage, bindMessage},
		{"register-user", "Register users", tasks.TypeRegisterUser, bindRegister},
		{"group-create", "Create a chat group", tasks.TypeCreateGroup, bindGroupCreate},
		{"group-delete", "Delete a chat group", tasks.TypeDeleteGroup, bindGroupDelete},
		{"members-add", "Add members to a group", tasks.TypeAddGroupMembers, bindMembers(true)},
		{"members-remove", "Remove members from a group", tasks.TypeRemoveGroupMembers, bindMembers(false)},
		{"owner-transfer", "Transfer group ownership", tasks.TypeTransferGroupOwner, bindOwnerTransfer},
		{"message-recall", "Recall a sent message", tasks.TypeRecallMessage, bindRecall},
		{"group-update", "Modify a chat group's information", tasks.TypeUpdateGroup, bindGroupUpdate},
		{"rest-call", "Make any other documented write of the REST API", tasks.TypeRestCall, bindRestCall},
	}
}

func bindMessage(cmd *cobra.Command) func() (any, error) {
	var p tasks.SendMessage
	var text, body, ext string
	var sync, online bool
	fl := cmd.Flags()
	fl.StringVar(&p.Target, "target", "users", "users, chatgroups or chatrooms")
	fl.StringVar(&p.From, "from", "", "sender (default: the provider's admin)")
	fl.StringSliceVar(&p.To, "to", nil, "recipients, comma-separated")
	fl.StringVar(&p.Type, "type", "txt", "message type: txt img audio video file loc cmd custom")
	fl.StringVar(&text, "text", "", `text of a txt message (shorthand for --body '{"msg":…}')`)
	fl.StringVar(&body, "body", "", "message body as a JSON object")
	fl.StringVar(&ext, "ext", "", "extension fields as a JSON object")
	fl.BoolVar(&sync, "sync-device", false, "also sync to the sender's online devices")
	fl.BoolVar(&online, "online-only", false, "deliver only to online recipients (routetype ROUTE_ONLINE)")
	return func() (any, error) {
		switch {
		case body != "" && text != "":
			return nil, usagef("message: give --text or --body, not both")
		case text != "":
			b, _ := json.Marshal(map[string]string{"msg": text})
			p.Body = b
		case body != "":
			p.Body = json.RawMessage(body)
		}
		if ext != "" {
			p.Ext = json.RawMessage(ext)
		}
		if cmd.Flags().Changed("sync-device") {
			p.SyncDevice = &sync
		}
		if online {
			p.RouteType = "ROUTE_ONLINE"
		}
		return p, nil
	}
}

func bindRegister(cmd *cobra.Command) func() (any, error) {
	var names []string
	cmd.Flags().StringSliceVar(&names, "username", nil, "usernames, comma-separated (1 to 60)")
	return func() (any, error) {
		p := tasks.RegisterUsers{}
		for _, n := range names {
			p.Users = append(p.Users, tasks.User{Username: n})
		}
		return p, nil
	}
}

func bindGroupCreate(cmd *cobra.Command) func() (any, error) {
	var p tasks.CreateGroup
	var public bool
	fl := cmd.Flags()
	fl.StringVar(&p.GroupName, "name", "", "group name (1 to 128 characters)")
	fl.StringVar(&p.Description, "description", "", "group description (up to 512 characters)")
	fl.StringVar(&p.Owner, "owner", "", "owner username (required)")
	fl.StringSliceVar(&p.Members, "members", nil, "initial members, comma-separated")
	fl.IntVar(&p.MaxUsers, "max-users", 0, "member cap (0: provider default)")
	fl.BoolVar(&public, "public", false, "make the group public")
	return func() (any, error) {
		if cmd.Flags().Changed("public") {
			p.Public = &public
		}
		return p, nil
	}
}

func bindGroupDelete(cmd *cobra.Command) func() (any, error) {
	var p tasks.DeleteGroup
	cmd.Flags().StringVar(&p.GroupID, "group", "", "group id")
	return func() (any, error) { return p, nil }
}

func bindMembers(add bool) func(cmd *cobra.Command) func() (any, error) {
	return func(cmd *cobra.Command) func() (any, error) {
		var group string
		var users []string
		cmd.Flags().StringVar(&group, "group", "", "group id")
		cmd.Flags().StringSliceVar(&users, "users", nil, "usernames, comma-separated (1 to 60)")
		return func() (any, error) {
			if add {
				return tasks.AddGroupMembers{GroupID: group, Usernames: users}, nil
			}
			return tasks.RemoveGroupMembers{GroupID: group, Usernames: users}, nil
		}
	}
}

func bindOwnerTransfer(cmd *cobra.Command) func() (any, error) {
	var p tasks.TransferGroupOwner
	cmd.Flags().StringVar(&p.GroupID, "group", "", "group id")
	cmd.Flags().StringVar(&p.NewOwner, "new-owner", "", "username of the new owner")
	return func() (any, error) { return p, nil }
}
