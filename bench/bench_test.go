package bench_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/chatq/chatq/bench"
	"github.com/chatq/chatq/internal/redistest"
)

// TestRun_Smoke runs every scenario very briefly so they keep working. It
// checks that each produced its rows and that nothing was lost, not speed.
func TestRun_Smoke(t *testing.T) {
	if testing.Short() {
		t.Skip("runs every benchmark scenario (about 20 s)")
	}
	db := redistest.Private(t) // the scenarios flush their database between runs
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	rows, err := bench.Run(ctx, bench.Env{Redis: db.Opt, RDB: db.Client}, bench.Options{Smoke: true, Outage: time.Second})
	require.NoError(t, err)
	seen := map[string]bool{}
	for _, r := range rows {
		seen[r.Scenario] = true
		if r.Scenario == "outage" && r.Metric == "lost" {
			require.Zero(t, r.Chatq, "chatq lost tasks in the outage")
		}
	}
	for _, n := range bench.Names {
		require.True(t, seen[n], "scenario %s produced no row", n)
	}
	var out bytes.Buffer
	require.NoError(t, bench.WriteTable(&out, rows))
	require.Contains(t, out.String(), "SCENARIO")
}
