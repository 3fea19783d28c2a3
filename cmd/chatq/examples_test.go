package main_test

import (
	"bufio"
	"crypto/rand"
	"encoding/hex"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/chatq/chatq/ingest"
	"github.com/chatq/chatq/internal/e2etest"
	"github.com/chatq/chatq/sandbox"
)

// TestExamples runs the README's ingest API clients — curl, Python and
// Node, written against the OpenAPI document and not against chatq's
// code — against a real `chatq serve` and `chatq worker` on the sandbox.
// Each enqueues, polls until delivered, meets a validation error and
// retries idempotently; each fails the test by exiting non-zero.
func TestExamples(t *testing.T) {
	t.Parallel()
	bin := buildChatq(t)
	f := e2etest.New(t)
	key := randomKey(t)
	keysFile := filepath.Join(t.TempDir(), "keys")
	require.NoError(t, os.WriteFile(keysFile, []byte("examples "+ingest.HashKey(key)+"\n"), 0o600))
	env := append(os.Environ(),
		"CHATQ_REDIS_URL="+f.DB.URL, "CHATQ_API_URL="+f.URL, "CHATQ_APP_KEY=org#app",
		"CHATQ_CLIENT_ID="+e2etest.ClientID, "CHATQ_CLIENT_SECRET="+e2etest.ClientSecret,
		"CHATQ_POLL_INTERVAL=20ms", "CHATQ_METRICS_ADDR=", "CHATQ_LOG_FORMAT=json",
		"CHATQ_INGEST_ADDR=127.0.0.1:0", "CHATQ_INGEST_KEYS_FILE="+keysFile)
	url := startIngest(t, bin, env, "serve")
	worker := exec.Command(bin, "worker")
	worker.Env = env
	require.NoError(t, worker.Start())
	t.Cleanup(func() { _ = worker.Process.Kill(); _ = worker.Wait() })

	cases := []struct{ name, tool, script string }{
		{"curl", "sh", "curl.sh"},
		{"python", "python3", "client.py"},
		{"node", "node", "client.mjs"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := exec.LookPath(tc.tool); err != nil {
				t.Skipf("%s is not installed: the %s example is not run (.ci/run installs it)", tc.tool, tc.name)
			}
			if tc.name == "curl" {
				if _, err := exec.LookPath("curl"); err != nil {
					t.Skip("curl is not installed: the curl example is not run")
				}
			}
			cmd := exec.Command(tc.tool, filepath.Join("..", "..", "examples", tc.script))
			cmd.Env = append(os.Environ(), "CHATQ_URL="+url, "CHATQ_API_KEY="+key, "RUN_ID="+tc.name+"-"+randomKey(t)[:8])
			out, err := cmd.CombinedOutput()
			require.NoError(t, err, "%s:\n%s", tc.script, out)
			require.Contains(t, string(out), "idempotent retry: same id", "%s", out)
		})
	}
	t.Cleanup(func() {
		require.Equal(t, 3-skipped(), f.Sandbox.Stats().Calls[sandbox.EndpointSendMessage], "one message per example")
	})
}

// skipped counts the example tools missing here.
func skipped() int {
	n := 0
	for _, tool := range []string{"python3", "node"} {
		if _, err := exec.LookPath(tool); err != nil {
			n++
		}
	}
	if _, err := exec.LookPath("curl"); err != nil {
		n++
	}
	return n
}

// startIngest starts `chatq <args>` and returns the ingest API's URL, from
// the line it prints once listening.
func startIngest(t *testing.T, bin string, env []string, args ...string) string {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = env
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if rest, ok := strings.CutPrefix(sc.Text(), "ingest API on "); ok {
				found <- strings.TrimSuffix(strings.Fields(rest)[0], "/v1/tasks")
				break
			}
		}
		_, _ = io.Copy(io.Discard, out)
	}()
	select {
	case url := <-found:
		return url
	case <-time.After(e2etest.WaitTimeout):
		t.Fatalf("chatq %v did not say where the ingest API listens", args)
		return ""
	}
}

func randomKey(t *testing.T) string {
	t.Helper()
	b := make([]byte, 24)
	_, err := rand.Read(b)
	require.NoError(t, err)
	return hex.EncodeToString(b)
}

// TestWorkerServesIngest: with CHATQ_INGEST_ENABLED=true a worker serves
// the ingest API and its metrics join the worker's.
func TestWorkerServesIngest(t *testing.T) {
	t.Parallel()
	bin := buildChatq(t)
	f := e2etest.New(t)
	env := append(os.Environ(),
		"CHATQ_REDIS_URL="+f.DB.URL, "CHATQ_API_URL="+f.URL, "CHATQ_APP_KEY=org#app",
		"CHATQ_CLIENT_ID="+e2etest.ClientID, "CHATQ_CLIENT_SECRET="+e2etest.ClientSecret,
		"CHATQ_POLL_INTERVAL=20ms", "CHATQ_METRICS_ADDR=", "CHATQ_LOG_FORMAT=json",
		"CHATQ_INGEST_ENABLED=true", "CHATQ_INGEST_ADDR=127.0.0.1:0")
	url := startIngest(t, bin, env, "worker")
	resp, err := http.Post(url+"/v1/tasks", "application/json", strings.NewReader(
		`{"type":"message:send","payload":{"target":"users","to":["erin"],"type":"txt","body":{"msg":"from the worker's API"}}}`))
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusAccepted, resp.StatusCode)
	f.WaitSandbox(t, "the message delivered", func(s sandbox.Stats) bool { return s.Delivered == 1 })
}

// TestServe_RefusesPublicAddressWithoutKeys: as the monitor does.
func TestServe_RefusesPublicAddressWithoutKeys(t *testing.T) {
	t.Parallel()
	bin := buildChatq(t)
	f := e2etest.New(t)
	cmd := exec.Command(bin, "serve")
	cmd.Env = append(os.Environ(), "CHATQ_REDIS_URL="+f.DB.URL, "CHATQ_INGEST_ADDR=0.0.0.0:0")
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	require.ErrorAs(t, err, &exit, "%s", out)
	require.Equal(t, 2, exit.ExitCode(), "%s", out)
	require.Contains(t, string(out), "CHATQ_INGEST_ADDR")
	require.Contains(t, string(out), "CHATQ_INGEST_KEYS_FILE")
}
