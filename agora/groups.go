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

// createGroupBody is the provider's create body: the payload with public
// always present (Easemob requires it; false, a private group, when the
// payload leaves it out).
type createGroupBody struct {
	tasks.CreateGroup
	Public bool `json:"public"`
}

// CreateGroup creates a group with POST /chatgroups (body: p, whose JSON is
// the provider's shape, with "public" always sent) and returns
// data.groupid. Under a dialect with custom group ids a payload without
// one gets DerivedGroupID(key), key being the task id: a retried create
// then asks for the same group, and the provider refuses the second one
// (400 "group ID … already exists!", decided done). key "" derives nothing.
func (c *Client) CreateGroup(ctx context.Context, tok Token, p tasks.CreateGroup, key string) (string, error) {
	const op = "POST /chatgroups"
	if p.GroupID != "" && !c.dialect.Rules().CustomGroupID {
		return "", fmt.Errorf("agora: create group: groupid: the %s dialect takes no custom group id: %w", c.dialect, ErrInvalidInput)
	}
	if p.GroupID == "" && key != "" && c.dialect.Rules().CustomGroupID {
		p.GroupID = DerivedGroupID(key)
	}
	var out struct {
		Data struct {
			GroupID string `json:"groupid"`
		} `json:"data"`
	}
	// encoding/json lets the shallower "public" win over the embedded one.
	body := createGroupBody{CreateGroup: p, Public: p.Public != nil && *p.Public}
	if err := c.do(ctx, request{method: "POST", path: "/chatgroups", token: tok, body: body, out: &out}); err != nil {
		return "", err
	}
	if out.Data.GroupID == "" {
		return "", fmt.Errorf("agora: %s: no data.groupid in response: %w", op, ErrMalformedResponse)
	}
	return out.Data.GroupID, nil
}

// DeleteGroup deletes a group with DELETE /chatgroups/{groupID}. Only
// data.success true is a deletion: false is a *RefusedError
// (CodeSuccessFalse), and an answer without it wraps ErrMalformedResponse.
func (c *Client) DeleteGroup(ctx context.Context, tok Token, groupID string) error {
	if err := checkGroupID("delete group", groupID); err != nil {
		return err
	}
	var out struct {
		Data struct {
			Success *bool `json:"success"`
		} `json:"data"`
	}
	path := groupPath(groupID)
	if err := c.do(ctx, request{method: "DELETE", path: path, token: tok, out: &out}); err != nil {
		return err
	}
	return confirmed("DELETE "+path, "data.success", out.Data.Success, CodeSuccessFalse)
}

// confirmed turns a 2xx answer's boolean into the outcome: true is nil,
// false a *RefusedError with code, absent ErrMalformedResponse.
func confirmed(op, field string, v *bool, code string) error {
	switch {
	case v == nil:
		return fmt.Errorf("agora: %s: no %s in response: %w", op, field, ErrMalformedResponse)
	case !*v:
		return &RefusedError{Op: op, Code: code, Description: field + " is false"}
	}
	return nil
}

// AddGroupMembers adds 1..60 users: one with POST
// /chatgroups/{g}/users/{u}, several with POST /chatgroups/{g}/users and
// body {"usernames":[…]}. Added lists the users the provider reports as
// added; a single add answering data.result false is a *RefusedError
// (CodeResultFalse).
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
	if err := confirmed("POST "+path, "data.result", out.Data.Result, CodeResultFalse); err != nil {
		return AddMembersResult{}, err
	}
	return AddMembersResult{Added: []string{cmp.Or(out.Data.User, username)}}, nil
}

// memberResult is the per-user answer of adding or removing one member.
type memberResult struct {
	Result *bool  `json:"result"`
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
	return c.removeMembers(ctx, tok, groupPath(groupID)+"/users/"+strings.Join(segs, ","), usernames)
}

// removeMembers makes a member removal (of a group or a chat room: the
// answers have one shape) with DELETE path and gives each of usernames
// exactly one outcome.
func (c *Client) removeMembers(ctx context.Context, tok Token, path string, usernames []string) (RemoveMembersResult, error) {
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

// removeResult gives every requested user exactly one outcome, and no
// other user any. A result names its user; the provider may lower-case
// usernames, so names are matched without case. A result that names no
// requested user (the documentation's own example has a failed row whose
// user differs from the name sent), or repeats one, decides nothing on its
// own: when it is the only one left and exactly one requested user has no
// result, a false result is taken as that user's (a failure is never
// reported on nobody); a true one never is (a removal is never reported on
// a guess). Every other user without a result fails with CodeNoResult.
func removeResult(requested []string, results []memberResult) RemoveMembersResult {
	byName := make(map[string]string, len(requested))
	for _, u := range requested {
		byName[strings.ToLower(u)] = u
	}
	outcome := make(map[string]memberResult, len(results))
	var stray []memberResult
	for _, r := range results {
		u, ok := byName[strings.ToLower(r.User)]
		if r.User == "" && len(requested) == 1 {
			u, ok = requested[0], true
		}
		if _, dup := outcome[u]; !ok || dup || r.Result == nil {
			stray = append(stray, r)
			continue
		}
		outcome[u] = r
	}
	var missing []string
	for _, u := range requested {
		if _, ok := outcome[u]; !ok {
			missing = append(missing, u)
		}
	}
	if len(missing) == 1 && len(stray) == 1 && stray[0].Result != nil && !*stray[0].Result {
		outcome[missing[0]] = stray[0]
	}
	var res RemoveMembersResult
	for _, u := range requested {
		r, ok := outcome[u]
		switch {
		case !ok:
			res.Failed = append(res.Failed, ItemFailure{Username: u, Code: CodeNoResult, Reason: noResult})
		case *r.Result:
			res.Removed = append(res.Removed, u)
		default:
			res.Failed = append(res.Failed, ItemFailure{Username: u, Code: CodeResultFalse, Reason: cmp.Or(r.Reason, "result false")})
		}
	}
	return res
}

// TransferGroupOwner makes newOwner the owner with PUT /chatgroups/{g} and
// body {"newowner":…}. Only data.newowner true is a transfer: false is a
// *RefusedError (CodeNewOwnerFalse), an answer without it wraps
// ErrMalformedResponse.
func (c *Client) TransferGroupOwner(ctx context.Context, tok Token, groupID, newOwner string) error {
	if err := checkMembers("transfer group owner", groupID, []string{newOwner}); err != nil {
		return err
	}
	body := struct {
		NewOwner string `json:"newowner"`
	}{newOwner}
	var out struct {
		Data struct {
			NewOwner *bool `json:"newowner"`
		} `json:"data"`
	}
	path := groupPath(groupID)
	if err := c.do(ctx, request{method: "PUT", path: path, token: tok, body: body, out: &out}); err != nil {
		return err
	}
	return confirmed("PUT "+path, "data.newowner", out.Data.NewOwner, CodeNewOwnerFalse)
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
