package tasks

import (
	"fmt"
	"log/slog"
	"unicode/utf8"

	"github.com/hibiken/asynq"
)

// maxBatch is the provider's limit on users per batch request: registering
// users, adding or removing group members (https://docs.agora.io/en/agora-chat/restful-api/user-system-registration,
// https://doc.easemob.com/document/server-side/group_manage.html).
const maxBatch = 60

// Register limits (the user-system-registration page: password at most 64
// bytes; Easemob answers "NICKNAME_TOO_LONG" past 100 characters).
const (
	maxPassword = 64  // bytes
	maxNickname = 100 // characters
)

// Password is a user's password. It is a secret: its String, GoString and
// LogValue say "[redacted]", so a payload printed with %v or logged with
// slog does not show it; only its JSON encoding (the payload on the wire)
// carries the value.
type Password string

// String returns "[redacted]" for a non-empty password.
func (p Password) String() string {
	if p == "" {
		return ""
	}
	return "[redacted]"
}

// GoString is String, for %#v.
func (p Password) GoString() string { return p.String() }

// LogValue keeps the password out of slog output.
func (p Password) LogValue() slog.Value { return slog.StringValue(p.String()) }

// TypeRegisterUser registers 1 to 60 users.
const TypeRegisterUser = "user:register"

var _ = register[RegisterUsers](QueueUsers)

// User is one user to register.
type User struct {
	Username string `json:"username"` // [a-z0-9_.-]{1,64}
	// Password is optional, but required under Limits.RequirePassword
	// (the easemob dialect): 1 to 64 bytes. Dead letters keep it redacted.
	Password Password `json:"password,omitempty"`
	// Nickname is optional: at most 100 characters.
	Nickname string `json:"nickname,omitempty"`
}

// RegisterUsers is the payload of TypeRegisterUser: 1 to 60 users,
// registered with one request.
type RegisterUsers struct {
	Users []User `json:"users"` // 1..60, no duplicate usernames
}

// TaskType returns TypeRegisterUser.
func (RegisterUsers) TaskType() string { return TypeRegisterUser }

// Items returns the usernames.
func (p RegisterUsers) Items() []string {
	out := make([]string, len(p.Users))
	for i, u := range p.Users {
		out[i] = u.Username
	}
	return out
}

// Subset returns p with only the users keep accepts.
func (p RegisterUsers) Subset(keep func(string) bool) Batch {
	p.Users = keepOnly(p.Users, func(u User) string { return u.Username }, keep)
	return p
}

// Validate returns the first violation as a *ValidationError;
// l.RequirePassword makes every user's password required.
func (p RegisterUsers) Validate(l Limits) error {
	c := checker{typ: TypeRegisterUser}
	c.count("users", len(p.Users), 1, maxBatch)
	names := make([]string, len(p.Users))
	for i, u := range p.Users {
		if rule := usernameRule(u.Username); rule != "" && !c.failed() {
			c.fail(index("users", i)+".username", rule)
		}
		c.password(index("users", i)+".password", string(u.Password), l.RequirePassword)
		c.text(index("users", i)+".nickname", u.Nickname, 0, maxNickname)
		names[i] = u.Username
	}
	c.unique("users", ".username", names)
	return c.err()
}

// password checks a password without ever quoting it.
func (c *checker) password(field, s string, required bool) {
	switch {
	case c.failed():
	case s == "" && required:
		c.fail(field, "is required by the easemob dialect (CHATQ_PROVIDER)")
	case !utf8.ValidString(s):
		c.fail(field, ruleUTF8)
	case len(s) > maxPassword:
		c.fail(field, fmt.Sprintf("must be at most %d bytes, got %d", maxPassword, len(s)))
	}
}

// NewRegisterUsersTask validates p and returns a TypeRegisterUser task that
// carries its asynq options (queue QueueUsers unless Queue says otherwise,
// MaxRetry budget+1, schedule).
func NewRegisterUsersTask(p RegisterUsers, opts ...Option) (*asynq.Task, error) {
	return NewTask(p, opts...)
}
