package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/stretchr/testify/require"

	"github.com/chatq/chatq/internal/e2etest"
	"github.com/chatq/chatq/internal/redistest"
	"github.com/chatq/chatq/sandbox"
	"github.com/chatq/chatq/tasks"
	"github.com/chatq/chatq/throttle"
)

// startCLIWorker runs "chatq worker" in this process against the fleet's
// sandbox and Redis, with extra CHATQ_* settings, until the test ends; it
// returns the worker's stderr and a function that stops it and returns its
// exit code.
func startCLIWorker(t *testing.T, f *e2etest.Fleet, env map[string]string) (*e2etest.LogBuffer, func() int) {
	t.Helper()
	base := map[string]string{
		"CHATQ_REDIS_URL": f.DB.URL, "CHATQ_API_URL": f.URL, "CHATQ_APP_KEY": e2etest.AppKey,
		"CHATQ_CLIENT_ID": e2etest.ClientID, "CHATQ_CLIENT_SECRET": e2etest.ClientSecret,
		"CHATQ_METRICS_ADDR": "", "CHATQ_POLL_INTERVAL": "20ms",
	}
	for k, v := range env {
		base[k] = v
	}
	for k, v := range base {
		t.Setenv(k, v)
	}
	var out, errb e2etest.LogBuffer
	ctx, cancel := context.WithCancel(context.Background())
	exited := make(chan int, 1)
	go func() {
		exited <- Main(ctx, []string{"worker"}, Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb})
	}()
	var once sync.Once
	code := -1
	stop := func() int {
		once.Do(func() {
			cancel()
			select {
			case code = <-exited:
			case <-time.After(opsWait):
				t.Errorf("chatq worker did not stop within %s", opsWait)
			}
		})
		return code
	}
	t.Cleanup(func() { stop() })
	return &errb, stop
}

