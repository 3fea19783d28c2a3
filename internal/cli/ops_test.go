package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/chatq/chatq/internal/demo"
	"github.com/chatq/chatq/internal/e2etest"
	"github.com/chatq/chatq/internal/redistest"
)

const (
	opsUser     = "ops"
	opsPassword = "monitor-pass-7d1e"
	opsWait     = 60 * time.Second
)

// waitMatch polls the command's output until re matches, within opsWait:
// the command signals nothing else a test can wait on.
func waitMatch(t *testing.T, out *e2etest.LogBuffer, re *regexp.Regexp, exited <-chan int) []string {
	t.Helper()
	deadline := time.Now().Add(opsWait)
	for {
		if m := re.FindStringSubmatch(out.String()); m != nil {
			return m
		}
		select {
		case code := <-exited:
			t.Fatalf("command exited (%d) before printing %s; output:\n%s", code, re, out.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %s within %s; output:\n%s", re, opsWait, out.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func httpGet(t *testing.T, url, user, pass string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	require.NoError(t, err)
	if user != "" {
		req.SetBasicAuth(user, pass)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(b)
}

// TestDemo_MonitorAnswersWhileRunning runs the demo headless with the
// monitor on and checks the UI and chatq's API over HTTP.
func TestDemo_MonitorAnswersWhileRunning(t *testing.T) {
	db := redistest.Private(t) // the demo flushes its database
	t.Setenv("CHATQ_MONITOR_ADDR", "127.0.0.1:0")
	t.Setenv("CHATQ_MONITOR_USER", opsUser)
	t.Setenv("CHATQ_MONITOR_PASSWORD", opsPassword)
	var out, errb e2etest.LogBuffer
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	exited := make(chan int, 1)
	go func() {
		exited <- Main(ctx, []string{"demo", "--redis", db.URL, "--monitor", "--linger", "5m"},
			Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb})
	}()
	m := waitMatch(t, &out, regexp.MustCompile(`monitor on (http://\S+/monitor/) \(chatq API: (http://\S+/chatq/api/)\)`), exited)
	ui, api := m[1], m[2]

	status, _ := httpGet(t, ui, "", "")
	require.Equal(t, http.StatusUnauthorized, status, "UI without credentials")
	status, _ = httpGet(t, ui, opsUser, "wrong")
	require.Equal(t, http.StatusUnauthorized, status, "UI with a wrong password")
	status, body := httpGet(t, ui, opsUser, opsPassword)
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, body, "<html")
	status, body = httpGet(t, ui+"api/queues", opsUser, opsPassword)
	require.Equal(t, http.StatusOK, status, body)

	waitMatch(t, &out, regexp.MustCompile(`lingering for`), exited)
	status, body = httpGet(t, api+"deadletters", opsUser, opsPassword)
	require.Equal(t, http.StatusOK, status, body)
	var dl struct {
		Stats struct {
			Total int `json:"total"`
		} `json:"stats"`
	}
	require.NoError(t, json.Unmarshal([]byte(body), &dl))
	require.Positive(t, dl.Stats.Total, "the demo's workload dead-letters some tasks")
	console := waitMatch(t, &out, regexp.MustCompile(`console on (http://\S+/console/)`), exited)[1]
	for _, page := range []string{"", "deadletters?state=open", "audit", "policy"} {
		status, body = httpGet(t, console+page, opsUser, opsPassword)
		require.Equal(t, http.StatusOK, status, "console/%s: %s", page, body)
	}
	require.Contains(t, body, "403-group-owner-op", "the policy page lists the table")
	status, body = httpGet(t, api+"tokens", opsUser, opsPassword)
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, body, `"credentials": "ok"`)

	cancel()
	select {
	case code := <-exited:
		require.Equal(t, ExitOK, code, "stderr: %s", errb.String())
	case <-time.After(opsWait):
		t.Fatal("demo did not stop after cancel")
	}
}

// TestDemo_LogsCarryNoSecrets runs the whole demo with the JSON decision
// log and the monitor on, and greps every line for the secrets.
func TestDemo_LogsCarryNoSecrets(t *testing.T) {
	db := redistest.Private(t) // the demo flushes its database
	t.Setenv("CHATQ_LOG_FORMAT", "json")
	t.Setenv("CHATQ_LOG_LEVEL", "debug")
	t.Setenv("CHATQ_MONITOR_ENABLED", "true")
	t.Setenv("CHATQ_MONITOR_ADDR", "127.0.0.1:0")
	t.Setenv("CHATQ_MONITOR_USER", opsUser)
	t.Setenv("CHATQ_MONITOR_PASSWORD", opsPassword)
	var out, errb e2etest.LogBuffer
	code := Main(context.Background(), []string{"demo", "--redis", db.URL, "--verbose"},
		Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb})
	require.Equal(t, ExitOK, code, "stderr: %s", errb.String())

	decisions := 0
	sc := bufio.NewScanner(strings.NewReader(errb.String()))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var line map[string]any
		require.NoError(t, json.Unmarshal(sc.Bytes(), &line), "not a JSON log line: %s", sc.Text())
		if line["msg"] == "decision" {
			decisions++
		}
	}
	require.Greater(t, decisions, 5, "the demo's decisions are logged")
	all := out.String() + errb.String()
	for name, secret := range map[string]string{
		"client secret": demo.ClientSecret, "a provider token": "YWMt", "monitor password": opsPassword,
	} {
		require.NotContains(t, all, secret, "%s in the output", name)
	}
}

