package policy

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestLoadRules(t *testing.T) {
	t.Parallel()
	want := []Rule{
		{Name: "403-retry-slow", Status: "403", Action: ActionRetry, Class: ClassSlow,
			Reason: "forbidden: retry while support raises our limits", Doc: "ops ticket 42"},
		{Name: "409-conflict-done", Status: "409", Code: "conflict", Message: "user {username} exists",
			Types: []string{"user:register"}, Action: ActionDone, Reason: "user already exists"},
	}
	for _, file := range []string{"overrides.json", "overrides.yaml", "overrides.yml"} {
		t.Run(file, func(t *testing.T) {
			t.Parallel()
			got, err := LoadRules(filepath.Join("testdata", file))
			require.NoError(t, err)
			require.Equal(t, want, got)

			table := mustTable(t, got, DefaultRules())
			require.Equal(t, "403-retry-slow", table.Lookup(Failure{Status: 403, Code: "group_name_violation"}).Name, "replaced the default 403 row")
			require.NotContains(t, ruleNames(table.Rules()), "403")
			require.Equal(t, "409-conflict-done", table.Lookup(Failure{Status: 409, Code: "conflict", Message: "User bob exists", TaskType: "user:register"}).Name, "added a row")
			require.Equal(t, "403-retry-slow", table.Lookup(Failure{Status: 403, Code: "forbidden_op",
				Message: "can not join this group, reason:user: bob already in group: 1", TaskType: "group:members:add"}).Name,
				"an override wins over the more specific default rows it overlaps")
			require.Equal(t, "404-user-not-found", table.Lookup(Failure{Status: 404, Code: "resource_not_found",
				Message: "username bob doesn't exist"}).Name, "defaults decide what no override matches")
		})
	}
}

func TestLoadRules_Errors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		file    string
		wantErr []string
	}{
		{"invalid-action.json", []string{"invalid-action.json", `rule 1 ("boom"): action: unknown action "explode" (want done, retry, defer, refresh, dead-letter, credentials)`}},
		{"invalid-action.yaml", []string{"invalid-action.yaml", `rule 1 ("boom"): line 6: action: unknown action "explode"`}},
		{"invalid-status.json", []string{`rule 0 ("bad-status"): status: must be a number, 4xx, 5xx, network or *`}},
		{"invalid-status.yaml", []string{`rule 0 ("bad-status"): status: must be a number, 4xx, 5xx, network or *`}},
		{"unknown-field.json", []string{`rule 0 ("x"): json: unknown field "colour"`}},
		{"unknown-field.yaml", []string{`rule 0 ("x"): line 6: unknown field "colour"`}},
		{"unknown-top-level.yaml", []string{"field version not found"}},
		{"rules.toml", []string{`unknown extension ".toml"`}},
		{"missing.json", []string{"loading rules:", "no such file"}},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			t.Parallel()
			_, err := LoadRules(filepath.Join("testdata", tc.file))
			for _, want := range tc.wantErr {
				require.ErrorContains(t, err, want)
			}
		})
	}
}

func TestLoadRules_PayloadFault(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "rules.yaml")
	require.NoError(t, os.WriteFile(path, []byte("rules:\n  - name: 400-custom\n    status: \"400\"\n    code: custom\n"+
		"    action: dead-letter\n    payload_fault: true\n    reason: our own payload check\n"), 0o600))
	rules, err := LoadRules(path)
	require.NoError(t, err)
	require.True(t, rules[0].PayloadFault)
}
