package throttle_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/chatq/chatq/internal/redistest"
	"github.com/chatq/chatq/throttle"
)

// clock is a settable clock shared by the throttles of one test.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

type testBundle struct {
	db    *redistest.DB
	clock *clock
}

func setup(t *testing.T) *testBundle {
	t.Helper()
	return &testBundle{db: redistest.New(t), clock: &clock{now: time.Now()}}
}

// newThrottle is one worker's throttle; every Acquire reloads the shared
// state (Refresh 1ns), so tests need not wait for a cache to expire.
func (b *testBundle) newThrottle(t *testing.T, mutate ...func(*throttle.Config)) *throttle.Throttle {
	t.Helper()
	cfg := throttle.Config{Refresh: time.Nanosecond, MaxWait: 50 * time.Millisecond, Now: b.clock.Now,
		Limits: map[throttle.Family]float64{throttle.MessagesUsers: 0, throttle.Users: 0},
		Rand:   func() float64 { return 0 }}
	for _, m := range mutate {
		m(&cfg)
	}
	th, err := throttle.New(b.db.Client, cfg)
	require.NoError(t, err)
	return th
}

func statusOf(t *testing.T, th *throttle.Throttle, f throttle.Family) throttle.FamilyStatus {
	t.Helper()
	for _, s := range th.Snapshot() {
		if s.Family == f {
			return s
		}
	}
	t.Fatalf("no family %s in snapshot", f)
	return throttle.FamilyStatus{}
}

func requireDefer(t *testing.T, err error, reason string) *throttle.DeferError {
	t.Helper()
	var de *throttle.DeferError
	require.True(t, errors.As(err, &de), "want a *DeferError (%s), got %v", reason, err)
	require.Equal(t, reason, de.Reason)
	return de
}

// TestThrottle_Repeated429PausesFamilyForEveryWorker: a few 429s change
// nothing for the fleet (jitter at a strict bucket); the fifth within the
// window pauses the family for every worker; the next 429 after that window
// lowers the rate in proportion (five 429s: ×0.875), which then recovers.
func TestThrottle_Repeated429PausesFamilyForEveryWorker(t *testing.T) {
	t.Parallel()
	b := setup(t)
	limits := func(c *throttle.Config) {
		c.Limits = map[throttle.Family]float64{throttle.MessagesUsers: 100}
		c.BatchWindow = time.Millisecond // one slot per reservation: neither worker holds the other's next slots
	}
	a, other := b.newThrottle(t, limits), b.newThrottle(t, limits)
	ctx := context.Background()
	rateLimited := func(th *throttle.Throttle) {
		t.Helper()
		p, err := th.Acquire(ctx, throttle.MessagesUsers)
		require.NoError(t, err)
		p.Done(ctx, throttle.Outcome{Status: 429, Code: "reach_limit"})
	}

	for range 4 {
		rateLimited(a)
	}
	s := statusOf(t, a, throttle.MessagesUsers)
	require.False(t, s.Paused(b.clock.Now()), "four 429s are no pause")
	require.InDelta(t, 100, s.Rate, 0.01, "nor a lower rate, within the window")

	b.clock.Add(300 * time.Millisecond)
	rateLimited(other)
	_, err := a.Acquire(ctx, throttle.MessagesUsers)
	de := requireDefer(t, err, throttle.ReasonPaused)
	require.GreaterOrEqual(t, de.Delay, 90*time.Millisecond, "the default pause is 100ms")
	_, err = a.Acquire(ctx, throttle.Users)
	require.NoError(t, err, "another family keeps flowing")
	require.EqualValues(t, 1, statusOf(t, a, throttle.MessagesUsers).Pauses)

	b.clock.Add(1200 * time.Millisecond) // the window of those five has closed
	rateLimited(other)
	s = statusOf(t, other, throttle.MessagesUsers)
	require.InDelta(t, 87.5, s.Rate, 0.01, "five 429s in a window lower the rate ×(1 − 5 × 0.025)")

	b.clock.Add(2 * time.Second)
	_, err = other.Acquire(ctx, throttle.MessagesUsers)
	require.NoError(t, err)
	require.InDelta(t, 91.5, statusOf(t, other, throttle.MessagesUsers).Rate, 0.01, "recovers 2/s per second")

	b.clock.Add(2 * time.Second)
	rateLimited(other)
	require.InDelta(t, 95.5, statusOf(t, other, throttle.MessagesUsers).Rate, 0.01, "a window with one 429 lowers nothing")
}

