package main_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestDependencyDirection keeps the layering the README promises: policy is
// pure, tasks (what applications import) never pulls in the worker, the HTTP
// client or dead letters, the sandbox and the benchmark baseline share no code with chatq,
// deadletter does not reach into the dispatcher or the REST client, the
// worker builder (internal/app) and the demo sit below the command line,
// the console and its activity counts never call the provider, the ingest
// API and task statuses stay out of the worker, and internal/testsignal
// stays free of package testing.
func TestDependencyDirection(t *testing.T) {
	t.Parallel()
	const mod = "github.com/chatq/chatq/"
	cases := []struct {
		pkg       string
		forbidden []string // import path prefixes
	}{
		{"policy", []string{mod, "github.com/redis/", "github.com/hibiken/", "net/http"}},
		{"tasks", []string{mod + "agora", mod + "dispatcher", mod + "deadletter", mod + "throttle", mod + "policy", "net/http"}},
		{"sandbox", []string{mod}},
		{"bench/baseline", []string{mod}},
		{"deadletter", []string{mod + "dispatcher", mod + "agora", mod + "throttle"}},
		{"agora", []string{mod + "dispatcher", mod + "deadletter", mod + "policy", mod + "throttle"}},
		// The ingest API enqueues through tasks and reads statuses through
		// taskstatus; the worker's insides are not its business.
		{"ingest", []string{mod + "dispatcher", mod + "agora", mod + "throttle", mod + "tokenstore", mod + "internal/cli", mod + "internal/e2etest"}},
		{"taskstatus", []string{mod + "dispatcher", mod + "agora", mod + "throttle", mod + "ingest"}},
		{"internal/app", []string{mod + "internal/cli", mod + "internal/demo", mod + "internal/benchcmd", mod + "sandbox", mod + "bench", mod + "metrics", mod + "monitor"}},
		{"internal/demo", []string{mod + "internal/cli", mod + "internal/benchcmd", mod + "bench"}},
		{"internal/benchcmd", []string{mod + "internal/cli"}},
		// Production loops import it: it must stay free of chatq and of package testing.
		{"internal/testsignal", []string{mod, "testing"}},
		// The console reads and acts through deadletter, policy, throttle and
		// activity; it never reaches the worker or the provider, and monitor
		// mounts it. activity is Redis counters only. Queue depths are read
		// the same way as `chatq status` does, through internal/queuedepth,
		// which knows nothing but the task types.
		{"console", []string{mod + "agora", mod + "dispatcher", mod + "monitor", mod + "internal/app", mod + "internal/cli",
			mod + "internal/demo", mod + "internal/benchcmd", mod + "internal/e2etest", mod + "metrics", "github.com/hibiken/asynqmon"}},
		{"internal/queuedepth", []string{mod + "agora", mod + "dispatcher", mod + "deadletter", mod + "throttle", mod + "internal/"}},
		{"activity", []string{mod}},
		// tasks (the producer) imports it: it knows Redis and asynq only.
		{"ordering", []string{mod, "net/http"}},
	}
	for _, tc := range cases {
		t.Run(tc.pkg, func(t *testing.T) {
			t.Parallel()
			out, err := exec.Command("go", "list", "-deps", mod+tc.pkg).Output()
			require.NoError(t, err)
			for _, dep := range strings.Fields(string(out)) {
				// internal/testsignal is inert in production and imports
				// nothing of chatq (its own row checks that); the loops of
				// deadletter carry it into every package above them.
				if dep == mod+tc.pkg || dep == mod+"internal/testsignal" {
					continue
				}
				for _, bad := range tc.forbidden {
					require.False(t, strings.HasPrefix(dep, bad), "%s depends on %s", tc.pkg, dep)
				}
			}
		})
	}
}

// TestOneWorkerBuilder keeps the worker wired in one place: internal/app is
// the only non-test code that calls dispatcher.New, so the command, the
// demo and the end-to-end tests run the same worker.
func TestOneWorkerBuilder(t *testing.T) {
	t.Parallel()
	var callers []string
	err := filepath.WalkDir("../..", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return err
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			sel, ok := n.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			if id, isID := sel.X.(*ast.Ident); isID && id.Name == "dispatcher" && sel.Sel.Name == "New" {
				callers = append(callers, filepath.ToSlash(filepath.Dir(path)))
			}
			return true
		})
		return nil
	})
	require.NoError(t, err)
	require.Equal(t, []string{"../../internal/app"}, callers, "dispatcher.New is called outside internal/app")
}
