package agora

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"

	"github.com/chatq/chatq/tasks"
)

// AddMembersResult is the answer of AddGroupMembers.
type AddMembersResult struct {
	Added []string // users the provider reports as added
}

// RemoveMembersResult is the answer of RemoveGroupMembers. A partial success
// is not a success: every requested user is either in Removed or in Failed.
type RemoveMembersResult struct {
	Removed []string
	Failed  []ItemFailure // result:false with the provider's reason, or no result at all
}

// noResult is the Reason of a requested user missing from the answer.
const noResult = "no result in the provider's response"

// CreateGroup creates a group with POST /chatgroups (body: p, whose JSON is
// the provider's shape) and returns data.groupid.
func (c *Client) CreateGroup(ctx context.Context, tok Token, p tasks.CreateGroup) (string, error) {
	var out struct {
		Data struct {
			GroupID string `json:"groupid"`
		} `json:"data"`
	}
	const op = "POST /chatgroups"
	if err := c.do(ctx, request{method: "POST", path: "/chatgroups", token: tok, body: p, out: &out}); err != nil {
		return "", err
	}
	if out.Data.GroupID == "" {
		return "", fmt.Errorf("agora: %s: no data.groupid in response: %w", op, ErrMalformedResponse)
	}
	return out.Data.GroupID, nil
}

// DeleteGroup deletes a group with DELETE /chatgroups/{groupID}. The 2xx
// body is not inspected.
func (c *Client) DeleteGroup(ctx context.Context, tok Token, groupID string) error {
	if err := checkGroupID("delete group", groupID); err != nil {
		return err
	}
	return c.do(ctx, request{method: "DELETE", path: groupPath(groupID), token: tok})
}

// AddGroupMembers adds 1..60 users: one with POST
// /chatgroups/{g}/users/{u}, several with POST /chatgroups/{g}/users and
// body {"usernames":[…]}. Added lists the users the provider reports as
// added (none when a single add answers result false).
func (c *Client) AddGroupMembers(ctx context.Context, tok Token, groupID string, usernames []string) (AddMembersResult, error) {
	if err := checkMembers("add group members", groupID, usernames); err != nil {
		return AddMembersResult{}, err
	}
	if len(usernames) == 1 {
		return c.addGroupMember(ctx, tok, groupID, usernames[0])
	}
	var out struct {
		Data struct {
			NewMembers []string `json:"newmembers"`
		} `json:"data"`
	}
	body := struct {
		Usernames []string `json:"usernames"`
	}{usernames}
	err := c.do(ctx, request{method: "POST", path: groupPath(groupID) + "/users", token: tok, body: body, out: &out})
	if err != nil {
		return AddMembersResult{}, err
	}
	return AddMembersResult{Added: out.Data.NewMembers}, nil
}

// addGroupMember adds one user with POST /chatgroups/{g}/users/{u}.
func (c *Client) addGroupMember(ctx context.Context, tok Token, groupID, username string) (AddMembersResult, error) {
	var out struct {
		Data memberResult `json:"data"`
	}
	path := groupPath(groupID) + "/users/" + url.PathEscape(username)
	if err := c.do(ctx, request{method: "POST", path: path, token: tok, out: &out}); err != nil {
		return AddMembersResult{}, err
	}
	if !out.Data.Result {
		return AddMembersResult{}, nil
	}
	return AddMembersResult{Added: []string{cmp.Or(out.Data.User, username)}}, nil
}

// memberResult is the per-user answer of adding or removing one member.
type memberResult struct {
	Result bool   `json:"result"`
	User   string `json:"user"`
	Reason string `json:"reason"`
}