// TestThrottle_ManyStrikesCutHarder: the eighth 429 of a window (a limit
// set far too high) cuts the rate by Decrease (×0.8) at once, not by 5 %
// a window later, and starts a new window.
func TestThrottle_ManyStrikesCutHarder(t *testing.T) {
	t.Parallel()
	b := setup(t)
	th := b.newThrottle(t, func(c *throttle.Config) {
		c.Limits = map[throttle.Family]float64{throttle.MessagesUsers: 100}
		c.BatchWindow = time.Millisecond
	})
	ctx := context.Background()
	rateLimited := func() {
		t.Helper()
		p, err := th.Acquire(ctx, throttle.MessagesUsers)
		if err != nil {
			b.clock.Add(150 * time.Millisecond) // wait the pause out
			p, err = th.Acquire(ctx, throttle.MessagesUsers)
		}
		require.NoError(t, err)
		p.Done(ctx, throttle.Outcome{Status: 429, Code: "reach_limit"})
	}
	for range 7 {
		rateLimited()
		b.clock.Add(time.Millisecond)
	}
	require.InDelta(t, 100, statusOf(t, th, throttle.MessagesUsers).Rate, 0.2, "seven: not yet")
	rateLimited()
	require.InDelta(t, 80, statusOf(t, th, throttle.MessagesUsers).Rate, 0.2, "the eighth cuts at once")
	b.clock.Add(time.Second)
	rateLimited()
	require.InDelta(t, 82, statusOf(t, th, throttle.MessagesUsers).Rate, 0.2, "the new window had no 429 before this one")
}

func TestThrottle_RetryAfterSetsThePause(t *testing.T) {
	t.Parallel()
	b := setup(t)
	th := b.newThrottle(t)
	ctx := context.Background()
	p, err := th.Acquire(ctx, throttle.Groups)
	require.NoError(t, err)
	p.Done(ctx, throttle.Outcome{Status: 429, RetryAfter: 7 * time.Second})
	s := statusOf(t, th, throttle.Groups)
	require.WithinDuration(t, b.clock.Now().Add(7*time.Second), s.PausedUntil, time.Millisecond)

	p, err = th.Acquire(ctx, throttle.MessagesGroups)
	require.NoError(t, err)
	p.Done(ctx, throttle.Outcome{Status: 429, Code: "resource_limited"})
	require.False(t, statusOf(t, th, throttle.MessagesGroups).Paused(b.clock.Now()), "a plan limit is no pause")
}

func TestThrottle_BreakerOpensProbesAndCloses(t *testing.T) {
	t.Parallel()
	b := setup(t)
	a, other := b.newThrottle(t), b.newThrottle(t)
	ctx := context.Background()
	fail := func(th *throttle.Throttle, o throttle.Outcome) {
		p, err := th.Acquire(ctx, throttle.MessagesUsers)
		require.NoError(t, err)
		p.Done(ctx, o)
	}
	for range 4 {
		fail(a, throttle.Outcome{Status: 503})
	}
	require.Equal(t, throttle.Closed, statusOf(t, a, throttle.MessagesUsers).Breaker, "4 failures: still closed")
	fail(other, throttle.Outcome{Network: true})
	require.Equal(t, throttle.Open, statusOf(t, other, throttle.MessagesUsers).Breaker, "5 in a row across workers")

	_, err := a.Acquire(ctx, throttle.MessagesUsers)
	requireDefer(t, err, throttle.ReasonOpen)
	require.Error(t, a.Check(ctx), "readiness names the open breaker")
	_, err = a.Acquire(ctx, throttle.Users)
	require.NoError(t, err, "other families are not affected")

	b.clock.Add(time.Second)
	probe, err := a.Acquire(ctx, throttle.MessagesUsers)
	require.NoError(t, err)
	require.True(t, probe.Probe())
	_, err = other.Acquire(ctx, throttle.MessagesUsers)
	requireDefer(t, err, throttle.ReasonOpen) // one probe per interval, fleet-wide
	probe.Done(ctx, throttle.Outcome{Status: 502})
	require.Equal(t, throttle.Open, statusOf(t, a, throttle.MessagesUsers).Breaker, "a failed probe keeps it open")

	b.clock.Add(time.Second)
	probe, err = other.Acquire(ctx, throttle.MessagesUsers)
	require.NoError(t, err)
	require.True(t, probe.Probe())
	probe.Done(ctx, throttle.Outcome{Status: 400})
	_, err = a.Acquire(ctx, throttle.MessagesUsers)
	require.NoError(t, err, "an answer below 500 closes it for every worker")
	require.NoError(t, a.Check(ctx))
	require.EqualValues(t, 1, statusOf(t, a, throttle.MessagesUsers).Opens)
}

func TestThrottle_SuccessBreaksTheRun(t *testing.T) {
	t.Parallel()
	b := setup(t)
	th := b.newThrottle(t)
	ctx := context.Background()
	for i := range 8 {
		p, err := th.Acquire(ctx, throttle.MessagesUsers)
		require.NoError(t, err)
		o := throttle.Outcome{Status: 500}
		if i == 3 {
			o = throttle.Outcome{}
		}
		p.Done(ctx, o)
	}
	require.Equal(t, throttle.Closed, statusOf(t, th, throttle.MessagesUsers).Breaker)
	require.Equal(t, 4, statusOf(t, th, throttle.MessagesUsers).Failures)
}

