package cli

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/chatq/chatq/internal/redistest"
)

// TestEnqueue_FlagsMustBeValidUTF8: a flag value with invalid UTF-8 (a
// Latin-1 terminal, say) is refused naming the flag, where encoding/json
// would have sent U+FFFD in its place (issue 10, item 2).
func TestEnqueue_FlagsMustBeValidUTF8(t *testing.T) {
	db := redistest.New(t)
	t.Setenv("CHATQ_REDIS_URL", db.URL)
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"enqueue", "message", "--to", "bob", "--text", "caf\xe9"}, "--text: must be valid UTF-8"},
		{[]string{"enqueue", "group-create", "--name", "t\xe9am", "--owner", "alice"}, "--name: must be valid UTF-8"},
		{[]string{"enqueue", "message", "--to", "bob", "--body", "{\"msg\":\"\xff\"}"}, "--body: must be valid UTF-8"},
	}
	for _, tc := range cases {
		code, stdout, stderr := run(t, "", tc.args...)
		require.Equal(t, ExitUsage, code, stderr)
		require.Empty(t, stdout)
		require.Contains(t, stderr, tc.want)
	}
	require.Empty(t, db.Keys(t), "nothing enqueued")
}
