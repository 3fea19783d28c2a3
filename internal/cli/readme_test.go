package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// readmeSection returns the README's section under the "## <title>"
// heading, up to the next "## " heading.
func readmeSection(t *testing.T, title string) string {
	t.Helper()
	readme, err := os.ReadFile("../../README.md")
	require.NoError(t, err)
	_, rest, ok := strings.Cut(string(readme), "\n## "+title+"\n")
	require.True(t, ok, "README has a section %q", title)
	section, _, _ := strings.Cut(rest, "\n## ")
	return section
}

// codeBlocks returns the bodies of the fenced code blocks of text whose
// info string is lang, in order.
func codeBlocks(text, lang string) []string {
	var out []string
	for {
		_, rest, ok := strings.Cut(text, "```"+lang+"\n")
		if !ok {
			return out
		}
		body, after, _ := strings.Cut(rest, "```")
		out = append(out, body)
		text = after
	}
}

// shellWords splits a README shell command as sh would for the plain
// commands the README shows: words separated by blanks, "…" and '…'
// quoting, and a backslash-newline joining lines.
func shellWords(line string) []string {
	line = strings.ReplaceAll(line, "\\\n", " ")
	var (
		words  []string
		cur    strings.Builder
		quote  rune
		inWord bool
	)
	for _, r := range line {
		switch {
		case quote != 0 && r == quote:
			quote = 0
		case quote != 0:
			cur.WriteRune(r)
		case r == '"' || r == '\'':
			quote, inWord = r, true
		case r == ' ' || r == '\t' || r == '\n':
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		default:
			cur.WriteRune(r)
			inWord = true
		}
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words
}

func TestShellWords(t *testing.T) {
	t.Parallel()
	got := shellWords("A=b chatq x --m \"a b's\" \\\n  --n 'c \"d\"' ''\n")
	require.Equal(t, []string{"A=b", "chatq", "x", "--m", "a b's", "--n", `c "d"`, ""}, got)
}

// TestREADME_PolicyOverrideExample runs "The policy"'s override example as
// written: the YAML block becomes the CHATQ_POLICY_FILE, the explain command
// runs, and its output is the README's.
func TestREADME_PolicyOverrideExample(t *testing.T) {
	section := readmeSection(t, "The policy")
	yamls := codeBlocks(section, "yaml")
	require.Len(t, yamls, 1, "one override example")
	var cmd []string
	for _, block := range codeBlocks(section, "sh") {
		if strings.HasPrefix(block, "CHATQ_POLICY_FILE=") {
			cmd = shellWords(block)
		}
	}
	require.NotEmpty(t, cmd, "an explain command run with CHATQ_POLICY_FILE")
	file, ok := strings.CutPrefix(cmd[0], "CHATQ_POLICY_FILE=")
	require.True(t, ok)
	require.Equal(t, "chatq", cmd[1])
	path := filepath.Join(t.TempDir(), file)
	require.NoError(t, os.WriteFile(path, []byte(yamls[0]), 0o600))
	t.Setenv("CHATQ_POLICY_FILE", path)

	code, stdout, stderr := run(t, "", cmd[2:]...)
	require.Equal(t, ExitOK, code, stderr)
	require.Contains(t, stdout, "rule:     403-too-many-groups-retry (override)", "the README's override decides")
	_, after, _ := strings.Cut(section, "```sh\nCHATQ_POLICY_FILE=")
	want := codeBlocks(after, "text")
	require.NotEmpty(t, want, "the README shows the output")
	require.Equal(t, want[0], stdout, "README's explain output is stale")
}
