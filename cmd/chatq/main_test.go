package main_test

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/chatq/chatq/internal/e2etest"
	"github.com/chatq/chatq/sandbox"
)

// TestWorkerProcess_SIGTERMLosesNothing runs the real chatq binary as a
// worker, sends it SIGTERM while provider calls are in flight (and slower
// than its shutdown timeout), and checks that it exits 0 and that a second
// worker delivers every task the first did not: none is lost.
func TestWorkerProcess_SIGTERMLosesNothing(t *testing.T) {
	t.Parallel()
	bin := buildChatq(t)
	f := e2etest.New(t)
	f.Sandbox.AddFault(sandbox.Fault{Endpoint: sandbox.EndpointSendMessage, Times: 5, Delay: sandbox.Duration(2 * time.Second)})
	const n = 20
	for i := range n {
		f.Send(fmt.Sprintf("sigterm-%02d", i))
	}

	var stderr bytes.Buffer
	cmd := exec.Command(bin, "worker")
	cmd.Env = append(os.Environ(),
		"CHATQ_REDIS_URL="+f.DB.URL, "CHATQ_API_URL="+f.URL, "CHATQ_APP_KEY=org#app",
		"CHATQ_CLIENT_ID="+e2etest.ClientID, "CHATQ_CLIENT_SECRET="+e2etest.ClientSecret,
		"CHATQ_PROVIDER=agora", // the sandbox's dialect; the client pair alone would mean easemob
		"CHATQ_CONCURRENCY=5", "CHATQ_POLL_INTERVAL=20ms", "CHATQ_SHUTDOWN_TIMEOUT=300ms",
		"CHATQ_METRICS_ADDR=", "CHATQ_LOG_FORMAT=json")
	cmd.Stderr = &stderr
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill() })

	f.WaitCalls(t, sandbox.EndpointSendMessage, 5) // five calls in flight, each held 2s
	require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
	waitExit(t, cmd)
	require.Contains(t, stderr.String(), "worker stopping")
	require.NotContains(t, stderr.String(), e2etest.ClientSecret)
	require.Positive(t, f.Sandbox.Stats().Responses["canceled"], "the shutdown cut calls in flight")

	f.AddWorker() // a second worker picks up what the first put back
	f.WaitSandbox(t, "every message delivered", func(s sandbox.Stats) bool { return s.Delivered >= n })
	got := map[string]bool{}
	for _, m := range f.Sandbox.Messages() {
		got[string(m.Body)] = true
	}
	for i := range n {
		require.True(t, got[fmt.Sprintf(`{"msg":"sigterm-%02d"}`, i)], "message %d delivered", i)
	}
}

// built is the chatq binary, built once for every test of the process.
var built struct {
	once sync.Once
	dir  string
	bin  string
	err  error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if built.dir != "" {
		_ = os.RemoveAll(built.dir)
	}
	os.Exit(code)
}

// buildChatq builds the chatq binary on first use and returns its path.
func buildChatq(t *testing.T) string {
	t.Helper()
	built.once.Do(func() {
		if built.dir, built.err = os.MkdirTemp("", "chatq-bin-"); built.err != nil {
			return
		}
		built.bin = filepath.Join(built.dir, "chatq")
		out, err := exec.Command("go", "build", "-o", built.bin, ".").CombinedOutput()
		if err != nil {
			built.err = fmt.Errorf("go build: %w: %s", err, out)
		}
	})
	require.NoError(t, built.err)
	return built.bin
}

// waitExit waits for the process to exit 0 within a deadline.
func waitExit(t *testing.T, cmd *exec.Cmd) {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		require.NoError(t, err, "chatq worker exits 0 after SIGTERM")
	case <-time.After(e2etest.WaitTimeout):
		t.Fatalf("chatq worker still running %s after SIGTERM", e2etest.WaitTimeout)
	}
}
