package dispatcher_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/chatq/chatq/dispatcher"
	"github.com/chatq/chatq/internal/e2etest"
	"github.com/chatq/chatq/sandbox"
	"github.com/chatq/chatq/tasks"
	"github.com/chatq/chatq/throttle"
)

// throttleFleet is several workers, each with its own throttle, sharing one Redis
// database and one sandbox over HTTP.
type throttleFleet struct {
	*e2etest.Fleet
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
	f := &throttleFleet{Fleet: e2etest.New(t, func(eo *e2etest.Options) {
		eo.Sandbox = o.sandbox
		eo.Sandbox.ClientID, eo.Sandbox.ClientSecret = e2etest.ClientID, e2etest.ClientSecret
		eo.MaxRetryAfter = o.maxRetryAfter
		eo.Worker.Concurrency = max(o.concurrency, 4)
		if !o.noThrottle {
			tc := o.throttle
			tc.Refresh = time.Nanosecond // every Acquire sees the latest shared state
			eo.Throttle = &tc
		}
	})}
	for range max(o.workers, 1) {
		if th := f.AddWorker().Throttle; th != nil {
			f.throttle = append(f.throttle, th)
		}
	}
	return f
}

func (f *throttleFleet) send(t *testing.T, n int, opts ...tasks.Option) []string {
	t.Helper()
	ids := make([]string, n)
	for i := range ids {
		ids[i] = f.Send("hi", opts...)
	}
	return ids
}

func (f *throttleFleet) waitAll(t *testing.T, ids []string) {
	t.Helper()
	f.WaitOutcome(t, ids, dispatcher.OutcomeDelivered)
}

// TestThrottle_TwoWorkersShareOneLimit: the sandbox enforces 40 calls/s
// with a strict bucket of 4; two workers limited to 40/s with a burst of 2
// together send at evenly spaced slots (25ms apart, fleet-wide, a slot used
// at most one interval late), so no window holds more than its share plus 2,
// and the run takes at least as long as the limit allows. Workers that did
// not share the limit would send 80/s and see about half their calls
// refused; batches of 10 sent at once, as before slots, saw dozens. The test
// machine may itself deliver a request more than an interval late (loaded
// cores, -race), which a strict bucket can refuse: at most 2 of 120 calls.
func TestThrottle_TwoWorkersShareOneLimit(t *testing.T) {
	t.Parallel()
	const limit, n = 40, 120
	f := newThrottleFleet(t, throttleFleetOpts{workers: 2, concurrency: 10, sandbox: sandbox.Config{RateLimit: limit, RateBurst: 4},
		throttle: throttle.Config{Limits: map[throttle.Family]float64{throttle.MessagesUsers: limit}, Burst: 2}})
	start := time.Now()
	ids := f.send(t, n)
	f.waitAll(t, ids)
	elapsed := time.Since(start)
	st := f.Sandbox.Stats()
	require.LessOrEqual(t, st.Responses["429 reach_limit"], 2, "the sandbox saw more than its limit: %v", st.Responses)
	require.GreaterOrEqual(t, elapsed.Seconds(), float64(n-1)/limit, "calls went faster than the limit")
}

// TestThrottle_429PausesFamilyForAllWorkers: after one 429 with
// Retry-After 2, no worker calls the messages family until the pause ends,
// while user registrations keep flowing.
func TestThrottle_429PausesFamilyForAllWorkers(t *testing.T) {
	t.Parallel()
	f := newThrottleFleet(t, throttleFleetOpts{workers: 2, throttle: throttle.Config{MaxWait: 50 * time.Millisecond}})
	f.Sandbox.AddFault(sandbox.Fault{Endpoint: sandbox.EndpointSendMessage, Status: 429, Code: "reach_limit",
		Message: "This request has reached api limit.", RetryAfter: "2", Times: 1})
	pausedAt := time.Now()
	first := f.send(t, 1)
	f.Events.WaitFor(t, first[0], func(evs []dispatcher.Event) bool { return len(evs) > 0 })
	ids := f.send(t, 6)
	user, err := f.Producer.RegisterUsers(context.Background(), tasks.RegisterUsers{Users: []tasks.User{{Username: "zed"}}})
	require.NoError(t, err)
	evs := f.Events.WaitFinal(t, user)
	require.Equal(t, dispatcher.OutcomeDelivered, evs[len(evs)-1].Outcome)
	if time.Since(pausedAt) < 1500*time.Millisecond {
		require.Equal(t, 1, f.Sandbox.Stats().Calls[sandbox.EndpointSendMessage], "a paused family is not called")
	}
	st, err := throttle.ReadStatus(context.Background(), f.RDB, throttle.Config{})
	require.NoError(t, err)
	require.Equal(t, throttle.MessagesUsers, st[0].Family)
	require.EqualValues(t, 1, st[0].Pauses, "one pause for the fleet")
	f.waitAll(t, append(first, ids...))
	require.Equal(t, 1, f.Sandbox.Stats().Responses["429 reach_limit"])
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
	fault := f.Sandbox.AddFault(sandbox.Fault{Endpoint: sandbox.EndpointSendMessage, Status: 503})
	ids := f.send(t, 30, tasks.MaxRetry(3))
	waitOpen := func() bool {
		for _, th := range f.throttle {
			if th.Snapshot()[0].Breaker != throttle.Closed {
				return true
			}
		}
		return false
	}
	e2etest.Eventually(t, "breaker open", func(c *assert.CollectT) { require.True(c, waitOpen()) })
	opened, atOpen := time.Now(), f.Sandbox.Stats().Calls[sandbox.EndpointSendMessage]
	f.WaitSandbox(t, "three probes", func(s sandbox.Stats) bool { return s.Calls[sandbox.EndpointSendMessage] >= atOpen+3 })
	during := f.Sandbox.Stats().Calls[sandbox.EndpointSendMessage] - atOpen
	outage := time.Since(opened)
	require.True(t, f.Sandbox.RemoveFault(fault))
	f.waitAll(t, ids)

	maxProbes := int(outage/interval) + 2
	require.LessOrEqual(t, during, maxProbes+4, "calls while open: %d in %s (4 were in flight)", during, outage)
	n, err := f.Store.Count(context.Background())
	require.NoError(t, err)
	require.Zero(t, n, "no task dead-lettered during the outage")
	retries, throttled := 0, 0
	for _, id := range ids {
		for _, e := range f.Events.WaitFinal(t, id) {
			switch {
			case e.Outcome == dispatcher.OutcomeRetry:
				retries++
			case e.Rule == "throttle":
				throttled++
			}
		}
	}
	require.Positive(t, throttled, "tasks were deferred by the open breaker")
	require.LessOrEqual(t, retries, f.Sandbox.Stats().Responses["503"], "only calls that were made spent a retry")
}

