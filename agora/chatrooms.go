package agora

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	"github.com/chatq/chatq/tasks"
)

// maxRoomRemove is the provider's limit of users per chat room removal
// (chatroom_member_remove_batch: "每次最多可传 100 个用户 ID"); additions
// take 60, as for groups (maxBatch).
const maxRoomRemove = 100

// CreateChatroom creates a chat room with POST /chatrooms (body: p, whose
// JSON is the provider's shape) and returns data.id. The provider assigns
// the id: neither dialect takes a custom one without the provider enabling
// it for the app, so a create whose answer was lost and is sent again can
// make a second room.
func (c *Client) CreateChatroom(ctx context.Context, tok Token, p tasks.CreateChatroom) (string, error) {
	const op = "POST /chatrooms"
	var out struct {
		Data struct {
			ID string `json:"id"`
		} `json:"data"`
	}
	if err := c.do(ctx, request{method: "POST", path: "/chatrooms", token: tok, body: p, out: &out}); err != nil {
		return "", err
	}
	if out.Data.ID == "" {
		return "", fmt.Errorf("agora: %s: no data.id in response: %w", op, ErrMalformedResponse)
	}
	return out.Data.ID, nil
}

// DeleteChatroom deletes a chat room with DELETE /chatrooms/{id}. Only
// data.success true is a deletion: false is a *RefusedError
// (CodeSuccessFalse), and an answer without it wraps ErrMalformedResponse.
func (c *Client) DeleteChatroom(ctx context.Context, tok Token, roomID string) error {
	if err := checkRoom("delete chat room", roomID, nil, 0); err != nil {
		return err
	}
	var out struct {
		Data struct {
			Success *bool `json:"success"`
		} `json:"data"`
	}
	path := roomPath(roomID)
	if err := c.do(ctx, request{method: "DELETE", path: path, token: tok, out: &out}); err != nil {
		return err
	}
	return confirmed("DELETE "+path, "data.success", out.Data.Success, CodeSuccessFalse)
}

// AddChatroomMembers adds 1..60 users with POST /chatrooms/{id}/users and
// body {"usernames":[…]}, also for one user: the provider counts a user
// already in the room as added, so the batch answer alone confirms the
// goal state. Added lists data.newmembers.
func (c *Client) AddChatroomMembers(ctx context.Context, tok Token, roomID string, usernames []string) (AddMembersResult, error) {
	if err := checkRoom("add chat room members", roomID, usernames, maxBatch); err != nil {
		return AddMembersResult{}, err
	}
	var out struct {
		Data struct {
			NewMembers []string `json:"newmembers"`
		} `json:"data"`
	}
	body := struct {
		Usernames []string `json:"usernames"`
	}{usernames}
	err := c.do(ctx, request{method: "POST", path: roomPath(roomID) + "/users", token: tok, body: body, out: &out})
	if err != nil {
		return AddMembersResult{}, err
	}
	return AddMembersResult{Added: out.Data.NewMembers}, nil
}

// RemoveChatroomMembers removes 1..100 users with DELETE
// /chatrooms/{id}/users/{u1,u2,…}. The answer is read as a group removal's
// (RemoveGroupMembers): an object for one user, an array for several, each
// requested user given exactly one outcome.
func (c *Client) RemoveChatroomMembers(ctx context.Context, tok Token, roomID string, usernames []string) (RemoveMembersResult, error) {
	if err := checkRoom("remove chat room members", roomID, usernames, maxRoomRemove); err != nil {
		return RemoveMembersResult{}, err
	}
	segs := make([]string, len(usernames))
	for i, u := range usernames {
		segs[i] = url.PathEscape(u) // escapes ',' too, so only ours separate users
	}
	return c.removeMembers(ctx, tok, roomPath(roomID)+"/users/"+strings.Join(segs, ","), usernames)
}

// roomPath is the escaped path of a chat room.
func roomPath(roomID string) string {
	return "/chatrooms/" + url.PathEscape(roomID)
}

// checkRoom refuses an empty room id (the path would name every room) and,
// when most > 0, a list of usernames outside 1..most or with an empty one.
func checkRoom(what, roomID string, usernames []string, most int) error {
	if roomID == "" {
		return fmt.Errorf("agora: %s: empty chat room id: %w", what, ErrInvalidInput)
	}
	if most == 0 {
		return nil
	}
	if n := len(usernames); n < 1 || n > most {
		return fmt.Errorf("agora: %s: %d usernames: must be 1 to %d: %w", what, n, most, ErrInvalidInput)
	}
	for i, u := range usernames {
		if u == "" {
			return fmt.Errorf("agora: %s: username %d is empty: %w", what, i, ErrInvalidInput)
		}
	}
	return nil
}
