package sandbox

import (
	"net/http"
	"time"
)

// This file holds the logins of accounts.go's users: Easemob user tokens
// and the admin endpoints of a user's state.

// userTokenRequest is Easemob's user-token request: POST /token with an
// app token and grant_type "inherit" (docs/product/easemob_user_token.md).
type userTokenRequest struct {
	Username       string `json:"username"`
	AutoCreateUser bool   `json:"autoCreateUser"`
	TTL            int64  `json:"ttl"`
}

// userTokenResponse is its answer: the token and the user.
type userTokenResponse struct {
	AccessToken string     `json:"access_token"`
	ExpiresIn   int64      `json:"expires_in"`
	User        userEntity `json:"user"`
}

// issueUserToken answers a user-token request (easemob dialect): a
// deactivated user gets none (400 invalid_grant "user not activated"), an
// unknown one 404 unless autoCreateUser. The token logs the user in (an
// SDK login) and is not an app token: REST calls made with it are refused.
func (s *Server) issueUserToken(c *call) (any, *apiError) {
	if e := s.checkToken(bearerToken(c.r)); e != nil {
		return nil, e
	}
	var req userTokenRequest
	if e := c.decode(&req); e != nil {
		return nil, e
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.st.users[req.Username]
	switch {
	case !ok && !req.AutoCreateUser:
		return nil, newError(http.StatusNotFound, "invalid_grant", "user not found")
	case !ok && !usernameRE.MatchString(req.Username):
		return nil, newError(http.StatusBadRequest, "illegal_argument", "username [%s] is not legal", req.Username)
	case !ok:
		u = s.st.addUser(req.Username, s.now())
	}
	a := s.st.accountOf(req.Username)
	if a.deactivated {
		return nil, newError(http.StatusBadRequest, "invalid_grant", "user not activated")
	}
	a.online = true
	ttl := s.cfg.TokenTTL
	if req.TTL > 0 {
		ttl = time.Duration(req.TTL) * time.Second
	}
	return userTokenResponse{AccessToken: newToken(), ExpiresIn: int64(ttl / time.Second),
		User: userEntity{UUID: u.uuid, Type: "user", Created: u.created, Modified: u.created, Username: req.Username, Activated: true}}, nil
}

func (s *Server) adminUser(w http.ResponseWriter, r *http.Request) {
	u, ok := s.User(r.PathValue("name"))
	if !ok {
		writeAdminError(w, http.StatusNotFound, "no user "+r.PathValue("name"))
		return
	}
	writeAdminJSON(w, http.StatusOK, u)
}

func (s *Server) adminOnline(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	if len(s.SetOnline(name)) == 1 {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	if _, ok := s.User(name); !ok {
		writeAdminError(w, http.StatusNotFound, "no user "+name)
		return
	}
	writeAdminError(w, http.StatusConflict, "user "+name+" is deactivated and cannot log in")
}
