package throttle

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/go-redis/redis_rate/v10"
)

// maxBatch bounds one reservation, so a worker never hoards a second's
// worth of a high limit.
const maxBatch = 100

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
	gcra   *redis_rate.Limiter
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
			if at.After(deadline) {
				r.giveBackAt(at)
				return at.Sub(now), nil
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

// lateness is how late a slot may still be used: Burst intervals (at
// least a tenth of the batch window, so that a very high limit's slots,
// microseconds apart, are not all stale by the time they are claimed).
// r.mu held.
func (r *reservoir) lateness() time.Duration {
	return max(time.Duration(r.burst)*r.interval, r.window/10)
}

// reserve asks Redis for a batch of slots. On a Redis error it fails open
// at the local share of the rate: one slot now, the next reservation 1/rate
// later.
func (r *reservoir) reserve(ctx context.Context) {
	rate := r.rate(time.Now())
	batch := batchFor(rate, r.window)
	limit := gcraLimit(rate, batch)
	res, err := r.gcra.AllowN(ctx, r.key, limit, batch)
	now := time.Now()
	interval := limit.Period / time.Duration(limit.Rate)
	r.mu.Lock()
	defer r.mu.Unlock()
	switch {
	case err != nil && ctx.Err() != nil:
		return
	case err != nil:
		if !errors.Is(err, context.Canceled) {
			r.onErr(err)
		}
		r.slots = append(r.slots, now)
		r.notBefore = now.Add(interval)
	case res.Allowed > 0:
		// The reservation moved the fleet's arrival time from end-n·T to
		// end, where end is ResetAfter from Redis's now.
		end := now.Add(res.ResetAfter)
		for i := res.Allowed; i > 0; i-- {
			r.slots = append(r.slots, end.Add(-time.Duration(i)*interval))
		}
		r.interval = interval
	default:
		r.notBefore = now.Add(max(res.RetryAfter, time.Millisecond))
	}
}

// giveBack returns the slot of a call that will not be made (a pause began
// while it waited): the next call may take it now.
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

// gcraLimit expresses rate (calls/s, fractional) in redis_rate's integer
// form with a 0.01/s resolution. Its burst is how far ahead of now the
// fleet may reserve (two batches), not a burst of calls: the slots of a
// reservation are spread over the intervals they cover.
func gcraLimit(rate float64, batch int) redis_rate.Limit {
	return redis_rate.Limit{Rate: max(1, int(rate*100)), Period: 100 * time.Second, Burst: 2 * batch}
}

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
