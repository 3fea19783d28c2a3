package dispatcher_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/stretchr/testify/require"

	"github.com/chatq/chatq/agora"
	"github.com/chatq/chatq/deadletter"
	"github.com/chatq/chatq/dispatcher"
	"github.com/chatq/chatq/internal/redistest"
	"github.com/chatq/chatq/policy"
	"github.com/chatq/chatq/sandbox"
	"github.com/chatq/chatq/tasks"
	"github.com/chatq/chatq/throttle"
)

// throttleFleet is several workers, each with its own throttle, sharing one Redis
// database and one sandbox over HTTP.
type throttleFleet struct {
	db       *redistest.DB
	sb       *sandbox.Server
	events   *recorder
	producer *tasks.Client
	store    *deadletter.Store
	insp     *asynq.Inspector
	throttle []*throttle.Throttle
}

type throttleFleetOpts struct {
	workers       int
	sandbox       sandbox.Config
	throttle      throttle.Config
	noThrottle    bool
	maxRetryAfter time.Duration
	concurrency   int
}

func newThrottleFleet(t *testing.T, o throttleFleetOpts) *throttleFleet {
	t.Helper()
	o.sandbox.ClientID, o.sandbox.ClientSecret = testClientID, testClientSecret
	f := &throttleFleet{db: redistest.New(t), sb: sandbox.New(o.sandbox), events: newRecorder()}
	srv := httptest.NewServer(f.sb)
	t.Cleanup(srv.Close)
	f.store = deadletter.NewStore(f.db.Client)
	f.producer = tasks.NewClient(f.db.Opt, tasks.ClientConfig{})
	t.Cleanup(func() { _ = f.producer.Close() })
	f.insp = asynq.NewInspector(f.db.Opt)
	t.Cleanup(func() { _ = f.insp.Close() })
	for range max(o.workers, 1) {
		f.startWorker(t, srv.URL, o)
	}
	return f
}

func (f *throttleFleet) startWorker(t *testing.T, url string, o throttleFleetOpts) {
	t.Helper()
	api, err := agora.New(agora.Config{BaseURL: url, AppKey: "org#app", Timeout: 2 * time.Second})
	require.NoError(t, err)
	tokens, err := agora.NewClientCredentials(api, agora.ClientCredentialsConfig{
		ClientID: testClientID, ClientSecret: testClientSecret, FailureCooldown: time.Millisecond})
	require.NoError(t, err)
	fast := policy.Backoff{Base: 10 * time.Millisecond, Max: 40 * time.Millisecond, Multiplier: 2}
	p, err := policy.New(policy.Config{MaxRetryAfter: o.maxRetryAfter,
		Backoff: map[policy.Class]policy.Backoff{policy.ClassTransient: fast, policy.ClassSlow: fast}})
	require.NoError(t, err)
	deps := dispatcher.Deps{Redis: f.db.Opt, RDB: f.db.Client, API: api, Tokens: tokens, Policy: p,
		DeadLetters: f.store, Observer: f.events, Logger: slog.New(slog.DiscardHandler)}
	if !o.noThrottle {
		tc := o.throttle
		tc.Refresh = time.Nanosecond // every Acquire sees the latest shared state
		th, err := throttle.New(f.db.Client, tc)
		require.NoError(t, err)
		f.throttle = append(f.throttle, th)
		deps.Throttle = th
	}
	w, err := dispatcher.New(dispatcher.Config{
		Concurrency: max(o.concurrency, 4), PollInterval: 20 * time.Millisecond, ShutdownTimeout: 3 * time.Second,
		DeferMaxAttempts: 5, DeferMaxAge: time.Minute, CredentialsLogInterval: time.Hour,
	}, deps)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = w.Run(ctx)
	}()
	t.Cleanup(func() { cancel(); <-done })
}

func (f *throttleFleet) send(t *testing.T, n int, opts ...tasks.Option) []string {
	t.Helper()
	ids := make([]string, n)
	for i := range ids {
		id, err := f.producer.SendMessage(context.Background(), tasks.SendMessage{Target: "users",
			To: []string{"erin"}, Type: "txt", Body: []byte(`{"msg":"hi"}`)}, opts...)
		require.NoError(t, err)
		ids[i] = id
	}
	return ids
}

