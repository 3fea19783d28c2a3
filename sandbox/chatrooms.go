package sandbox

import (
	"encoding/json"
	"maps"
	"net/http"
	"slices"
	"unicode/utf8"
)

// Documented chat room limits (doc.easemob.com chatroom_create,
// chatroom_member_add_batch, chatroom_member_remove_batch; the Agora
// chatroom-management pages).
const (
	maxRoomNameLen        = 128
	maxRoomDescriptionLen = 512
	maxRoomUsers          = 10000 // maxusers, owner included
	defaultRoomUsers      = 1000
	maxRoomCustom         = 8192
	maxRoomAddPerCall     = 60
	maxRoomRemovePerCall  = 100
)

// roomFields are the documented fields of a room create; any other is 400
// invalid_parameter, as for groups. Easemob's "roomid" needs the provider
// to enable it for the app first: the sandbox plays an app without it.
var roomFields = []string{"name", "description", "maxusers", "owner", "members", "custom"}

// room is a chat room; members excludes the owner.
type room struct {
	name, description, owner string
	maxUsers                 int // owner included
	members                  map[string]bool
}

// Room is a snapshot of a chat room.
type Room struct {
	ID       string   `json:"id"`
	Name     string   `json:"name"`
	Owner    string   `json:"owner"`
	MaxUsers int      `json:"maxusers"`
	Members  []string `json:"members"` // sorted, without the owner
}

func (r *room) snapshot(id string) Room {
	members := slices.Sorted(maps.Keys(r.members))
	if members == nil {
		members = []string{}
	}
	return Room{ID: id, Name: r.name, Owner: r.owner, MaxUsers: r.maxUsers, Members: members}
}

// has reports whether user is in the room (the owner is).
func (r *room) has(user string) bool { return user == r.owner || r.members[user] }

// createRoomRequest is the body of POST /{org}/{app}/chatrooms. Pointers
// tell a field left out from one sent empty.
type createRoomRequest struct {
	Name        *string   `json:"name"`
	Description *string   `json:"description"`
	MaxUsers    *int      `json:"maxusers"`
	Owner       string    `json:"owner"`
	Members     *[]string `json:"members"`
	Custom      string    `json:"custom"`
}

