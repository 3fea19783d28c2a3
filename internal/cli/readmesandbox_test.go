package cli

import (
	"context"
	"encoding/json"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/chatq/chatq/internal/e2etest"
	"github.com/chatq/chatq/internal/redistest"
)

// shellComment is a comment: a line starting with '#', or " # …" after a
// command.
var shellComment = regexp.MustCompile(`(^|\s)#(\s.*)?$`)

// readmeSandboxBlocks returns the shell blocks of the README's "A worker on
// the sandbox" recipe, each as its command lines (comments dropped).
func readmeSandboxBlocks(t *testing.T) [][]string {
	t.Helper()
	readme, err := os.ReadFile("../../README.md")
	require.NoError(t, err)
	_, section, ok := strings.Cut(string(readme), "**A worker on the sandbox.**")
	require.True(t, ok, `README has the "A worker on the sandbox" recipe`)
	section, _, _ = strings.Cut(section, "\n## ")
	section, _, _ = strings.Cut(section, "**HTTPS and a strict bucket.**")
	var blocks [][]string
	for _, m := range regexp.MustCompile("(?s)```sh\n(.*?)```").FindAllStringSubmatch(section, -1) {
		var lines []string
		for _, l := range strings.Split(m[1], "\n") {
			l = shellComment.ReplaceAllString(l, "") // not the '#' of 'org#app'
			if l = strings.TrimSpace(l); l != "" {
				lines = append(lines, l)
			}
		}
		blocks = append(blocks, lines)
	}
	require.Len(t, blocks, 3, "sandbox, worker, work")
	return blocks
}

// chatqArgs turns "go run ./cmd/chatq sub --flag v" into chatq's arguments.
func chatqArgs(t *testing.T, line string) []string {
	t.Helper()
	rest, ok := strings.CutPrefix(line, "go run ./cmd/chatq ")
	require.True(t, ok, "a chatq command: %q", line)
	return strings.Fields(rest)
}

// exports parses `export A=1 B='x#y'` lines.
func exports(t *testing.T, lines []string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, l := range lines {
		rest, ok := strings.CutPrefix(l, "export ")
		if !ok {
			continue
		}
		for _, kv := range strings.Fields(rest) {
			k, v, ok := strings.Cut(kv, "=")
			require.True(t, ok, "export %q", kv)
			out[k] = strings.Trim(v, `'"`)
		}
	}
	return out
}

// TestREADME_WorkerOnTheSandbox runs the README's recipe: chatq sandbox as
// written (on a free port), a chatq worker with the exported settings (the
// Redis URL pointed at a leased database, metrics off), then the recipe's
// enqueue, stats and status commands, which must deliver both tasks.
func TestREADME_WorkerOnTheSandbox(t *testing.T) {
	blocks := readmeSandboxBlocks(t)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)

	sbArgs := chatqArgs(t, blocks[0][0])
	require.Equal(t, []string{"sandbox", "--addr", "127.0.0.1:8081"}, sbArgs)
	var sbOut, sbErr e2etest.LogBuffer
	sbExited := make(chan int, 1)
	go func() {
		sbExited <- Main(ctx, []string{"sandbox", "--addr", "127.0.0.1:0"}, Env{Stdin: strings.NewReader(""), Stdout: &sbOut, Stderr: &sbErr})
	}()
	sandboxURL := waitMatch(t, &sbOut, regexp.MustCompile(`sandbox provider on (http://\S+) `), sbExited)[1]

	env := exports(t, blocks[1])
	require.Equal(t, "http://127.0.0.1:8081", env["CHATQ_API_URL"], "the worker calls the sandbox of terminal 1")
	db := redistest.New(t)
	env["CHATQ_API_URL"], env["CHATQ_REDIS_URL"], env["CHATQ_METRICS_ADDR"] = sandboxURL, db.URL, ""
	for k, v := range env {
		t.Setenv(k, v)
	}
	require.Equal(t, []string{"worker"}, chatqArgs(t, blocks[1][len(blocks[1])-1]))
	var wOut, wErr e2etest.LogBuffer
	wExited := make(chan int, 1)
	go func() {
		wExited <- Main(ctx, []string{"worker"}, Env{Stdin: strings.NewReader(""), Stdout: &wOut, Stderr: &wErr})
	}()
	waitMatch(t, &wErr, regexp.MustCompile(`msg="worker started"`), wExited)

	for _, line := range blocks[2] {
		switch {
		case strings.HasPrefix(line, "export "):
			require.Equal(t, "export CHATQ_REDIS_URL=redis://127.0.0.1:6379/0", line, "the same Redis as the worker")
		case strings.HasPrefix(line, "curl "):
			require.Contains(t, line, "localhost:8081/_sandbox/stats")
			waitDelivered(t, sandboxURL, 1)
		default:
			code, out, stderr := run(t, "", chatqArgs(t, line)...)
			require.Equal(t, ExitOK, code, "%s: %s", line, stderr)
			require.NotEmpty(t, out, line)
		}
	}
	code, out, _ := run(t, "", "status")
	require.Equal(t, ExitOK, code)
	require.Contains(t, out, "published by 1 running worker(s)")

	cancel()
	require.Equal(t, ExitOK, <-wExited, wErr.String())
	require.Equal(t, ExitOK, <-sbExited, sbErr.String())
	require.NotContains(t, wErr.String(), "level=ERROR", "credentials accepted")
}

// waitDelivered polls the sandbox's stats until n messages were delivered.
func waitDelivered(t *testing.T, sandboxURL string, n int) {
	t.Helper()
	deadline := time.Now().Add(opsWait)
	for {
		_, body := httpGet(t, sandboxURL+"/_sandbox/stats", "", "")
		var st struct {
			Delivered int            `json:"delivered"`
			Calls     map[string]int `json:"calls"`
		}
		require.NoError(t, json.Unmarshal([]byte(body), &st), body)
		if st.Delivered >= n && st.Calls["register_user"] >= 1 {
			require.Equal(t, n, st.Delivered, body)
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("sandbox delivered %d within %s, want %d: %s", st.Delivered, opsWait, n, body)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
