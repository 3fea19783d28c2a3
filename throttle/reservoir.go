package throttle

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// maxBatch bounds one reservation, so a worker never hoards a second's
// worth of a high limit.
const maxBatch = 100

// lateSlack is how late a slot may be used at Burst 1: about a timer's
// wakeup jitter on a loaded machine.
const lateSlack = time.Millisecond

// minSleep is the shortest wait for a slot worth a timer; shorter waits are
// below what a sleep can resolve and the call goes at once.
const minSleep = 100 * time.Microsecond

// reservoir hands out call slots of one GCRA limit that lives in Redis.
//
// A slot is a moment at which one call may go out. The GCRA in Redis keeps
// one "theoretical arrival time" for the fleet; reserving n calls moves it
// n emission intervals (1/rate) ahead, and the n slots are the moments it
// moved across. So the fleet's calls leave evenly spaced at the rate, as
// a strict token bucket at the provider wants them, not in batches: a
// batch held by a worker is a schedule, not a burst. Config.Burst lets a
// slot be used up to Burst-1 intervals early; a slot nobody used in time is
// dropped rather than used late next to the following one.
//
// A worker reserves a batch (about Config.BatchWindow of the rate) per
// Redis call; waiters share one reservation call at a time.
type reservoir struct {
	key    string
	rdb    redis.UniversalClient
	clock  *redisClock
	rate   func(now time.Time) float64 // the limit in force; <= 0 = none
	window time.Duration
	burst  int
	onErr  func(error)

	mu        sync.Mutex
	slots     []time.Time   // reserved and unused, ascending
	interval  time.Duration // spacing of the last reservation's slots
	notBefore time.Time     // Redis said no reservation before then
	fetching  chan struct{} // closed when the reservation in flight ends
}

// take claims one slot and waits for it, waiting maxWait at most. It
// returns 0 when the call may go, else how long from now a slot would take
// (> 0), or the context's error. It runs on the real clock, as the GCRA
// runs on Redis's.
func (r *reservoir) take(ctx context.Context, maxWait time.Duration) (time.Duration, error) {
	deadline := time.Now().Add(maxWait)
	for {
		// A reservation made with a done ctx fails at once and leaves no
		// slot: without this check the loop would retry it forever.
		if err := ctx.Err(); err != nil {
			return 0, err
		}
		r.mu.Lock()
		now := time.Now()
		if at, ok := r.claim(now); ok {
			late := r.lateness()
			r.mu.Unlock()
			// deadline bounds the wait still to come: a slot already due
			// is taken even when the reservation itself ran past it.
			if at.After(now) && at.After(deadline) {
				r.giveBackAt(at)
				return at.Sub(now), nil
			}
			if r.interval < lateSlack {
				// Above 1,000 calls/s slots are closer than a timer can
				// keep: the GCRA still bounds the calls per batch window,
				// and waiting for a slot microseconds away would cost
				// every call a timer.
				return 0, nil
			}
			if err := sleepUntil(ctx, at); err != nil {
				return 0, err
			}
			// A process that stalls (GC, a busy machine) wakes every
			// sleeper at once: a slot overslept is dropped like one
			// nobody claimed, rather than sent in a burst.
			if time.Since(at) <= late {
				return 0, nil
			}
			continue
		}
		if at := r.notBefore; now.Before(at) {
			r.mu.Unlock()
			if at.After(deadline) {
				return at.Sub(now), nil
			}
			if err := sleep(ctx, at.Sub(now)); err != nil {
				return 0, err
			}
			continue
		}
		if ch := r.fetching; ch != nil {
			r.mu.Unlock()
			select {
			case <-ch:
			case <-ctx.Done():
				return 0, ctx.Err()
			}
			continue
		}
		ch := make(chan struct{})
		r.fetching = ch
		r.mu.Unlock()
		r.reserve(ctx)
		r.mu.Lock()
		r.fetching = nil
		close(ch)
		r.mu.Unlock()
	}
}

// claim takes the earliest slot not too stale to use and returns the
// moment the call may go (the slot, less the burst allowance). r.mu held.
func (r *reservoir) claim(now time.Time) (time.Time, bool) {
	early := time.Duration(r.burst-1) * r.interval
	late := r.lateness()
	for len(r.slots) > 0 {
		at := r.slots[0]
		r.slots = r.slots[1:]
		if now.Sub(at) <= late {
			return at.Add(-early), true
		}
	}
	return time.Time{}, false
}

