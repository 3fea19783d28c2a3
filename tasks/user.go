package tasks

import "github.com/hibiken/asynq"

// maxBatch is the provider's limit on users per batch request: registering
// users, adding or removing group members (https://docs.agora.io/en/agora-chat/restful-api/user-system-registration,
// https://doc.easemob.com/document/server-side/group_manage.html).
const maxBatch = 60

// TypeRegisterUser registers 1 to 60 users.
const TypeRegisterUser = "user:register"

var _ = register[RegisterUsers](QueueUsers)

// User is one user to register.
type User struct {
	Username string `json:"username"` // [a-z0-9_.-]{1,64}
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

// Validate returns the first violation as a *ValidationError; no Limits apply.
func (p RegisterUsers) Validate(Limits) error {
	c := checker{typ: TypeRegisterUser}
	c.count("users", len(p.Users), 1, maxBatch)
	names := make([]string, len(p.Users))
	for i, u := range p.Users {
		if rule := usernameRule(u.Username); rule != "" && !c.failed() {
			c.fail(index("users", i)+".username", rule)
		}
		names[i] = u.Username
	}
	c.unique("users", ".username", names)
	return c.err()
}

// NewRegisterUsersTask validates p and returns a TypeRegisterUser task that
// carries its asynq options (queue QueueUsers unless Queue says otherwise,
// MaxRetry budget+1, schedule).
func NewRegisterUsersTask(p RegisterUsers, opts ...Option) (*asynq.Task, error) {
	return NewTask(p, opts...)
}
