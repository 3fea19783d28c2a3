package sandbox

import (
	"maps"
	"mime"
	"net/http"
	"time"
)

// Endpoint names of the user-management calls (issue #12).
const (
	EndpointDeleteUser     = "delete_user"
	EndpointDeactivateUser = "deactivate_user"
	EndpointActivateUser   = "activate_user"
	EndpointDisconnectUser = "disconnect_user"
	EndpointSetMetadata    = "set_user_metadata"
	EndpointMuteUser       = "mute_user"
)

// accountPatterns are the user-management paths. Disconnect is GET, as
// Easemob's page, its Java SDK and Agora's own example have it.
var accountPatterns = []pattern{
	{[]string{"users", "*"}, map[string]string{http.MethodDelete: EndpointDeleteUser}},
	{[]string{"users", "*", "deactivate"}, map[string]string{http.MethodPost: EndpointDeactivateUser}},
	{[]string{"users", "*", "activate"}, map[string]string{http.MethodPost: EndpointActivateUser}},
	{[]string{"users", "*", "disconnect"}, map[string]string{http.MethodGet: EndpointDisconnectUser}},
	{[]string{"metadata", "user", "*"}, map[string]string{http.MethodPut: EndpointSetMetadata}},
	{[]string{"mutes"}, map[string]string{http.MethodPost: EndpointMuteUser}},
}

// account is the state of a user beyond its registration. Server.mu guards it.
type account struct {
	deactivated bool
	online      bool
	metadata    map[string]string
	// mutes maps "chat", "groupchat", "chatroom" to the end of the mute;
	// the zero time is for ever.
	mutes map[string]time.Time
}

// accountOf returns the account of a registered user, creating it.
// Server.mu must be held.
func (st *state) accountOf(name string) *account {
	if st.accounts == nil {
		st.accounts = map[string]*account{}
	}
	a, ok := st.accounts[name]
	if !ok {
		a = &account{metadata: map[string]string{}, mutes: map[string]time.Time{}}
		st.accounts[name] = a
	}
	return a
}

// User is a snapshot of a user's state.
type User struct {
	Name        string            `json:"name"`
	Deactivated bool              `json:"deactivated"`
	Online      bool              `json:"online"`
	Metadata    map[string]string `json:"metadata"`
	// Muted maps each kind of chat muted to the seconds left, -1 for ever
	// (the provider's GET /mutes/{username} numbers).
	Muted map[string]int64 `json:"muted"`
}

// User returns a snapshot of user name, false when it is not registered.
func (s *Server) User(name string) (User, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.st.users[name]; !ok {
		return User{}, false
	}
	a := s.st.accountOf(name)
	u := User{Name: name, Deactivated: a.deactivated, Online: a.online, Metadata: maps.Clone(a.metadata),
		Muted: map[string]int64{}}
	now := s.now()
	for kind, until := range a.mutes {
		switch {
		case until.IsZero():
			u.Muted[kind] = -1
		case until.After(now):
			u.Muted[kind] = int64(until.Sub(now).Seconds() + 0.5)
		}
	}
	return u, true
}

// SetOnline logs users in (a client connection, which the sandbox does not
// otherwise have): a disconnect then has a connection to close. A
// deactivated user cannot log in and stays offline; unknown users are
// skipped. It returns the users now online.
func (s *Server) SetOnline(names ...string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var on []string
	for _, n := range names {
		if _, ok := s.st.users[n]; !ok {
			continue
		}
		if a := s.st.accountOf(n); !a.deactivated {
			a.online = true
			on = append(on, n)
		}
	}
	return on
}

// errAccountNotFound is the user-system answer for an unknown user
// (status-codes page, 404 service_resource_not_found; Easemob's ban page).
var errAccountNotFound = &apiError{http.StatusNotFound, "service_resource_not_found", "Service resource not found"}

// knownUser returns the path's user, or the dialect's not-found answer.
// Server.mu must be held.
func (s *Server) knownUser(c *call) (string, *apiError) {
	name := c.rt.params[0]
	if _, ok := s.st.users[name]; !ok {
		return "", errAccountNotFound
	}
	return name, nil
}

