package cli

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/chatq/chatq/internal/redistest"
)

// TestMonitor_ShortPasswordOffLoopbackExitsTwo: chatq monitor on an address
// other hosts reach refuses an 11-character password, naming the variable
// and the rule, never the password.
func TestMonitor_ShortPasswordOffLoopbackExitsTwo(t *testing.T) {
	db := redistest.New(t)
	t.Setenv("CHATQ_REDIS_URL", db.URL)
	t.Setenv("CHATQ_MONITOR_ADDR", "0.0.0.0:0")
	t.Setenv("CHATQ_MONITOR_USER", "ops")
	t.Setenv("CHATQ_MONITOR_PASSWORD", "pw-11-chars")
	code, stdout, stderr := run(t, "", "monitor")
	require.Equal(t, ExitUsage, code, stderr)
	require.Contains(t, stderr, "CHATQ_MONITOR_PASSWORD: must be at least 12 characters when CHATQ_MONITOR_ADDR (0.0.0.0:0) is not a loopback address")
	require.NotContains(t, stdout+stderr, "pw-11-chars")
}