func TestWorker_RedisUnreachableExitsNonZero(t *testing.T) {
	t.Setenv("CHATQ_REDIS_URL", "redis://127.0.0.1:1/0")
	t.Setenv("CHATQ_REDIS_START_WAIT", "300ms")
	t.Setenv("CHATQ_METRICS_ADDR", "127.0.0.1:0")
	t.Setenv("CHATQ_API_URL", "http://127.0.0.1:1")
	t.Setenv("CHATQ_APP_KEY", "org#app")
	t.Setenv("CHATQ_CLIENT_ID", "id")
	t.Setenv("CHATQ_CLIENT_SECRET", "worker-secret-31")
	code, _, stderr := run(t, "", "worker")
	require.Equal(t, ExitFailure, code, stderr)
	require.Contains(t, stderr, "gave up after 300ms")
	require.Contains(t, stderr, "redis (CHATQ_REDIS_URL) does not answer")
	require.NotContains(t, stderr, "worker-secret-31")
}

func TestMonitor_RefusesExposedAddressWithoutCredentials(t *testing.T) {
	db := redistest.New(t)
	t.Setenv("CHATQ_REDIS_URL", db.URL)
	t.Setenv("CHATQ_MONITOR_ADDR", "0.0.0.0:0")
	code, _, stderr := run(t, "", "monitor")
	require.Equal(t, ExitUsage, code, stderr)
	require.Contains(t, stderr, "CHATQ_MONITOR_ADDR")
	require.Contains(t, stderr, "non-loopback")
	require.Contains(t, stderr, "CHATQ_MONITOR_INSECURE=true")
}

func TestMonitor_ServesUntilInterrupted(t *testing.T) {
	db := redistest.New(t)
	t.Setenv("CHATQ_REDIS_URL", db.URL)
	t.Setenv("CHATQ_MONITOR_ADDR", "127.0.0.1:0")
	t.Setenv("CHATQ_MONITOR_READONLY", "true")
	var out, errb e2etest.LogBuffer
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	exited := make(chan int, 1)
	go func() {
		exited <- Main(ctx, []string{"monitor"}, Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb})
	}()
	m := waitMatch(t, &out, regexp.MustCompile(`monitor on (http://\S+/monitor/) \(chatq API: (http://\S+/chatq/api/)\)`), exited)
	status, body := httpGet(t, m[2]+"policy", "", "")
	require.Equal(t, http.StatusOK, status, body)
	require.Contains(t, body, "429-reach-limit")
	resp, err := http.Post(m[1]+"api/queues/messages:pause", "application/json", nil)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusMethodNotAllowed, resp.StatusCode, "read-only")
	cancel()
	require.Equal(t, ExitOK, <-exited, errb.String())
}
