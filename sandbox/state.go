package sandbox

import (
	"encoding/json"
	"maps"
	"slices"
	"time"
)

// Stats counts what the server saw. Server.Stats returns a copy.
type Stats struct {
	// Calls counts provider calls by endpoint name (see Endpoints), including
	// calls answered by faults and errors.
	Calls map[string]int `json:"calls"`
	// TokenRequests counts calls to the token endpoint.
	TokenRequests int `json:"token_requests"`
	// AppTokens counts distinct AccessToken2 app tokens the server accepted
	// (minted by the clients, so never requested from the token endpoint).
	AppTokens int `json:"app_tokens,omitempty"`
	// Responses counts answers by "<status>" or "<status> <code>", e.g.
	// "200", "429 reach_limit", "503", plus "drop" and "canceled".
	Responses map[string]int `json:"responses"`
	// Delivered counts delivered messages (one per recipient), including any
	// no longer kept because of Config.MaxStoredMessages.
	Delivered int `json:"delivered"`
}

// Message is one delivered message: a send to N recipients delivers N.
type Message struct {
	ID     string          `json:"id"`
	Target string          `json:"target"` // "users", "chatgroups" or "chatrooms"
	From   string          `json:"from"`   // "admin" when the request had none
	To     string          `json:"to"`
	Type   string          `json:"type"`
	Body   json.RawMessage `json:"body"`
	Ext    json.RawMessage `json:"ext,omitempty"`
}

// Group is a snapshot of a chat group.
type Group struct {
	ID      string   `json:"id"`
	Name    string   `json:"name"`
	Owner   string   `json:"owner"`
	Members []string `json:"members"` // sorted, without the owner
}

// user is a registered user.
type user struct {
	uuid    string
	created int64 // unix ms
}

// group is a chat group; members excludes the owner.
type group struct {
	name, description, owner string
	members                  map[string]bool
	// info holds the other modifiable fields a PUT set (maxusers, public,
	// custom, …), by the provider's names (GroupInfo).
	info map[string]any
}

// state is the provider's data. Server.mu guards it.
type state struct {
	users    map[string]user
	groups   map[string]*group
	tokens   map[string]time.Time // token -> expiry
	messages []Message
	sent     map[string]sentMessage // message id -> what a recall checks (recall.go)
}

func newState() *state {
	return &state{users: map[string]user{}, groups: map[string]*group{}, tokens: map[string]time.Time{},
		sent: map[string]sentMessage{}}
}

func (st *state) addUser(name string, now time.Time) user {
	u := user{uuid: newUUID(), created: now.UnixMilli()}
	st.users[name] = u
	return u
}

// groupsOf counts the groups name owns or belongs to.
func (st *state) groupsOf(name string) int {
	n := 0
	for _, g := range st.groups {
		if g.owner == name || g.members[name] {
			n++
		}
	}
	return n
}

func (g *group) snapshot(id string) Group {
	members := slices.Sorted(maps.Keys(g.members))
	if members == nil {
		members = []string{} // JSON [] rather than null
	}
	return Group{ID: id, Name: g.name, Owner: g.owner, Members: members}
}

// Stats returns a copy of the counters.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.stats
	st.Calls = maps.Clone(s.stats.Calls)
	st.Responses = maps.Clone(s.stats.Responses)
	return st
}

// Messages returns the delivered messages, oldest first (only the newest
// Config.MaxStoredMessages when that is set).
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	msgs := s.st.messages
	if n := s.cfg.MaxStoredMessages; n > 0 && len(msgs) > n {
		msgs = msgs[len(msgs)-n:]
	}
	return slices.Clone(msgs)
}

// HasUser reports whether name is a registered user.
func (s *Server) HasUser(name string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.st.users[name]
	return ok
}

// Group returns a snapshot of group id.
func (s *Server) Group(id string) (Group, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, ok := s.st.groups[id]
	if !ok {
		return Group{}, false
	}
	return g.snapshot(id), true
}

// GroupsNamed returns a snapshot of every group called name, by id.
func (s *Server) GroupsNamed(name string) []Group {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Group
	for _, id := range slices.Sorted(maps.Keys(s.st.groups)) {
		if g := s.st.groups[id]; g.name == name {
			out = append(out, g.snapshot(id))
		}
	}
	return out
}

// SeedUsers creates users directly: no call is counted and no limit applies.
// Existing users are left alone.
func (s *Server) SeedUsers(names ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seedUsersLocked(names)
}

func (s *Server) seedUsersLocked(names []string) {
	for _, n := range names {
		if _, ok := s.st.users[n]; !ok {
			s.st.addUser(n, s.now())
		}
	}
}

// SeedGroup creates (or replaces) group id, named id, directly, also creating the owner
// and members as users when they do not exist. No call is counted and no
// limit applies. The owner is never listed as a member.
func (s *Server) SeedGroup(id, owner string, members ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seedUsersLocked(append([]string{owner}, members...))
	g := &group{name: id, owner: owner, members: map[string]bool{}}
	for _, m := range members {
		if m != owner {
			g.members[m] = true
		}
	}
	s.st.groups[id] = g
}