// RemoveGroupMembers removes 1..60 users with DELETE
// /chatgroups/{g}/users/{u1,u2,…}. The answer's data is an object for one
// user and an array for several, with per-user result and reason; users with
// result false, or with no result, are in Failed.
func (c *Client) RemoveGroupMembers(ctx context.Context, tok Token, groupID string, usernames []string) (RemoveMembersResult, error) {
	if err := checkMembers("remove group members", groupID, usernames); err != nil {
		return RemoveMembersResult{}, err
	}
	segs := make([]string, len(usernames))
	for i, u := range usernames {
		segs[i] = url.PathEscape(u) // escapes ',' too, so only ours separate users
	}
	path := groupPath(groupID) + "/users/" + strings.Join(segs, ",")
	var out struct {
		Data json.RawMessage `json:"data"`
	}
	if err := c.do(ctx, request{method: "DELETE", path: path, token: tok, out: &out}); err != nil {
		return RemoveMembersResult{}, err
	}
	results, err := memberResults(out.Data)
	if err != nil {
		return RemoveMembersResult{}, fmt.Errorf("agora: DELETE %s: decoding data: %w: %w", path, ErrMalformedResponse, err)
	}
	res := removeResult(usernames, results)
	for i := range res.Failed {
		res.Failed[i].Reason = c.itemReason(res.Failed[i].Reason, tok)
	}
	return res, nil
}

// memberResults decodes data, an object or an array of objects.
func memberResults(data json.RawMessage) ([]memberResult, error) {
	data = json.RawMessage(strings.TrimSpace(string(data)))
	if strings.HasPrefix(string(data), "[") {
		var rs []memberResult
		return rs, json.Unmarshal(data, &rs)
	}
	var r memberResult
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, err
	}
	return []memberResult{r}, nil
}

// removeResult sorts the requested users into removed and failed. The
// provider may lower-case usernames, so they are matched without case.
func removeResult(requested []string, results []memberResult) RemoveMembersResult {
	var res RemoveMembersResult
	seen := make(map[string]bool, len(results))
	for _, r := range results {
		user := r.User
		if user == "" && len(requested) == 1 {
			user = requested[0]
		}
		seen[strings.ToLower(user)] = true
		if r.Result {
			res.Removed = append(res.Removed, user)
			continue
		}
		res.Failed = append(res.Failed, ItemFailure{Username: user, Reason: cmp.Or(r.Reason, "result false")})
	}
	for _, u := range requested {
		if !seen[strings.ToLower(u)] {
			res.Failed = append(res.Failed, ItemFailure{Username: u, Reason: noResult})
		}
	}
	return res
}

// TransferGroupOwner makes newOwner the owner with PUT /chatgroups/{g} and
// body {"newowner":…}. The 2xx body is not inspected.
func (c *Client) TransferGroupOwner(ctx context.Context, tok Token, groupID, newOwner string) error {
	if err := checkMembers("transfer group owner", groupID, []string{newOwner}); err != nil {
		return err
	}
	body := struct {
		NewOwner string `json:"newowner"`
	}{newOwner}
	return c.do(ctx, request{method: "PUT", path: groupPath(groupID), token: tok, body: body})
}

// groupPath is the escaped path of a group.
func groupPath(groupID string) string {
	return "/chatgroups/" + url.PathEscape(groupID)
}

// checkGroupID refuses an empty group id: the path would name the
// collection of all groups.
func checkGroupID(what, groupID string) error {
	if groupID == "" {
		return fmt.Errorf("agora: %s: empty group id: %w", what, ErrInvalidInput)
	}
	return nil
}

// checkMembers refuses an empty group id, an empty or oversized list of
// usernames, and an empty username.
func checkMembers(what, groupID string, usernames []string) error {
	if err := checkGroupID(what, groupID); err != nil {
		return err
	}
	if len(usernames) < 1 || len(usernames) > maxBatch {
		return fmt.Errorf("agora: %s: %d usernames: must be 1 to %d: %w", what, len(usernames), maxBatch, ErrInvalidInput)
	}
	for i, u := range usernames {
		if u == "" {
			return fmt.Errorf("agora: %s: username %d is empty: %w", what, i, ErrInvalidInput)
		}
	}
	return nil
}