// TestThrottle_OutageBurnsNoBudget: an outage of many probe intervals with
// 10 tasks queued and a retry budget of 2. The tasks take turns as the
// breaker's probe (25 failed calls: some task probes at least three times,
// more than its budget); a failed probe is the breaker's evidence, not the
// task's failure, so none is dead-lettered and all are delivered once the
// provider recovers.
func TestThrottle_OutageBurnsNoBudget(t *testing.T) {
	t.Parallel()
	const interval = 50 * time.Millisecond
	f := newThrottleFleet(t, throttleFleetOpts{workers: 2, concurrency: 2,
		throttle: throttle.Config{BreakerFailures: 2, ProbeInterval: interval, MaxWait: 20 * time.Millisecond}})
	fault := f.Sandbox.AddFault(sandbox.Fault{Endpoint: sandbox.EndpointSendMessage, Status: 503})
	ids := f.send(t, 10, tasks.MaxRetry(2))
	f.WaitSandbox(t, "25 failed calls", func(s sandbox.Stats) bool { return s.Responses["503"] >= 25 })
	require.True(t, f.Sandbox.RemoveFault(fault))
	f.waitAll(t, ids)
	n, err := f.Store.Count(context.Background())
	require.NoError(t, err)
	require.Zero(t, n, "an outage dead-letters nothing")
	most := 0
	for _, id := range ids {
		probes := 0
		for _, e := range f.Events.WaitFinal(t, id) {
			if e.Rule == "throttle" && e.Status == http.StatusServiceUnavailable {
				probes++
			}
		}
		most = max(most, probes)
	}
	require.Greater(t, most, 2, "some task failed as a probe more often than its budget allows")
}

// TestThrottle_PoisonTaskStillDeadLettered: a task whose own call always
// fails with 500 while other traffic succeeds is not shielded by the
// breaker: the others keep closing it, so the poison task's failures are
// decided by the policy, spend its budget, and it is dead-lettered.
func TestThrottle_PoisonTaskStillDeadLettered(t *testing.T) {
	t.Parallel()
	f := newThrottleFleet(t, throttleFleetOpts{workers: 1, concurrency: 2,
		throttle: throttle.Config{BreakerFailures: 2, ProbeInterval: 50 * time.Millisecond, MaxWait: 20 * time.Millisecond}})
	f.Sandbox.AddFault(sandbox.Fault{Endpoint: sandbox.EndpointSendMessage, Match: "poison", Status: 500})
	poison := f.Send("poison", tasks.MaxRetry(3))
	var good []string
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; ; i++ {
			evs := f.Events.Events(poison)
			if len(evs) > 0 && evs[len(evs)-1].Outcome.Final() {
				return
			}
			id, err := f.Producer.SendMessage(context.Background(), e2etest.Message(fmt.Sprintf("good-%d", i)))
			if err != nil {
				return // the final checks fail: the poison task is not dead-lettered
			}
			good = append(good, id)
			time.Sleep(10 * time.Millisecond) // steady traffic beside the poison task
		}
	}()
	evs := f.Events.WaitFinal(t, poison)
	<-done
	require.Equal(t, dispatcher.OutcomeDeadLettered, evs[len(evs)-1].Outcome, "events: %+v", evs)
	f.waitAll(t, good)
	rec, err := f.Store.Get(context.Background(), poison)
	require.NoError(t, err)
	require.Equal(t, 500, rec.Status)
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
			f.Sandbox.AddFault(sandbox.Fault{Endpoint: sandbox.EndpointSendMessage, Status: 503,
				RetryAfter: tc.retryAfter(), Times: 1})
			before := time.Now()
			id := f.send(t, 1)[0]
			f.Events.WaitFor(t, id, func(evs []dispatcher.Event) bool { return len(evs) > 0 })
			info := f.WaitTaskState(t, tasks.QueueMessages, id, asynq.TaskStateRetry)
			// The retry was scheduled at some instant between before and
			// now: bounding each side by its own instant keeps a loaded
			// machine's slowness out of the assertion.
			after := time.Now()
			early, late := info.NextProcessAt.Sub(before), info.NextProcessAt.Sub(after)
			require.True(t, early >= tc.min && late <= tc.max, "retry %s after the send, %s after it was seen; want %s..%s",
				early, late, tc.min, tc.max)
		})
	}
}
