package bench_test

import (
	"bytes"
	"context"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/chatq/chatq/bench"
	"github.com/chatq/chatq/internal/redistest"
)

// TestRun_Smoke runs every scenario very briefly, with real `chatq worker`
// and baseline processes, so they keep working. It checks that each
// produced its rows and that nothing was lost, not speed.
func TestRun_Smoke(t *testing.T) {
	if testing.Short() {
		t.Skip("runs every benchmark scenario with worker processes (about a minute)")
	}
	bin := filepath.Join(t.TempDir(), "chatq")
	build := exec.Command("go", "build", "-o", bin, "../cmd/chatq")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v: %s", err, out)
	}
	db := redistest.Private(t) // the scenarios flush their database between runs
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	env := bench.Env{Redis: db.Opt, RDB: db.Client, RedisURL: db.URL,
		WorkerCommand: []string{bin, "worker"}, BaselineCommand: []string{bin, "bench", "baseline-worker"},
		Progress: testWriter{t}}
	rows, err := bench.Run(ctx, env, bench.Options{Smoke: true, Outage: time.Second})
	require.NoError(t, err)
	seen := map[string]bool{}
	for _, r := range rows {
		seen[r.Scenario] = true
		if r.Scenario == "outage" && (r.Metric == "lost" || r.Metric == "dead-lettered (retry budget 2)") {
			require.Zero(t, r.Chatq, "chatq %s tasks in the outage", r.Metric)
		}
		if r.Scenario == "ordered" && (strings.HasPrefix(r.Metric, "inversions") || strings.HasPrefix(r.Metric, "lost")) {
			require.Zero(t, r.Chatq, "ordered: %s", r.Metric)
		}
	}
	for _, n := range bench.Names {
		require.True(t, seen[n], "scenario %s produced no row", n)
	}
	var out bytes.Buffer
	require.NoError(t, bench.WriteTable(&out, rows))
	require.Contains(t, out.String(), "SCENARIO")
}

// TestRun_NeedsTheBinaries: without worker commands the benchmark says what
// it needs instead of measuring something else.
func TestRun_NeedsTheBinaries(t *testing.T) {
	t.Parallel()
	_, err := bench.Run(context.Background(), bench.Env{}, bench.Options{Smoke: true})
	require.ErrorContains(t, err, "WorkerCommand")
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(string(bytes.TrimRight(p, "\n")))
	return len(p), nil
}
