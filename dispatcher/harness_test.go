package dispatcher_test

import (
	"testing"

	"github.com/chatq/chatq/internal/e2etest"
)

// harness is one real worker on a real Redis database against a sandbox
// provider over real HTTP (e2etest.Harness), with this package's helpers.
type harness struct {
	*e2etest.Harness
}

// setup builds a harness from e2etest.DefaultOptions changed by mutate.
func setup(t *testing.T, mutate ...e2etest.Option) *harness {
	t.Helper()
	return &harness{e2etest.NewHarness(t, mutate...)}
}
