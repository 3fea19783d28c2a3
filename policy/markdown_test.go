package policy

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// golden compares got with testdata/name, or rewrites it under -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		require.NoError(t, os.WriteFile(path, []byte(got), 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run go test ./policy -run %s -update to create it", t.Name())
	require.Equal(t, string(want), got, "golden %s differs; rerun with -update if the change is intended", path)
}

func TestTable_Markdown(t *testing.T) {
	t.Parallel()
	bundle := setup(t)
	md := bundle.table.Markdown()
	golden(t, "default-table.md", md)

	lines := strings.Split(strings.TrimSuffix(md, "\n"), "\n")
	require.Equal(t, "| status | code | message | applies to | action | reason |", lines[0])
	require.Len(t, lines, 2+len(bundle.table.Rules()), "one line per row")
	require.Equal(t, md, mustTable(t, nil, DefaultRules()).Markdown(), "deterministic")
	require.Contains(t, md, "| `403` | `forbidden_op` | Users {username} are not members of this group! | group:members:remove | done | users already not in group |")
	require.Contains(t, md, "| `*` | any | any | all | dead-letter | unexpected failure |")
}

func TestTable_MarkdownEscapes(t *testing.T) {
	t.Parallel()
	table := mustTable(t, nil, []Rule{{Name: "p", Status: "400", Code: "a|b", Message: "x | *y*", Action: ActionDone, Reason: "r|s"}})
	require.Contains(t, table.Markdown(), "| `400` | `a|b` | x \\| \\*y\\* | all | done | r\\|s |")
}

func TestTable_Text(t *testing.T) {
	t.Parallel()
	bundle := setup(t)
	text := bundle.table.Text()
	golden(t, "default-table.txt", text)

	lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	require.Len(t, lines, 1+len(bundle.table.Rules()))
	col := strings.Index(lines[0], "STATUS")
	for _, line := range lines[1:] {
		require.Equal(t, byte(' '), line[col-1], "column STATUS aligned in %q", line)
	}
}

func TestTable_TextShowsOverridesFirst(t *testing.T) {
	t.Parallel()
	table := mustTable(t, []Rule{{Name: "over", Status: "5xx", Action: ActionRetry, Reason: "r"}},
		[]Rule{{Name: "def", Status: "400", Action: ActionDeadLetter, PayloadFault: true, Reason: "r"}})
	lines := strings.Split(table.Text(), "\n")
	require.True(t, strings.HasPrefix(lines[1], "over "), "overrides win, so they come first:\n%s", table.Text())
	require.Contains(t, lines[2], "dead-letter (payload)")
}