// createRoom answers create_chatroom.
func (s *Server) createRoom(c *call) (any, *apiError) {
	var req createRoomRequest
	if e := c.decode(&req); e != nil {
		return nil, e
	}
	if k := unknownField(c.body, roomFields); k != "" {
		return nil, errInvalidParameter("Some of [%s] are not valid fields.", k)
	}
	if e := checkRoomRequest(req); e != nil {
		return nil, e
	}
	maxUsers := defaultRoomUsers
	if req.MaxUsers != nil {
		maxUsers = *req.MaxUsers
	}
	var members []string
	if req.Members != nil {
		members = uniqueExcept(*req.Members, req.Owner)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if e := s.checkUsersExist(append([]string{req.Owner}, members...)); e != nil {
		return nil, e
	}
	if len(members)+1 > maxUsers {
		return nil, errMembersOverMaxUse
	}
	id := s.ids.groupID()
	r := &room{name: *req.Name, description: *req.Description, owner: req.Owner, maxUsers: maxUsers, members: map[string]bool{}}
	for _, m := range members {
		r.members[m] = true
	}
	s.st.rooms[id] = r
	return c.envelope("post", map[string]string{"id": id}), nil
}

// checkRoomRequest applies the documented field rules of a room create.
func checkRoomRequest(req createRoomRequest) *apiError {
	switch {
	case req.Name == nil || *req.Name == "" || utf8.RuneCountInString(*req.Name) > maxRoomNameLen:
		return errInvalidParameter("Some of [name] are not valid fields")
	case req.Description == nil || *req.Description == "" || utf8.RuneCountInString(*req.Description) > maxRoomDescriptionLen:
		return errInvalidParameter("Some of [description] are not valid fields")
	case req.Owner == "":
		return errInvalidParameter("owner must be provided")
	case req.MaxUsers != nil && (*req.MaxUsers < 1 || *req.MaxUsers > maxRoomUsers):
		return errInvalidParameter("Some of [maxusers] are not valid fields")
	case req.Members != nil && len(*req.Members) == 0:
		return errInvalidParameter("Some of [members] are not valid fields")
	case len(req.Custom) > maxRoomCustom:
		return errInvalidParameter("Some of [custom] are not valid fields")
	}
	return nil
}

// unknownField names the first field of a JSON object body that is not in
// known, or "".
func unknownField(body []byte, known []string) string {
	var fields map[string]json.RawMessage
	if json.Unmarshal(body, &fields) != nil {
		return ""
	}
	for _, k := range slices.Sorted(maps.Keys(fields)) {
		if !slices.Contains(known, k) {
			return k
		}
	}
	return ""
}

// deleteRoom answers delete_chatroom.
func (s *Server) deleteRoom(c *call) (any, *apiError) {
	id := c.rt.params[0]
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.st.rooms[id]; !ok {
		return nil, errGroupNotFound
	}
	if c.refuse {
		return c.envelope("delete", map[string]any{"success": false, "id": id}), nil
	}
	delete(s.st.rooms, id)
	return c.envelope("delete", map[string]any{"success": true, "id": id}), nil
}

// addRoomMembers answers add_chatroom_members: POST chatrooms/{r}/users
// with {"usernames":[...]}, or chatrooms/{r}/users/{u} for one user. A user
// already in the room counts as added (listed in newmembers, as the
// documentation says); users that would take the room past maxusers fail
// the whole call with a 403 and nothing is added.
func (s *Server) addRoomMembers(c *call) (any, *apiError) {
	id := c.rt.params[0]
	users, e := roomAddUsers(c)
	if e != nil {
		return nil, e
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.st.rooms[id]
	if !ok {
		return nil, errGroupNotFound
	}
	if e := s.checkUsersExist(users); e != nil {
		return nil, e
	}
	added, fresh := []string{}, []string{}
	for _, u := range uniqueExcept(users, "") {
		if _, failed := c.itemReasons[u]; failed {
			continue // left out of newmembers, not added
		}
		added = append(added, u)
		if !r.has(u) {
			fresh = append(fresh, u)
		}
	}
	if 1+len(r.members)+len(fresh) > r.maxUsers {
		return nil, errRoomFull(id)
	}
	for _, u := range fresh {
		r.members[u] = true
	}
	if len(c.rt.params) == 2 {
		return c.envelope("post", map[string]any{"result": true, "action": "add_member", "id": id, "user": users[0]}), nil
	}
	return c.envelope("post", map[string]any{"newmembers": added, "action": "add_member", "id": id}), nil
}

// roomAddUsers reads the users of an add: the path's one user, or the
// body's 1..60 usernames.
func roomAddUsers(c *call) ([]string, *apiError) {
	if len(c.rt.params) == 2 {
		return []string{c.rt.params[1]}, nil
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
	case len(req.Usernames) > maxRoomAddPerCall:
		return nil, errInvalidParameter("usernames size can't exceed limit %d", maxRoomAddPerCall)
	}
	return req.Usernames, nil
}

// roomRemoveResult is one user's outcome of a room removal.
type roomRemoveResult struct {
	Result bool   `json:"result"`
	Action string `json:"action"`
	Reason string `json:"reason,omitempty"`
	User   string `json:"user"`
	ID     string `json:"id"`
}

// removeRoomMembers answers remove_chatroom_members: DELETE
// chatrooms/{r}/users/{u1,u2}, up to 100 users. One user not in the room
// (or the owner) is an error; several are answered per user, with the
// documentation's reason ("user: u doesn't exist in group: r").
func (s *Server) removeRoomMembers(c *call) (any, *apiError) {
	id := c.rt.params[0]
	users := splitUsers(c.rt.params[1])
	switch {
	case len(users) == 0:
		return nil, errInvalidParameter("usernames must be provided")
	case len(users) > maxRoomRemovePerCall:
		return nil, errInvalidParameter("usernames size can't exceed limit %d", maxRoomRemovePerCall)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.st.rooms[id]
	if !ok {
		return nil, errGroupNotFound
	}
	if len(users) == 1 {
		res := r.remove(id, users[0])
		if !res.Result {
			return nil, newError(http.StatusForbidden, "forbidden_op", "%s", res.Reason)
		}
		return c.envelope("delete", res), nil
	}
	results := perUser(c, users,
		func(u, reason string) roomRemoveResult {
			return roomRemoveResult{Action: "remove_member", Reason: reason, User: u, ID: id}
		},
		func(u string) roomRemoveResult { return r.remove(id, u) })
	return c.envelope("delete", results), nil
}

// remove takes user out of the room and reports the outcome.
func (r *room) remove(id, user string) roomRemoveResult {
	res := roomRemoveResult{Result: true, Action: "remove_member", User: user, ID: id}
	switch {
	case user == r.owner:
		res.Result, res.Reason = false, "forbidden operation on chatroom owner!"
	case !r.members[user]:
		res.Result, res.Reason = false, "user: "+user+" doesn't exist in group: "+id
	default:
		delete(r.members, user)
	}
	return res
}

// errRoomFull is the answer to an add past the room's maxusers.
func errRoomFull(id string) *apiError {
	return newError(http.StatusForbidden, "forbidden_op", "Can not join this chatroom, reason: chatroom %s is full!", id)
}

// Room returns a snapshot of chat room id.
func (s *Server) Room(id string) (Room, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.st.rooms[id]
	if !ok {
		return Room{}, false
	}
	return r.snapshot(id), true
}

// RoomsNamed returns a snapshot of every chat room called name, by id.
func (s *Server) RoomsNamed(name string) []Room {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Room
	for _, id := range slices.Sorted(maps.Keys(s.st.rooms)) {
		if r := s.st.rooms[id]; r.name == name {
			out = append(out, r.snapshot(id))
		}
	}
	return out
}

// SeedRoom creates (or replaces) chat room id, named id, directly, with
// maxUsers (0: the default, 1000) and the owner and members created as
// users when they do not exist. No call is counted and no limit applies.
func (s *Server) SeedRoom(id, owner string, maxUsers int, members ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seedUsersLocked(append([]string{owner}, members...))
	if maxUsers <= 0 {
		maxUsers = defaultRoomUsers
	}
	r := &room{name: id, owner: owner, maxUsers: maxUsers, members: map[string]bool{}}
	for _, m := range members {
		if m != owner {
			r.members[m] = true
		}
	}
	s.st.rooms[id] = r
}
