package tasks

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// requireValidation asserts that err is nil when wantField is "", and
// otherwise a *ValidationError of type typ on wantField whose rule contains
// wantRule.
func requireValidation(t *testing.T, err error, typ, wantField, wantRule string) {
	t.Helper()
	if wantField == "" {
		require.NoError(t, err, "want a valid payload")
		return
	}
	var ve *ValidationError
	require.True(t, errors.As(err, &ve), "got %v (%T), want a *ValidationError", err, err)
	require.Equal(t, typ, ve.Type, "Type")
	require.Equal(t, wantField, ve.Field, "Field (rule %q)", ve.Rule)
	require.Contains(t, ve.Rule, wantRule, "Rule")
}

func TestValidationError_Error(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name string
		err  *ValidationError
		want string
	}{
		{
			name: "with type",
			err:  &ValidationError{Type: TypeSendMessage, Field: "to", Rule: `must have 1 to 600 entries when target is "users"`},
			want: `message:send: field "to": must have 1 to 600 entries when target is "users"`,
		},
		{
			name: "without type",
			err:  &ValidationError{Field: "type", Rule: "is required"},
			want: `field "type": is required`,
		},
		{
			name: "field is quoted",
			err:  &ValidationError{Type: TypeCreateGroup, Field: "a\"b\n", Rule: "r"},
			want: `group:create: field "a\"b\n": r`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tt.want, tt.err.Error())
		})
	}
}

func TestValidUsername(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name string
		in   string
		want bool
	}{
		{name: "lower letters", in: "alice", want: true},
		{name: "all allowed characters", in: "a-z_0.9", want: true},
		{name: "64 characters", in: strings.Repeat("a", 64), want: true},
		{name: "empty", in: "", want: false},
		{name: "65 characters", in: strings.Repeat("a", 65), want: false},
		{name: "upper case", in: "Alice", want: false},
		{name: "space", in: "al ice", want: false},
		{name: "at sign", in: "a@b.c", want: false},
		{name: "non-ASCII", in: "josé", want: false},
		{name: "slash", in: "a/b", want: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tt.want, validUsername(tt.in), "validUsername(%q)", tt.in)
		})
	}
}

func TestValidID(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name string
		in   string
		want bool
	}{
		{name: "numeric", in: "184524748161025", want: true},
		{name: "64 characters", in: strings.Repeat("9", 64), want: true},
		{name: "64 multi-byte characters", in: strings.Repeat("群", 64), want: true},
		{name: "empty", in: "", want: false},
		{name: "65 characters", in: strings.Repeat("9", 65), want: false},
		{name: "slash", in: "1/2", want: false},
		{name: "comma", in: "1,2", want: false},
		{name: "invalid UTF-8", in: "\xff", want: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tt.want, validID(tt.in), "validID(%q)", tt.in)
		})
	}
}

func TestChecker_firstViolationWins(t *testing.T) {
	t.Parallel()

	c := checker{typ: TypeDeleteGroup}
	c.fail("a", "first")
	c.fail("b", "second")
	c.username("c", "BAD")
	var ve *ValidationError
	require.ErrorAs(t, c.err(), &ve)
	require.Equal(t, ValidationError{Type: TypeDeleteGroup, Field: "a", Rule: "first"}, *ve)
}

func TestChecker_errIsUntypedNil(t *testing.T) {
	t.Parallel()

	c := checker{typ: TypeDeleteGroup}
	err := c.err()
	require.True(t, err == nil, "got %#v, want a nil error interface", err)
}
