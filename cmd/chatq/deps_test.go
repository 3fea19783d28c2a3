package main_test

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestDependencyDirection keeps the layering the README promises: policy is
// pure, tasks (what applications import) never pulls in the worker, the HTTP
// client or dead letters, the sandbox and the benchmark baseline share no code with chatq, and
// deadletter does not reach into the dispatcher or the REST client, and the
// ingest API and task statuses stay out of the worker.
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
	}
	for _, tc := range cases {
		t.Run(tc.pkg, func(t *testing.T) {
			t.Parallel()
			out, err := exec.Command("go", "list", "-deps", mod+tc.pkg).Output()
			require.NoError(t, err)
			for _, dep := range strings.Fields(string(out)) {
				if dep == mod+tc.pkg {
					continue
				}
				for _, bad := range tc.forbidden {
					require.False(t, strings.HasPrefix(dep, bad), "%s depends on %s", tc.pkg, dep)
				}
			}
		})
	}
}