// TestThrottle_SharedLimit: two workers acquiring as fast as they can get
// no more than the limit over the window: their calls go at evenly spaced
// slots, so the count is at most one more than the limit allows.
func TestThrottle_SharedLimit(t *testing.T) {
	t.Parallel()
	b := setup(t)
	const limit = 40.0
	cfg := func(c *throttle.Config) {
		c.Now = time.Now // the GCRA runs on Redis time
		c.MaxWait = time.Second
		c.Limits = map[throttle.Family]float64{throttle.Users: limit}
	}
	workers := []*throttle.Throttle{b.newThrottle(t, cfg), b.newThrottle(t, cfg)}
	const perWorker = 30
	start := time.Now()
	var wg sync.WaitGroup
	var mu sync.Mutex
	granted := 0
	for _, th := range workers {
		for range 4 {
			wg.Go(func() {
				for range perWorker / 4 {
					if _, err := th.Acquire(context.Background(), throttle.Users); err == nil {
						mu.Lock()
						granted++
						mu.Unlock()
					}
				}
			})
		}
	}
	wg.Wait()
	elapsed := time.Since(start)
	require.LessOrEqual(t, float64(granted), limit*elapsed.Seconds()+2,
		"granted %d in %s at %g/s", granted, elapsed, limit)
	require.Positive(t, granted)
}

func TestThrottle_TotalCap(t *testing.T) {
	t.Parallel()
	b := setup(t)
	th := b.newThrottle(t, func(c *throttle.Config) {
		c.Now = time.Now
		c.Total = 1
		c.MaxWait = time.Millisecond
	})
	ctx := context.Background()
	_, err := th.Acquire(ctx, throttle.Users)
	require.NoError(t, err)
	_, err = th.Acquire(ctx, throttle.Groups)
	de := requireDefer(t, err, throttle.ReasonRateLimit)
	require.Greater(t, de.Delay, 500*time.Millisecond, "the next slot of a 1/s cap is a second away, whatever the family")
}

func TestThrottle_FailsOpenWithoutRedis(t *testing.T) {
	t.Parallel()
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1, DialTimeout: 50 * time.Millisecond})
	t.Cleanup(func() { _ = rdb.Close() })
	th, err := throttle.New(rdb, throttle.Config{})
	require.NoError(t, err)
	p, err := th.Acquire(context.Background(), throttle.MessagesUsers)
	require.NoError(t, err)
	p.Done(context.Background(), throttle.Outcome{Status: 503})
}

func TestNew_Validates(t *testing.T) {
	t.Parallel()
	_, err := throttle.New(redis.NewClient(&redis.Options{}), throttle.Config{Decrease: 2, BreakerFailures: -1})
	require.ErrorContains(t, err, "Decrease")
	require.ErrorContains(t, err, "BreakerFailures")
}

func TestParseLimits(t *testing.T) {
	t.Parallel()
	got, err := throttle.ParseLimits(map[string]float64{"messages/chatgroups": 5, "users": 0})
	require.NoError(t, err)
	require.Equal(t, 5.0, got[throttle.MessagesGroups])
	require.Equal(t, 0.0, got[throttle.Users])
	require.Equal(t, 100.0, got[throttle.MessagesUsers])
	require.Equal(t, 50.0, got[throttle.Rooms], "room creation's documented 50/s")
	_, err = throttle.ParseLimits(map[string]float64{"messages": 5})
	require.ErrorContains(t, err, `unknown family "messages"`)
}

func TestFamilyFor(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		typ, target string
		want        throttle.Family
	}{
		{"message:send", "users", throttle.MessagesUsers},
		{"message:send", "chatgroups", throttle.MessagesGroups},
		{"message:send", "chatrooms", throttle.MessagesRooms},
		{"user:register", "", throttle.Users},
		{"user:delete", "", throttle.Users},
		{"user:metadata:set", "", throttle.Users},
		{"user:mute", "", throttle.Users},
		{"group:members:add", "", throttle.Groups},
		{"chatroom:create", "", throttle.Rooms},
		{"chatroom:members:remove", "", throttle.Rooms},
		{"nope", "", ""},
	} {
		require.Equal(t, tc.want, throttle.FamilyFor(tc.typ, tc.target), "%s %s", tc.typ, tc.target)
	}
}

// BenchmarkAcquireLocal is the hot path: tokens come from the local
// reservation (a limit high enough that Redis is asked once per 100).
func BenchmarkAcquireLocal(b *testing.B) {
	db := redistest.New(b)
	th, err := throttle.New(db.Client, throttle.Config{Limits: map[throttle.Family]float64{throttle.MessagesUsers: 1e7}})
	require.NoError(b, err)
	ctx := context.Background()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			p, err := th.Acquire(ctx, throttle.MessagesUsers)
			if err != nil {
				b.Fatal(err)
			}
			p.Done(ctx, throttle.Outcome{})
		}
	})
}
