package dispatcher

import (
	"context"
	"net/http"
	"slices"
	"strings"

	"github.com/chatq/chatq/agora"
	"github.com/chatq/chatq/tasks"
)

// chatroomCall is callFor's part for the chatroom:* types, nil for any
// other payload. Additions and removals are batches, settled per user as a
// group's are (notAdded, notRemoved): a user left out of newmembers is
// retried, never taken as added; a removal row is matched to the user it
// names.
func chatroomCall(api *agora.Client, p tasks.Payload) call {
	typ := p.TaskType()
	switch p := p.(type) {
	case tasks.CreateChatroom:
		return func(ctx context.Context, tok agora.Token) ([]itemFailure, error) {
			id, err := api.CreateChatroom(ctx, tok, p)
			if err == nil {
				recordResult(ctx, ChatroomResult{ID: id})
			}
			return nil, err
		}
	case tasks.DeleteChatroom:
		return func(ctx context.Context, tok agora.Token) ([]itemFailure, error) {
			return nil, api.DeleteChatroom(ctx, tok, p.ChatroomID)
		}
	case tasks.AddChatroomMembers:
		return func(ctx context.Context, tok agora.Token) ([]itemFailure, error) {
			res, err := api.AddChatroomMembers(ctx, tok, p.ChatroomID, p.Usernames)
			return notAddedToRoom(p.ChatroomID, p.Usernames, res, typ), err
		}
	case tasks.RemoveChatroomMembers:
		return func(ctx context.Context, tok agora.Token) ([]itemFailure, error) {
			res, err := api.RemoveChatroomMembers(ctx, tok, p.ChatroomID, p.Usernames)
			return notRemoved(res, typ), err
		}
	}
	return nil
}

// notAddedToRoom reports the users of a room addition the provider did not
// list in newmembers (agora.CodeNotInNewMembers). The provider counts a user
// already in the room as added, so a user left out is not a member on the
// answer's word: it is split off and retried (the policy's 200 row).
func notAddedToRoom(roomID string, usernames []string, res agora.AddMembersResult, taskType string) []itemFailure {
	var out []itemFailure
	for _, u := range usernames {
		if !slices.ContainsFunc(res.Added, func(a string) bool { return strings.EqualFold(a, u) }) {
			out = append(out, itemFailure{Item: u, Failure: batchItemFailure(taskType, http.StatusOK, agora.CodeNotInNewMembers,
				"user "+u+" is not in data.newmembers of chat room "+roomID)})
		}
	}
	return out
}