// waitPublished polls Redis until n workers have published their settings.
func waitPublished(t *testing.T, db *redistest.DB, n int) []throttle.Settings {
	t.Helper()
	deadline := time.Now().Add(opsWait)
	for {
		got, err := throttle.ReadSettings(context.Background(), db.Client)
		require.NoError(t, err)
		if len(got) == n {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d workers published settings within %s, want %d", len(got), opsWait, n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestStatus_ShowsWhatTheFleetRuns runs a real chatq worker with its own
// limits, then chatq status from a shell whose CHATQ_RATE_LIMITS differ:
// status shows the worker's limits and names it, the queue depths and the
// open dead letters, as text and as JSON.
func TestStatus_ShowsWhatTheFleetRuns(t *testing.T) {
	f := e2etest.New(t)
	f.Sandbox.AddFault(sandbox.Fault{Match: "status-forbidden", Status: 403, Code: "forbidden_op", Message: "Forbidden operation on group owner!"})
	logs, stop := startCLIWorker(t, f, map[string]string{
		"CHATQ_RATE_LIMITS": "messages/users:42,messages/chatgroups:7", "CHATQ_LOG_FORMAT": "json"})
	host, err := os.Hostname()
	require.NoError(t, err)
	worker := host + ":" + strconv.Itoa(os.Getpid())

	dead := f.Send("status-forbidden")
	f.WaitTaskState(t, tasks.QueueMessages, dead, asynq.TaskStateArchived)
	f.Send("status-later", tasks.Delay(time.Hour))
	published := waitPublished(t, f.DB, 1)
	require.Equal(t, worker, published[0].Worker)

	t.Setenv("CHATQ_RATE_LIMITS", "messages/users:5") // the invoking shell's, not the fleet's
	code, out, stderr := run(t, "", "status")
	require.Equal(t, ExitOK, code, stderr)
	require.Contains(t, out, "published by 1 running worker(s); the families below use "+worker+"'s")
	require.Contains(t, out, worker+" (started ")
	require.Contains(t, out, "on: messages/users 42/s, messages/chatgroups 7/s, messages/chatrooms 100/s")
	require.Regexp(t, `(?m)^messages/users\s+42\s+42\.0\s`, out)
	require.Regexp(t, `(?m)^messages/chatgroups\s+7\s+7\.0\s`, out)
	require.Regexp(t, `(?m)^QUEUE\s+PENDING\s+ACTIVE\s+SCHEDULED\s+RETRY\s+ARCHIVED`, out)
	require.Regexp(t, `(?m)^messages\s+0\s+0\s+1\s+0\s+1\s`, out, "one scheduled, one archived")
	require.Regexp(t, `(?m)^groups\s+0\s+0\s+0\s+0\s+0\s`, out, "chatq's queues are listed even when unused")
	require.Contains(t, out, "Open dead letters: 1 (403-group-owner-op 1;")
	require.NotContains(t, out, "warning:")

	code, out, stderr = run(t, "", "status", "--json")
	require.Equal(t, ExitOK, code, stderr)
	var st struct {
		Workers    []throttle.Settings `json:"workers"`
		LimitsFrom string              `json:"limits_from"`
		Families   []struct {
			Family string   `json:"family"`
			Limit  *float64 `json:"limit"`
		} `json:"families"`
		Queues          []queueRow `json:"queues"`
		OpenDeadLetters struct {
			Total int `json:"total"`
		} `json:"open_dead_letters"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &st), out)
	require.Equal(t, worker, st.LimitsFrom)
	require.Equal(t, 42.0, st.Workers[0].Limits[throttle.MessagesUsers])
	require.Equal(t, "messages/users", st.Families[0].Family)
	require.Equal(t, 42.0, *st.Families[0].Limit)
	require.Contains(t, st.Queues, queueRow{Queue: "messages", Scheduled: 1, Archived: 1})
	require.Equal(t, 1, st.OpenDeadLetters.Total)
	require.Contains(t, out, `"pause": "100ms"`, "durations as Go duration strings")

	require.Equal(t, ExitOK, stop(), logs.String())
	got, err := throttle.ReadSettings(context.Background(), f.DB.Client)
	require.NoError(t, err)
	require.Empty(t, got, "a stopped worker removes its settings")
	requireJSONLogDurations(t, logs.String())
}

// requireJSONLogDurations checks the worker's JSON log: durations are Go
// duration strings and the queues map a JSON object.
func requireJSONLogDurations(t *testing.T, logs string) {
	t.Helper()
	e2etest.AssertNoSecrets(t, logs)
	lines := map[string]map[string]any{}
	sc := bufio.NewScanner(strings.NewReader(logs))
	for sc.Scan() {
		var line map[string]any
		require.NoError(t, json.Unmarshal(sc.Bytes(), &line), "not a JSON log line: %s", sc.Text())
		lines[line["msg"].(string)] = line
	}
	require.Equal(t, map[string]any{"messages": 6.0, "users": 2.0, "groups": 2.0, "rest": 1.0}, lines["worker started"]["queues"])
	require.Equal(t, "10s", lines["worker stopping"]["shutdown_timeout"])
	require.Equal(t, "WARN", lines["dead-lettered"]["level"])
	require.NotContains(t, logs, "Retry exhausted", "asynq's line is at debug level, below the default info")
}

// TestStatus_ShowsPauseAndBreaker: a 429 with Retry-After and a run of 503s reported by a
// worker's throttle show in chatq status, read from Redis, with the limits
// the worker published; before any worker published, the limits are
// unknown rather than the shell's.
func TestStatus_ShowsPauseAndBreaker(t *testing.T) {
	db := redistest.New(t)
	t.Setenv("CHATQ_REDIS_URL", db.URL)
	code, out, stderr := run(t, "", "status")
	require.Equal(t, ExitOK, code, stderr)
	require.Contains(t, out, "no running worker has published any")
	require.Regexp(t, `(?m)^messages/chatgroups\s+unknown\s+-\s`, out)
	require.Contains(t, out, "Open dead letters: 0\n")

	cfg := throttle.Config{MaxPause: 2 * time.Hour}
	th, err := throttle.New(db.Client, cfg)
	require.NoError(t, err)
	publishFor(t, db, cfg.Settings("w1", true, time.Now()))
	ctx := context.Background()
	report := func(f throttle.Family, o throttle.Outcome) {
		p, err := th.Acquire(ctx, f)
		require.NoError(t, err)
		p.Done(ctx, o)
	}
	report(throttle.MessagesGroups, throttle.Outcome{Status: 429, Code: "reach_limit", RetryAfter: time.Hour})
	for range 5 {
		report(throttle.Groups, throttle.Outcome{Status: 503})
	}

	code, out, _ = run(t, "", "status")
	require.Equal(t, ExitOK, code)
	require.Contains(t, out, "EFFECTIVE/S")
	require.Regexp(t, `messages/chatgroups\s+20\s+20\.0\s+[0-9.]+\s+for 59m`, out, "paused for the Retry-After (one 429 lowers no rate)")
	require.Regexp(t, `chatgroups\s+100\s+100\.0\s+[0-9.]+\s+-\s+open \(since`, out)

	code, out, _ = run(t, "", "status", "--json")
	require.Equal(t, ExitOK, code)
	require.Contains(t, out, `"breaker": "open"`)
}

// TestStatus_WarnsWhenWorkersDisagree: two workers with different limits
// are both listed, and status says so.
func TestStatus_WarnsWhenWorkersDisagree(t *testing.T) {
	db := redistest.New(t)
	t.Setenv("CHATQ_REDIS_URL", db.URL)
	now := time.Now()
	publishFor(t, db, throttle.Config{}.Settings("old:1", true, now.Add(-time.Hour)))
	publishFor(t, db, throttle.Config{Limits: map[throttle.Family]float64{throttle.Users: 0}}.Settings("new:2", true, now))
	publishFor(t, db, throttle.Config{}.Settings("off:3", false, now.Add(-2*time.Hour)))
	code, out, stderr := run(t, "", "status")
	require.Equal(t, ExitOK, code, stderr)
	require.Contains(t, out, "published by 3 running worker(s); the families below use new:2's")
	require.Contains(t, out, "warning: the workers run with different throttle settings")
	require.Contains(t, out, "off (CHATQ_THROTTLE=false): ")
	require.Regexp(t, `(?m)^users\s+none\s+-\s`, out, "new:2 has no users limit")
}

// publishFor publishes s as a running worker would, until the test ends.
func publishFor(t *testing.T, db *redistest.DB, s throttle.Settings) {
	t.Helper()
	n := len(waitPublishedAny(t, db))
	p, err := throttle.NewPublisher(throttle.PublisherParams{RDB: db.Client, Settings: s})
	require.NoError(t, err)
	var wg sync.WaitGroup
	p.Start(&wg)
	t.Cleanup(func() { p.Shutdown(); wg.Wait() })
	waitPublished(t, db, n+1)
}

func waitPublishedAny(t *testing.T, db *redistest.DB) []throttle.Settings {
	t.Helper()
	got, err := throttle.ReadSettings(context.Background(), db.Client)
	require.NoError(t, err)
	return got
}

func TestConfig_BadRateLimitsExitTwo(t *testing.T) {
	t.Setenv("CHATQ_RATE_LIMITS", "messages:5")
	code, _, errOut := run(t, "", "status")
	require.Equal(t, ExitUsage, code)
	require.Contains(t, errOut, "CHATQ_RATE_LIMITS")
}