// lateness is how late a slot may still be used. A call that leaves δ
// after its slot is followed by the next slot's call only T−δ later, which
// a strict bucket of burst 1 refuses; so with Burst 1 only a timer's
// jitter is tolerated (lateSlack), and each further unit of Burst allows
// one interval more. A slot later than that is dropped: one call of
// capacity lost instead of a 429, a pause and a deferral. Above 1,000
// calls/s slots are closer than a timer can keep, so spacing is not
// enforced below the batch window. r.mu held.
func (r *reservoir) lateness() time.Duration {
	if r.interval < lateSlack {
		return r.window
	}
	return time.Duration(r.burst-1)*r.interval + lateSlack
}

// reserve asks Redis for a batch of slots. On a Redis error it fails open
// at the local share of the rate: one slot now, the next reservation 1/rate
// later.
func (r *reservoir) reserve(ctx context.Context) {
	rate := r.rate(time.Now())
	batch := batchFor(rate, r.window)
	interval := time.Duration(float64(time.Second) / rate)
	horizon := 2 * time.Duration(batch) * interval
	if !r.clock.calibrated() {
		r.clock.calibrate(ctx, r.rdb)
	}
	sent := time.Now()
	v, err := reserveScript.Run(ctx, r.rdb, []string{r.key},
		interval.Microseconds(), batch, horizon.Microseconds()).Int64Slice()
	got := time.Now()
	r.mu.Lock()
	defer r.mu.Unlock()
	switch {
	case err != nil && ctx.Err() != nil:
		return
	case err != nil || len(v) != 3:
		if !errors.Is(err, context.Canceled) {
			r.onErr(fmt.Errorf("reserve: %w (answer %v)", err, v))
		}
		r.slots = append(r.slots, got)
		r.notBefore = got.Add(interval)
		return
	}
	n, first, redisNow := v[0], time.UnixMicro(v[1]), time.UnixMicro(v[2])
	offset := r.clock.sample(sent, got, redisNow)
	if n == 0 {
		// No room before the horizon: the next slot opens at first-horizon.
		r.notBefore = first.Add(-horizon).Add(-offset)
		return
	}
	for i := range n {
		r.slots = append(r.slots, first.Add(time.Duration(i)*interval).Add(-offset))
	}
	r.interval = interval
}

// giveBack returns a slot that was claimed but will not be waited for: the
// next call may take it (at its time, or now if that has passed).
func (r *reservoir) giveBack() { r.giveBackAt(time.Now()) }

func (r *reservoir) giveBackAt(at time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	early := time.Duration(r.burst-1) * r.interval
	r.slots = append([]time.Time{at.Add(early)}, r.slots...)
}

// batchFor is about window's worth of rate, between 1 and maxBatch.
func batchFor(rate float64, window time.Duration) int {
	return min(maxBatch, max(1, int(rate*window.Seconds())))
}

// reserveScript is a GCRA that hands out slots: KEYS[1] holds the fleet's
// next free slot (the theoretical arrival time, µs on Redis's clock). ARGV:
// interval µs, slots wanted, horizon µs (how far ahead of now the fleet may
// reserve). It returns {slots granted, first slot, now}, all in µs on
// Redis's clock; 0 granted means none before the horizon (the caller waits
// until first − horizon). Absolute times let every worker place its slots
// on the same timeline (see redisClock), which relative answers — like
// go-redis/redis_rate's RetryAfter and ResetAfter — cannot: their error is
// each worker's round trip, and two workers' slots would overlap by it.
var reserveScript = redis.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then tat = now end
local interval = tonumber(ARGV[1])
local room = math.floor((now + tonumber(ARGV[3]) - tat) / interval)
local n = math.min(tonumber(ARGV[2]), room)
if n < 1 then
  return {0, tat, now}
end
local next = tat + n * interval
redis.call('SET', KEYS[1], string.format('%.0f', next), 'PX', math.ceil((next - now) / 1000) + 1000)
return {n, tat, now}
`)

// sleep waits d or until ctx is done.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// sleepUntil waits for at, unless it is too close to be worth a timer.
func sleepUntil(ctx context.Context, at time.Time) error {
	if d := time.Until(at); d >= minSleep {
		return sleep(ctx, d)
	}
	return nil
}
