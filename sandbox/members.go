package sandbox

import (
	"net/http"
	"strings"
)

// maxMembersPerCall is the documented limit of users per add or remove call.
const maxMembersPerCall = 60

// addMembers answers add_members: POST chatgroups/{g}/users/{u} adds one
// user, POST chatgroups/{g}/users with {"usernames":[...]} adds several.
func (s *Server) addMembers(c *call) (any, *apiError) {
	id := c.rt.params[0]
	if len(c.rt.params) == 2 {
		return s.addOneMember(c, id, c.rt.params[1])
	}
	var req struct {
		Usernames []string `json:"usernames"`
	}
	if e := c.decode(&req); e != nil {
		return nil, e
	}
	switch {
	case len(req.Usernames) == 0:
		return nil, errInvalidParameter("usernames must be provided")
	case len(req.Usernames) > maxMembersPerCall:
		return nil, errInvalidParameter("usernames size can't exceed limit %d", maxMembersPerCall)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	g, e := s.groupForMembers(id, req.Usernames)
	if e != nil {
		return nil, e
	}
	fresh := []string{}
	refused := 0
	for _, u := range uniqueExcept(req.Usernames, g.owner) {
		_, failed := c.itemReasons[u]
		switch {
		case failed:
			refused++ // left out of newmembers, not added
		case !g.members[u]:
			fresh = append(fresh, u)
		}
	}
	if len(fresh) == 0 && refused == 0 {
		return nil, errAlreadyMember(req.Usernames[0], id)
	}
	if e := s.checkJoinCap(fresh); e != nil {
		return nil, e
	}
	for _, u := range fresh {
		g.members[u] = true
	}
	return c.envelope("post", map[string]any{"newmembers": fresh, "groupid": id, "action": "add_member"}), nil
}

// addOneMember adds user to group id.
func (s *Server) addOneMember(c *call, id, user string) (any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, e := s.groupForMembers(id, []string{user})
	if e != nil {
		return nil, e
	}
	if user == g.owner || g.members[user] {
		return nil, errAlreadyMember(user, id)
	}
	if c.refuse {
		return c.envelope("post", map[string]any{"result": false, "groupid": id, "action": "add_member", "user": user}), nil
	}
	if e := s.checkJoinCap([]string{user}); e != nil {
		return nil, e
	}
	g.members[user] = true
	return c.envelope("post", map[string]any{"result": true, "groupid": id, "action": "add_member", "user": user}), nil
}

// groupForMembers returns group id after checking that it and every user
// exist. Server.mu must be held.
func (s *Server) groupForMembers(id string, users []string) (*group, *apiError) {
	g, ok := s.st.groups[id]
	if !ok {
		return nil, errGroupNotFound
	}
	if e := s.checkUsersExist(users); e != nil {
		return nil, e
	}
	return g, nil
}

// removeResult is one user's outcome of a removal.
type removeResult struct {
	Result  bool   `json:"result"`
	Action  string `json:"action"`
	Reason  string `json:"reason,omitempty"`
	User    string `json:"user"`
	GroupID string `json:"groupid"`
}

// removeMembers answers remove_members: DELETE chatgroups/{g}/users/{u1,u2}.
// One user fails as a whole; several succeed or fail per user.
func (s *Server) removeMembers(c *call) (any, *apiError) {
	id := c.rt.params[0]
	users := splitUsers(c.rt.params[1])
	switch {
	case len(users) == 0:
		return nil, errInvalidParameter("usernames must be provided")
	case len(users) > maxMembersPerCall:
		return nil, errInvalidParameter("usernames size can't exceed limit %d", maxMembersPerCall)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	g, ok := s.st.groups[id]
	if !ok {
		return nil, errGroupNotFound
	}
	if len(users) == 1 {
		r := removeOne(g, id, users[0])
		if !r.Result {
			return nil, removeError(g, r.User)
		}
		return c.envelope("delete", r), nil
	}
	results := perUser(c, users,
		func(u, reason string) removeResult {
			return removeResult{Action: "remove_member", Reason: reason, User: u, GroupID: id}
		},
		func(u string) removeResult { return removeOne(g, id, u) })
	return c.envelope("delete", results), nil
}

// perUser is a batch removal's answer, one result per user in order: a
// user an item_reasons fault names is refused with its reason and left
// alone, the others are applied.
func perUser[R any](c *call, users []string, refused func(user, reason string) R, apply func(user string) R) []R {
	out := make([]R, 0, len(users))
	for _, u := range users {
		if reason, failed := c.itemReasons[u]; failed {
			out = append(out, refused(u, reason))
			continue
		}
		out = append(out, apply(u))
	}
	return out
}

// removeOne removes user from g and reports the outcome.
func removeOne(g *group, id, user string) removeResult {
	r := removeResult{Result: true, Action: "remove_member", User: user, GroupID: id}
	switch {
	case user == g.owner:
		r.Result, r.Reason = false, "forbidden operation on group owner!"
	case !g.members[user]:
		r.Result, r.Reason = false, "users ["+user+"] are not members of this group!"
	default:
		delete(g.members, user)
	}
	return r
}

// removeError is the error for a failed single-user removal.
func removeError(g *group, user string) *apiError {
	if user == g.owner {
		return errGroupOwnerOp
	}
	return newError(http.StatusForbidden, "forbidden_op", "Users [%s] are not members of this group!", user)
}

// splitUsers splits a comma list, dropping empty names.
func splitUsers(list string) []string {
	var out []string
	for u := range strings.SplitSeq(list, ",") {
		if u = strings.TrimSpace(u); u != "" {
			out = append(out, u)
		}
	}
	return out
}
