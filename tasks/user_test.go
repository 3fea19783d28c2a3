package tasks

import (
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func users(names ...string) []User {
	out := make([]User, len(names))
	for i, n := range names {
		out[i] = User{Username: n}
	}
	return out
}

func TestRegisterUsers_Validate(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name      string
		in        RegisterUsers
		limits    Limits
		wantField string // "" means valid
		wantRule  string
	}{
		{name: "valid one", in: RegisterUsers{Users: users("alice")}},
		{name: "valid 60", in: RegisterUsers{Users: users(names(60)...)}},
		{name: "none", in: RegisterUsers{}, wantField: "users", wantRule: "must have 1 to 60 entries, got 0"},
		{name: "61", in: RegisterUsers{Users: users(names(61)...)}, wantField: "users", wantRule: "must have 1 to 60 entries, got 61"},
		{name: "empty username", in: RegisterUsers{Users: users("a", "b", "")}, wantField: "users[2].username", wantRule: "is required"},
		{name: "invalid username", in: RegisterUsers{Users: users("a", "b", "C")}, wantField: "users[2].username", wantRule: "must match [a-z0-9_.-]{1,64}"},
		{name: "duplicate", in: RegisterUsers{Users: users("a", "b", "a")}, wantField: "users[2].username", wantRule: "duplicates users[0].username"},
		{name: "password optional", in: RegisterUsers{Users: []User{{Username: "a"}, {Username: "b", Password: "pw", Nickname: "Bé"}}}},
		{name: "password required by the dialect", in: RegisterUsers{Users: []User{{Username: "a", Password: "pw"}, {Username: "b"}}},
			limits: Limits{RequirePassword: true}, wantField: "users[1].password", wantRule: "is required by the easemob dialect (CHATQ_PROVIDER)"},
		{name: "password present when required", in: RegisterUsers{Users: []User{{Username: "a", Password: "pw"}}}, limits: Limits{RequirePassword: true}},
		{name: "password 65 bytes", in: RegisterUsers{Users: []User{{Username: "a", Password: Password(strings.Repeat("p", 65))}}},
			wantField: "users[0].password", wantRule: "must be at most 64 bytes, got 65"},
		{name: "password not UTF-8", in: RegisterUsers{Users: []User{{Username: "a", Password: "\xff"}}},
			wantField: "users[0].password", wantRule: "must be valid UTF-8"},
		{name: "nickname 101 characters", in: RegisterUsers{Users: []User{{Username: "a", Nickname: strings.Repeat("n", 101)}}},
			wantField: "users[0].nickname", wantRule: "must be 0 to 100 characters, got 101"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			requireValidation(t, tt.in.Validate(tt.limits), TypeRegisterUser, tt.wantField, tt.wantRule)
		})
	}
}

func TestNewRegisterUsersTask(t *testing.T) {
	t.Parallel()

	task, err := NewRegisterUsersTask(RegisterUsers{Users: users("alice", "bob")})
	require.NoError(t, err)
	require.Equal(t, TypeRegisterUser, task.Type())
	require.Equal(t, `{"users":[{"username":"alice"},{"username":"bob"}]}`, string(task.Payload()))

	_, err = NewRegisterUsersTask(RegisterUsers{})
	requireValidation(t, err, TypeRegisterUser, "users", "1 to 60")
}

// TestPassword_neverPrinted checks that a password is only in the JSON
// encoding of a payload, never in its fmt or slog forms.
func TestPassword_neverPrinted(t *testing.T) {
	t.Parallel()

	p := RegisterUsers{Users: []User{{Username: "alice", Password: "s3cret-pw"}}}
	var logged strings.Builder
	slog.New(slog.NewTextHandler(&logged, nil)).Info("payload", "p", p, "pw", p.Users[0].Password)
	for _, out := range []string{fmt.Sprint(p), fmt.Sprintf("%+v %#v %s %q", p, p, p.Users[0].Password, p.Users[0].Password), logged.String()} {
		require.NotContains(t, out, "s3cret-pw")
		require.Contains(t, out, "[redacted]")
	}
	task, err := NewRegisterUsersTask(p)
	require.NoError(t, err)
	require.JSONEq(t, `{"users":[{"username":"alice","password":"s3cret-pw"}]}`, string(task.Payload()))
}
