package sandbox

import (
	"encoding/json"
	"maps"
	"net/http"
	"slices"
	"unicode/utf8"
)

// Documented group field limits.
const (
	maxGroupNameLen        = 128
	maxGroupDescriptionLen = 512
	defaultGroupMaxUsers   = 200
)

// createGroupRequest is the body of POST /{org}/{app}/chatgroups; the
// documented fields the sandbox does not model (avatar, custom, ...) are
// accepted and ignored.
type createGroupRequest struct {
	GroupID     string   `json:"groupid"` // easemob dialect only
	GroupName   string   `json:"groupname"`
	Description string   `json:"description"`
	Public      *bool    `json:"public"`
	Owner       string   `json:"owner"`
	Members     []string `json:"members"`
	MaxUsers    int      `json:"maxusers"`
}

// groupFields are the documented fields of a group create (doc.easemob.com
// group_manage, docs.agora.io create-delete-retrieve-groups); the
// provider answers any other with 400 invalid_parameter "Some of [x] are
// not valid fields."
var groupFields = []string{"groupname", "avatar", "description", "public", "maxusers", "allowinvites",
	"membersonly", "invite_need_confirm", "owner", "members", "custom"}

// unknownGroupField names the first field of body that the dialect does
// not document, or "".
func (s *Server) unknownGroupField(body []byte) string {
	var fields map[string]json.RawMessage
	if json.Unmarshal(body, &fields) != nil {
		return "" // decode reports it
	}
	names := slices.Sorted(maps.Keys(fields))
	for _, k := range names {
		if !slices.Contains(groupFields, k) && (k != "groupid" || !s.rules().customGroupID) {
			return k
		}
	}
	return ""
}

// createGroup answers create_group.
func (s *Server) createGroup(c *call) (any, *apiError) {
	var req createGroupRequest
	if e := c.decode(&req); e != nil {
		return nil, e
	}
	if k := s.unknownGroupField(c.body); k != "" {
		return nil, errInvalidParameter("Some of [%s] are not valid fields.", k)
	}
	switch {
	case req.Public == nil && s.rules().requirePublic:
		return nil, errPublicRequired
	case req.Owner == "":
		return nil, errInvalidParameter("owner must be provided")
	case utf8.RuneCountInString(req.GroupName) > maxGroupNameLen:
		return nil, errInvalidParameter("Some of [groupname] are not valid fields")
	case utf8.RuneCountInString(req.Description) > maxGroupDescriptionLen:
		return nil, errInvalidParameter("Some of [description] are not valid fields")
	}
	if req.MaxUsers <= 0 {
		req.MaxUsers = defaultGroupMaxUsers
	}
	members := uniqueExcept(req.Members, req.Owner)
	s.mu.Lock()
	defer s.mu.Unlock()
	if e := s.checkNewGroup(req.Owner, members, req.MaxUsers); e != nil {
		return nil, e
	}
	id := req.GroupID
	if _, exists := s.st.groups[id]; exists {
		return nil, newError(http.StatusBadRequest, "illegal_argument", "group ID %s already exists!", id)
	}
	if id == "" {
		id = s.ids.groupID()
	}
	g := &group{name: req.GroupName, description: req.Description, owner: req.Owner, members: map[string]bool{}}
	for _, m := range members {
		g.members[m] = true
	}
	s.st.groups[id] = g
	env := c.envelope("post", map[string]string{"groupid": id})
	env.Entities = []any{}
	return env, nil
}

// checkNewGroup applies the existence and limit checks of a group creation.
// Server.mu must be held.
func (s *Server) checkNewGroup(owner string, members []string, maxUsers int) *apiError {
	everyone := append([]string{owner}, members...)
	if e := s.checkUsersExist(everyone); e != nil {
		return e
	}
	if len(members) > maxUsers {
		return errMembersOverMaxUse
	}
	if limit := s.cfg.MaxGroups; limit > 0 && len(s.st.groups) >= limit {
		return errTooManyGroups
	}
	return s.checkJoinCap(everyone)
}

// checkUsersExist names the first of names that is not a user. Server.mu
// must be held.
func (s *Server) checkUsersExist(names []string) *apiError {
	for _, n := range names {
		if _, ok := s.st.users[n]; !ok {
			return errUserNotFound(n)
		}
	}
	return nil
}

// checkJoinCap names the first of names that may join no more groups.
// Server.mu must be held.
func (s *Server) checkJoinCap(names []string) *apiError {
	limit := s.cfg.MaxGroupsPerUser
	if limit <= 0 {
		return nil
	}
	for _, n := range names {
		if s.st.groupsOf(n) >= limit {
			return errJoinedTooMany(n)
		}
	}
	return nil
}

// deleteGroup answers delete_group.
func (s *Server) deleteGroup(c *call) (any, *apiError) {
	id := c.rt.params[0]
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.st.groups[id]; !ok {
		return nil, errGroupNotFound
	}
	if c.refuse {
		return c.envelope("delete", map[string]any{"success": false, "groupid": id}), nil
	}
	delete(s.st.groups, id)
	return c.envelope("delete", map[string]any{"success": true, "groupid": id}), nil
}

// transferOwner answers transfer_owner (PUT chatgroups/{g} with "newowner");
// the old owner stays in the group as a member.
func (s *Server) transferOwner(c *call) (any, *apiError) {
	id := c.rt.params[0]
	var req struct {
		NewOwner string `json:"newowner"`
	}
	if e := c.decode(&req); e != nil {
		return nil, e
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	g, ok := s.st.groups[id]
	switch {
	case !ok:
		return nil, errGroupNotFound
	case req.NewOwner == "":
		return nil, errInvalidParameter("newowner must be provided")
	case req.NewOwner == g.owner:
		return nil, errSameOwner
	case !g.members[req.NewOwner]:
		return nil, newError(http.StatusForbidden, "forbidden_op",
			"User: %s doesn't exist in group: %s.", req.NewOwner, id)
	case c.refuse:
		return c.envelope("put", map[string]bool{"newowner": false}), nil
	}
	delete(g.members, req.NewOwner)
	g.members[g.owner] = true
	g.owner = req.NewOwner
	return c.envelope("put", map[string]bool{"newowner": true}), nil
}

// uniqueExcept returns names without repeats and without skip, in order.
func uniqueExcept(names []string, skip string) []string {
	seen := map[string]bool{skip: true}
	out := make([]string, 0, len(names))
	for _, n := range names {
		if !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	return out
}
