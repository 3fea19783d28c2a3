package main_test

import (
	"context"
	"io"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/chatq/chatq/internal/e2etest"
	"github.com/chatq/chatq/sandbox"
	"github.com/chatq/chatq/tasks"
)

// workerProcess is a chatq worker binary running for a test.
type workerProcess struct {
	cmd            *exec.Cmd
	stdout, stderr *e2etest.LogBuffer
}

// startWorker runs bin as a worker on the fleet's Redis and sandbox with
// the test client credentials changed by env (later entries win), JSON
// logs, and its metrics on a free port; it is killed at cleanup.
func startWorker(t *testing.T, bin string, f *e2etest.Fleet, env ...string) *workerProcess {
	t.Helper()
	w := &workerProcess{cmd: exec.Command(bin, "worker"), stdout: &e2etest.LogBuffer{}, stderr: &e2etest.LogBuffer{}}
	w.cmd.Env = append(os.Environ(),
		"CHATQ_REDIS_URL="+f.DB.URL, "CHATQ_API_URL="+f.URL, "CHATQ_APP_KEY="+e2etest.AppKey,
		"CHATQ_CLIENT_ID="+e2etest.ClientID, "CHATQ_CLIENT_SECRET="+e2etest.ClientSecret,
		"CHATQ_PROVIDER=agora", // the sandbox's dialect; the client pair alone would mean easemob
		"CHATQ_CONCURRENCY=2", "CHATQ_POLL_INTERVAL=20ms", "CHATQ_METRICS_ADDR=127.0.0.1:0", "CHATQ_LOG_FORMAT=json")
	w.cmd.Env = append(w.cmd.Env, env...)
	w.cmd.Stdout, w.cmd.Stderr = w.stdout, w.stderr
	require.NoError(t, w.cmd.Start())
	t.Cleanup(func() { _ = w.cmd.Process.Kill(); _ = w.cmd.Wait() })
	return w
}

var metricsLine = regexp.MustCompile(`metrics on (http://\S+)/metrics`)

// readyz polls the worker's /readyz until cond accepts an answer (it
// signals nothing when its state changes) and returns that answer; every
// answer seen on the way is passed to each. cond and each run on
// Eventually's goroutine, one call at a time: they must not call t.FailNow.
func (w *workerProcess) readyz(t *testing.T, cond func(status int, body string) bool, each func(status int, body string)) (int, string) {
	t.Helper()
	var status int
	var body string
	e2etest.Eventually(t, "a /readyz answer as wanted", func(c *assert.CollectT) {
		m := metricsLine.FindStringSubmatch(w.stdout.String())
		require.NotNil(c, m, "no metrics address yet; stdout: %s; stderr: %s", w.stdout, w.stderr)
		s, b := get(c, m[1]+"/readyz")
		each(s, b)
		require.True(c, cond(s, b), "status %d, body %s", s, b)
		status, body = s, b
	})
	return status, body
}

// get answers the status and body of url; t may be an Eventually's
// collector, so it takes require.TestingT.
func get(t require.TestingT, url string) (int, string) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	require.NoError(t, err)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(b)
}

// TestWorkerProcess_WrongSecretIsNoticedAtStart runs two "fleets" of the
// real chatq binary on one Redis against the sandbox: the right one caches
// its token in Redis and delivers; the one with a wrong client secret must
// never use that token: it reports not ready from the start, logs the
// credentials error naming the variables before any task arrives, and
// delivers nothing.
func TestWorkerProcess_WrongSecretIsNoticedAtStart(t *testing.T) {
	t.Parallel()
	bin := buildChatq(t)
	f := e2etest.New(t)
	right := startWorker(t, bin, f, "CHATQ_QUEUES=messages:1")
	right.readyz(t, func(status int, _ string) bool { return status == http.StatusOK }, func(int, string) {})
	f.Send("before-the-wrong-fleet")
	f.WaitSandbox(t, "the right fleet delivers", func(s sandbox.Stats) bool { return s.Delivered == 1 })

	const wrongSecret = "wrong-secret-0b1c2d"
	wrong := startWorker(t, bin, f, "CHATQ_QUEUES=users:1", "CHATQ_CLIENT_SECRET="+wrongSecret)
	var ready []string // answers of the wrong fleet that said ready
	_, body := wrong.readyz(t,
		func(status int, body string) bool { return strings.Contains(body, "credentials rejected") },
		func(status int, body string) {
			if status == http.StatusOK {
				ready = append(ready, body)
			}
		})
	require.Empty(t, ready, "the wrong fleet reported ready")
	require.Contains(t, body, `"ready":false`)
	// The readiness flag flips before the process's log line reaches the
	// pipe: wait for the line rather than read it at once.
	waitLog(t, wrong.stderr, "provider rejects chatq's credentials")
	require.Contains(t, wrong.stderr.String(), "check CHATQ_CLIENT_ID and CHATQ_CLIENT_SECRET")

	_, err := f.Producer.RegisterUsers(context.Background(), tasks.RegisterUsers{Users: []tasks.User{{Username: "wrongfleet"}}})
	require.NoError(t, err)
	f.Send("after-the-wrong-fleet")
	f.WaitSandbox(t, "the right fleet still delivers", func(s sandbox.Stats) bool { return s.Delivered == 2 })
	waitLog(t, wrong.stderr, `"action":"credentials"`) // the wrong fleet took the user task and deferred it
	require.Zero(t, f.Sandbox.Stats().Calls[sandbox.EndpointRegisterUser], "the wrong fleet made no call")
	status, _ := right.readyz(t, func(int, string) bool { return true }, func(int, string) {})
	require.Equal(t, http.StatusOK, status, "the right fleet stays ready")

	keys, err := f.RDB.Keys(context.Background(), "{chatq}:token:*").Result()
	require.NoError(t, err)
	for _, out := range []string{strings.Join(keys, " "), wrong.stderr.String(), right.stderr.String()} {
		require.NotContains(t, out, wrongSecret)
		require.NotContains(t, out, e2etest.ClientSecret)
	}
}

// waitLog polls logs until they contain want.
func waitLog(t *testing.T, logs *e2etest.LogBuffer, want string) {
	t.Helper()
	e2etest.Eventually(t, "log "+want, func(c *assert.CollectT) {
		require.Contains(c, logs.String(), want)
	})
}