// deleteUser answers delete_user: the user, its attributes and mutes go,
// and so do the groups it owns (both providers: "If the deleted user is
// the admin of a chat group or chat room, the group … is also deleted").
// Easemob answers a missing user with its own 400.
func (s *Server) deleteUser(c *call) (any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	name := c.rt.params[0]
	u, ok := s.st.users[name]
	if !ok {
		if s.cfg.Dialect == DialectEasemob {
			return nil, newError(http.StatusBadRequest, "management",
				"User with id null does not exist in app %s#%s", c.rt.org, c.rt.app)
		}
		return nil, errAccountNotFound
	}
	delete(s.st.users, name)
	delete(s.st.accounts, name)
	for id, g := range s.st.groups {
		if g.owner == name {
			delete(s.st.groups, id)
		}
		delete(g.members, name)
	}
	for id, r := range s.st.rooms { // the provider does the same for chat rooms
		if r.owner == name {
			delete(s.st.rooms, id)
		}
		delete(r.members, name)
	}
	env := c.envelope("delete", nil)
	env.Entities = []userEntity{{UUID: u.uuid, Type: "user", Created: u.created, Modified: u.created, Username: name, Activated: true}}
	return env, nil
}

// deactivateUser answers deactivate_user: the user goes offline and cannot
// log in. A refusal answers the entity still activated and changes nothing.
func (s *Server) deactivateUser(c *call) (any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	name, e := s.knownUser(c)
	if e != nil {
		return nil, e
	}
	a := s.st.accountOf(name)
	if !c.refuse {
		a.deactivated, a.online = true, false
	}
	u := s.st.users[name]
	env := c.envelope("Deactivate user", nil)
	env.Entities = []userEntity{{UUID: u.uuid, Type: "user", Created: u.created, Modified: s.now().UnixMilli(),
		Username: name, Activated: !a.deactivated}}
	return env, nil
}

// activateUser answers activate_user; an active user answers the same.
func (s *Server) activateUser(c *call) (any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	name, e := s.knownUser(c)
	if e != nil {
		return nil, e
	}
	s.st.accountOf(name).deactivated = false
	return activateAnswer{Action: "activate user", Timestamp: s.now().UnixMilli()}, nil
}

// activateAnswer is the documented answer of activate: no data at all.
type activateAnswer struct {
	Action    string `json:"action"`
	Timestamp int64  `json:"timestamp"`
	Duration  int    `json:"duration"`
}

// disconnectUser answers disconnect_user. Easemob documents data.result
// false as "not forced offline": the sandbox answers it for a user with
// no connection (or on a refusal). Agora documents the result as "only
// displayed as true".
func (s *Server) disconnectUser(c *call) (any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	name, e := s.knownUser(c)
	if e != nil {
		return nil, e
	}
	a := s.st.accountOf(name)
	result := !c.refuse && (a.online || s.cfg.Dialect != DialectEasemob)
	if !c.refuse {
		a.online = false
	}
	env := c.envelope("get", map[string]bool{"result": result})
	env.Entities = []any{}
	return env, nil
}

// handleAccount dispatches the user-management endpoints; ok is false for
// any other endpoint.
func (s *Server) handleAccount(c *call) (v any, e *apiError, ok bool) {
	handlers := map[string]func(*call) (any, *apiError){
		EndpointDeleteUser:     s.deleteUser,
		EndpointDeactivateUser: s.deactivateUser,
		EndpointActivateUser:   s.activateUser,
		EndpointDisconnectUser: s.disconnectUser,
		EndpointSetMetadata:    s.setMetadata,
		EndpointMuteUser:       s.muteUser,
	}
	h, ok := handlers[c.rt.endpoint]
	if !ok {
		return nil, nil, false
	}
	v, e = h(c)
	return v, e, true
}

// mediaTypeFor is the Content-Type an endpoint's body must have: attributes
// are a form (both providers' pages), everything else JSON.
func mediaTypeFor(endpoint string) string {
	if endpoint == EndpointSetMetadata {
		return "application/x-www-form-urlencoded"
	}
	return "application/json"
}

// hasMediaType reports whether a Content-Type header names want.
func hasMediaType(contentType, want string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	return err == nil && mt == want
}

// The user-management routes join the server's table while the package
// initialises, as the table's own rows do (route.go).
var _ = addRoutes(accountPatterns, EndpointDeleteUser, EndpointDeactivateUser, EndpointActivateUser,
	EndpointDisconnectUser, EndpointSetMetadata, EndpointMuteUser)

// addRoutes appends ps to the route table and endpoints to Endpoints,
// before EndpointOther, which stays last.
func addRoutes(ps []pattern, endpoints ...string) struct{} {
	patterns = append(patterns, ps...)
	Endpoints = append(Endpoints[:len(Endpoints)-1:len(Endpoints)-1], append(endpoints, EndpointOther)...)
	return struct{}{}
}
