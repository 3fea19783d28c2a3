package cli

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestGroupCommands_UnknownSubcommandIsUsage: a mistyped command exits 2
// naming it; a group command alone prints its help and exits 0.
func TestGroupCommands_UnknownSubcommandIsUsage(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"nosuch"}, `chatq: unknown command "nosuch"`},
		{[]string{"dlq", "lsit"}, `chatq deadletter: unknown command "lsit"`},
		{[]string{"deadletter", "replay-all"}, `chatq deadletter: unknown command "replay-all"`},
	} {
		code, _, stderr := run(t, "", tc.args...)
		require.Equal(t, ExitUsage, code, "%v: %s", tc.args, stderr)
		require.Contains(t, stderr, tc.want)
	}
	for _, args := range [][]string{{}, {"dlq"}} {
		code, stdout, stderr := run(t, "", args...)
		require.Equal(t, ExitOK, code, "%v: %s", args, stderr)
		require.Contains(t, stdout, "Usage:")
	}
}
