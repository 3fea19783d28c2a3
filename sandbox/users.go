package sandbox

import (
	"bytes"
	"net/http"
	"regexp"
)

// maxRegisterBatch is the documented limit of users per batch registration.
const maxRegisterBatch = 60

// usernameRE is the documented username rule: 1..64 of a-z 0-9 _ . -
var usernameRE = regexp.MustCompile(`^[a-z0-9_.-]{1,64}$`)

// registerEntry is one user in a registration body. The password is
// required under the easemob dialect and otherwise ignored, as is the
// nickname.
type registerEntry struct {
	Username *string `json:"username"`
	Password *string `json:"password"`
	Nickname string  `json:"nickname"`
}

// userEntity is a created user in the registration response.
type userEntity struct {
	UUID      string `json:"uuid"`
	Type      string `json:"type"`
	Created   int64  `json:"created"`
	Modified  int64  `json:"modified"`
	Username  string `json:"username"`
	Activated bool   `json:"activated"`
}

// registerFailure lists a batch user that already existed.
type registerFailure struct {
	Username string `json:"username"`
	Reason   string `json:"registerUserFailReason"`
}

// registerUsers answers register_user: an object registers one user, an
// array a batch in which existing users are reported, not fatal.
func (s *Server) registerUsers(c *call) (any, *apiError) {
	names, batch, e := parseRegister(c, s.rules().requirePassword)
	if e != nil {
		return nil, e
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !batch {
		if _, ok := s.st.users[names[0]]; ok {
			return nil, newError(http.StatusBadRequest, "duplicate_unique_property_exists",
				"Application null Entity user requires that property named 'username' be unique, value of %s exists.", names[0])
		}
	}
	var reasons map[string]string
	if batch {
		reasons = c.itemReasons
	}
	fresh, failed := s.splitExisting(names, reasons)
	if limit := s.cfg.MaxUsers; limit > 0 && len(s.st.users)+len(fresh) > limit {
		return nil, errPlanLimit
	}
	entities := make([]userEntity, 0, len(fresh))
	for _, name := range fresh {
		u := s.st.addUser(name, s.now())
		entities = append(entities, userEntity{
			UUID: u.uuid, Type: "user", Created: u.created, Modified: u.created, Username: name, Activated: true,
		})
	}
	env := c.envelope("post", nil)
	env.Entities = entities
	if batch {
		env.Data = failed
	}
	return env, nil
}

// splitExisting separates names into users to create and failures for those
// that exist (or repeat within the request) or that a fault fails (reasons).
// Server.mu must be held.
func (s *Server) splitExisting(names []string, reasons map[string]string) ([]string, []registerFailure) {
	seen := map[string]bool{}
	fresh := []string{}
	failed := []registerFailure{}
	for _, n := range names {
		if reason, ok := reasons[n]; ok {
			failed = append(failed, registerFailure{Username: n, Reason: reason})
			continue
		}
		if _, ok := s.st.users[n]; ok || seen[n] {
			failed = append(failed, registerFailure{Username: n, Reason: "the " + n + " already exists"})
			continue
		}
		seen[n] = true
		fresh = append(fresh, n)
	}
	return fresh, failed
}

// parseRegister returns the usernames of a registration body, whether it was
// a batch, or the first error in it. requirePassword refuses a user without
// a password (the easemob dialect).
func parseRegister(c *call, requirePassword bool) ([]string, bool, *apiError) {
	var entries []registerEntry
	trimmed := bytes.TrimSpace(c.body)
	batch := len(trimmed) > 0 && trimmed[0] == '['
	if batch {
		if e := c.decode(&entries); e != nil {
			return nil, false, e
		}
	} else {
		var one registerEntry
		if e := c.decode(&one); e != nil {
			return nil, false, e
		}
		if !isObject(trimmed) {
			return nil, false, errInvalidRequest
		}
		entries = []registerEntry{one}
	}
	if len(entries) == 0 {
		return nil, false, errInvalidRequest
	}
	if len(entries) > maxRegisterBatch {
		return nil, false, newError(http.StatusBadRequest, "illegal_argument",
			"Request body array size[%d] had almost reached or been greater than the upper range value[%d]",
			len(entries), maxRegisterBatch)
	}
	names := make([]string, 0, len(entries))
	for _, en := range entries {
		switch {
		case en.Username == nil || *en.Username == "":
			return nil, false, errMissingUsername
		case !usernameRE.MatchString(*en.Username):
			return nil, false, newError(http.StatusBadRequest, "illegal_argument",
				"username [%s] is not legal", *en.Username)
		case requirePassword && (en.Password == nil || *en.Password == ""):
			return nil, false, errPasswordRequired
		}
		names = append(names, *en.Username)
	}
	return names, batch, nil
}
