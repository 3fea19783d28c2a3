package policy

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// testBundle holds what most tests need: the default table and a policy whose
// jitter is pinned to the middle of its range (random = 0.5).
type testBundle struct {
	table  *Table
	policy *Policy
}

func setup(t *testing.T) *testBundle {
	t.Helper()
	table, err := NewTable(nil, DefaultRules())
	require.NoError(t, err)
	p, err := New(Config{Table: table, Rand: func() float64 { return 0.5 }})
	require.NoError(t, err)
	return &testBundle{table: table, policy: p}
}

// mustTable builds a table from overrides and defaults or fails the test.
func mustTable(t *testing.T, overrides, defaults []Rule) *Table {
	t.Helper()
	table, err := NewTable(overrides, defaults)
	require.NoError(t, err)
	return table
}
