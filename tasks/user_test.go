package tasks

import (
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
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			requireValidation(t, tt.in.Validate(Limits{}), TypeRegisterUser, tt.wantField, tt.wantRule)
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