func (f *throttleFleet) waitAll(t *testing.T, ids []string) {
	t.Helper()
	for _, id := range ids {
		evs := f.events.waitFinal(t, id)
		require.Equal(t, dispatcher.OutcomeDelivered, evs[len(evs)-1].Outcome, "task %s: %v", id, outcomes(evs))
	}
}

// waitStats waits, with a deadline, until cond holds for the sandbox stats.
func (f *throttleFleet) waitStats(t *testing.T, what string, cond func(sandbox.Stats) bool) {
	t.Helper()
	deadline := time.Now().Add(waitTimeout)
	for !cond(f.sb.Stats()) {
		if time.Now().After(deadline) {
			t.Fatalf("sandbox: %s not reached within %s: %+v", what, waitTimeout, f.sb.Stats())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestThrottle_TwoWorkersShareOneLimit: the sandbox enforces 40 calls/s with
// a bucket of 40 (its burst); two workers limited to 40/s together never
// empty it, so it answers no 429, and the run takes at least as long as the
// limit allows (minus the documented burst: two batches in Redis plus one
// batch held by each worker).
func TestThrottle_TwoWorkersShareOneLimit(t *testing.T) {
	t.Parallel()
	const limit, n = 40, 120
	f := newThrottleFleet(t, throttleFleetOpts{workers: 2, concurrency: 10, sandbox: sandbox.Config{RateLimit: limit},
		throttle: throttle.Config{Limits: map[throttle.Family]float64{throttle.MessagesUsers: limit}}})
	start := time.Now()
	ids := f.send(t, n)
	f.waitAll(t, ids)
	elapsed := time.Since(start)
	st := f.sb.Stats()
	require.Zero(t, st.Responses["429 reach_limit"], "the sandbox never saw more than its limit: %v", st.Responses)
	const batch = 2 // 40/s × 50ms
	burst := 2*batch + 2*batch
	require.GreaterOrEqual(t, elapsed.Seconds(), float64(n-burst)/limit, "calls went faster than the limit")
}

// TestThrottle_429PausesFamilyForAllWorkers: after one 429 with
// Retry-After 2, no worker calls the messages family until the pause ends,
// while user registrations keep flowing.
func TestThrottle_429PausesFamilyForAllWorkers(t *testing.T) {
	t.Parallel()
	f := newThrottleFleet(t, throttleFleetOpts{workers: 2, throttle: throttle.Config{MaxWait: 50 * time.Millisecond}})
	f.sb.AddFault(sandbox.Fault{Endpoint: sandbox.EndpointSendMessage, Status: 429, Code: "reach_limit",
		Message: "This request has reached api limit.", RetryAfter: "2", Times: 1})
	pausedAt := time.Now()
	first := f.send(t, 1)
	f.events.waitFor(t, first[0], func(evs []dispatcher.Event) bool { return len(evs) > 0 })
	ids := f.send(t, 6)
	user, err := f.producer.RegisterUsers(context.Background(), tasks.RegisterUsers{Users: []tasks.User{{Username: "zed"}}})
	require.NoError(t, err)
	evs := f.events.waitFinal(t, user)
	require.Equal(t, dispatcher.OutcomeDelivered, evs[len(evs)-1].Outcome)
	if time.Since(pausedAt) < 1500*time.Millisecond {
		require.Equal(t, 1, f.sb.Stats().Calls[sandbox.EndpointSendMessage], "a paused family is not called")
	}
	st, err := throttle.ReadStatus(context.Background(), f.db.Client, throttle.Config{})
	require.NoError(t, err)
	require.Equal(t, throttle.MessagesUsers, st[0].Family)
	require.EqualValues(t, 1, st[0].Pauses, "one pause for the fleet")
	f.waitAll(t, append(first, ids...))
	require.Equal(t, 1, f.sb.Stats().Responses["429 reach_limit"])
}

// TestThrottle_BreakerDuringOutage: a 503 outage opens the breaker; while it
// is open tasks defer without spending retries (budget 3: without the
// breaker they would be dead-lettered within the outage), at most one probe
// per interval goes out, and the breaker closes when the sandbox recovers.
func TestThrottle_BreakerDuringOutage(t *testing.T) {
	t.Parallel()
	const interval = 200 * time.Millisecond
	f := newThrottleFleet(t, throttleFleetOpts{workers: 2, concurrency: 2,
		throttle: throttle.Config{BreakerFailures: 3, ProbeInterval: interval, MaxWait: 50 * time.Millisecond}})
	fault := f.sb.AddFault(sandbox.Fault{Endpoint: sandbox.EndpointSendMessage, Status: 503})
	ids := f.send(t, 30, tasks.MaxRetry(3))
	waitOpen := func() bool {
		for _, th := range f.throttle {
			if th.Snapshot()[0].Breaker != throttle.Closed {
				return true
			}
		}
		return false
	}
	deadline := time.Now().Add(waitTimeout)
	for !waitOpen() {
		require.True(t, time.Now().Before(deadline), "breaker never opened")
		time.Sleep(5 * time.Millisecond)
	}
	opened, atOpen := time.Now(), f.sb.Stats().Calls[sandbox.EndpointSendMessage]
	f.waitStats(t, "three probes", func(s sandbox.Stats) bool { return s.Calls[sandbox.EndpointSendMessage] >= atOpen+3 })
	during := f.sb.Stats().Calls[sandbox.EndpointSendMessage] - atOpen
	outage := time.Since(opened)
	require.True(t, f.sb.RemoveFault(fault))
	f.waitAll(t, ids)

	maxProbes := int(outage/interval) + 2
	require.LessOrEqual(t, during, maxProbes+4, "calls while open: %d in %s (4 were in flight)", during, outage)
	n, err := f.store.Count(context.Background())
	require.NoError(t, err)
	require.Zero(t, n, "no task dead-lettered during the outage")
	retries, throttled := 0, 0
	for _, id := range ids {
		for _, e := range f.events.waitFinal(t, id) {
			switch {
			case e.Outcome == dispatcher.OutcomeRetry:
				retries++
			case e.Rule == "throttle":
				throttled++
			}
		}
	}
	require.Positive(t, throttled, "tasks were deferred by the open breaker")
	require.Equal(t, f.sb.Stats().Responses["503"], retries, "only calls that were made spent a retry")
}

// TestRetryAfter_EndToEnd: a Retry-After in seconds or as an HTTP date sets
// the retry delay (the test backoff is 10-40ms), capped by MaxRetryAfter
// (2s in the capped case). asynq keeps retry times in whole seconds, hence the ranges.
func TestRetryAfter_EndToEnd(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name       string
		retryAfter func() string
		min, max   time.Duration
		capped     bool
	}{
		{"seconds", func() string { return "3" }, 1900 * time.Millisecond, 3500 * time.Millisecond, false},
		{"http date", func() string { return time.Now().Add(6 * time.Second).UTC().Format(http.TimeFormat) },
			3900 * time.Millisecond, 6500 * time.Millisecond, false},
		{"capped", func() string { return "3600" }, 900 * time.Millisecond, 2500 * time.Millisecond, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			limit := time.Minute
			if tc.capped {
				limit = 2 * time.Second
			}
			f := newThrottleFleet(t, throttleFleetOpts{noThrottle: true, maxRetryAfter: limit})
			f.sb.AddFault(sandbox.Fault{Endpoint: sandbox.EndpointSendMessage, Status: 503,
				RetryAfter: tc.retryAfter(), Times: 1})
			before := time.Now()
			id := f.send(t, 1)[0]
			f.events.waitFor(t, id, func(evs []dispatcher.Event) bool { return len(evs) > 0 })
			info := waitQueueState(t, f.insp, id, asynq.TaskStateRetry)
			delay := info.NextProcessAt.Sub(before)
			require.True(t, delay >= tc.min && delay <= tc.max, "retry in %s, want %s..%s", delay, tc.min, tc.max)
		})
	}
}

func waitQueueState(t *testing.T, insp *asynq.Inspector, id string, state asynq.TaskState) *asynq.TaskInfo {
	t.Helper()
	deadline := time.Now().Add(waitTimeout)
	for {
		info, err := insp.GetTaskInfo(tasks.QueueMessages, id)
		if err == nil && info.State == state {
			return info
		}
		require.True(t, time.Now().Before(deadline), "task %s not %s: %+v %v", id, state, info, err)
		time.Sleep(10 * time.Millisecond)
	}
}
