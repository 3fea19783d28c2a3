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
// slot be used up to Burst-1 intervals late; a slot later than that is
// dropped rather than used next to the following one.
//
// Callers get slots first come, first served: a caller that finds none
// queues, and one fetch loop per reservoir reserves as many slots as
// callers wait (at least a batch window's worth, at most two batches ahead
// of the fleet's time) and hands them out in arrival order. Before, callers
// raced for each small batch, and an unlucky one waited past MaxWait and
// was deferred: a deferred task then trails a backlog by seconds.
type reservoir struct {
	key    string
	rdb    redis.UniversalClient
	clock  *redisClock
	rate   func(now time.Time) float64 // the limit in force; <= 0 = none
	window time.Duration
	burst  int
	onErr  func(error)

	mu        sync.Mutex
	queue     []*waiter     // callers without a slot, in arrival order
	fetching  bool          // the fetch loop runs
	round     chan struct{} // closed when the next reservation has been served
	slots     []time.Time   // reserved and unused, ascending
	interval  time.Duration // spacing of the last reservation's slots
	notBefore time.Time     // Redis said no reservation before then
}

// waiter is a caller queued for a slot.
type waiter struct {
	slot chan time.Time // receives the slot (buffered)
	gone bool           // left the queue (deadline, context); r.mu
}

// fetchTimeout bounds one reservation call of the fetch loop, which runs
// for no caller in particular.
const fetchTimeout = 5 * time.Second

// take claims one slot and waits for it, waiting maxWait at most. It
// returns 0 when the call may go, else how long from now a slot would take
// (> 0), or the context's error. It runs on the real clock, as the GCRA
// runs on Redis's.
func (r *reservoir) take(ctx context.Context, maxWait time.Duration) (time.Duration, error) {
	deadline := time.Now().Add(maxWait)
	for {
		at, err := r.next(ctx, deadline)
		if err != nil {
			return 0, err
		}
		now := time.Now()
		if at.IsZero() {
			return maxWait, nil // still queued at the deadline
		}
		// deadline bounds the wait still to come: a slot already due is
		// taken even when the wait for it ran past the deadline.
		if at.After(now) && at.After(deadline) {
			r.giveBackAt(at)
			return at.Sub(now), nil
		}
		r.mu.Lock()
		dense, late := r.interval < lateSlack, r.lateness()
		r.mu.Unlock()
		if dense {
			// Above 1,000 calls/s slots are closer than a timer can keep:
			// the GCRA still bounds the calls per batch window, and
			// waiting for a slot microseconds away would cost every call
			// a timer.
			return 0, nil
		}
		if err := sleepUntil(ctx, at); err != nil {
			return 0, err
		}
		// A process that stalls (GC, a busy machine) wakes every sleeper
		// at once: a slot overslept is dropped like one nobody claimed,
		// rather than sent in a burst.
		if time.Since(at) <= late {
			return 0, nil
		}
	}
}

// next returns the next slot for this caller, in arrival order: at once
// when one is free and nobody is queued, else when the fetch loop hands it
// one. A zero time means the deadline came first.
func (r *reservoir) next(ctx context.Context, deadline time.Time) (time.Time, error) {
	if err := ctx.Err(); err != nil {
		return time.Time{}, err
	}
	r.mu.Lock()
	if len(r.queue) == 0 {
		if at, ok := r.claim(time.Now()); ok {
			r.mu.Unlock()
			return at, nil
		}
	}
	w := &waiter{slot: make(chan time.Time, 1)}
	r.queue = append(r.queue, w)
	if r.round == nil {
		r.round = make(chan struct{})
	}
	round := r.round
	if !r.fetching {
		r.fetching = true
		go r.fetch()
	}
	r.mu.Unlock()
	timer := time.NewTimer(time.Until(deadline))
	defer timer.Stop()
	var err error
	select {
	case at := <-w.slot:
		return at, nil
	case <-timer.C:
		// MaxWait bounds the wait for the rate, not for Redis or the
		// scheduler: at least one reservation after this caller queued
		// is waited for.
		select {
		case at := <-w.slot:
			return at, nil
		case <-round:
		case <-ctx.Done():
			err = ctx.Err()
		}
	case <-ctx.Done():
		err = ctx.Err()
	}
	r.mu.Lock()
	w.gone = true
	r.mu.Unlock()
	select {
	case at := <-w.slot: // handed over as we left: the next caller's
		r.giveBackAt(at)
	default:
	}
	return time.Time{}, err
}

// fetch reserves slots while callers are queued and hands them out in
// arrival order; it ends when the queue is empty.
func (r *reservoir) fetch() {
	for {
		r.mu.Lock()
		live := r.serve(time.Now())
		if live == 0 {
			r.queue, r.fetching = nil, false
			r.mu.Unlock()
			return
		}
		if wait := time.Until(r.notBefore); wait > 0 {
			r.mu.Unlock()
			time.Sleep(wait) // the fleet's time is ahead: Redis said when
			continue
		}
		r.mu.Unlock()
		ctx, cancel := context.WithTimeout(context.Background(), fetchTimeout)
		r.reserve(ctx, live)
		cancel()
		r.mu.Lock()
		r.serve(time.Now())
		if r.round != nil {
			close(r.round)
			r.round = nil
		}
		r.mu.Unlock()
	}
}

// serve hands free slots to the queued callers in order and returns how
// many are still waiting. r.mu held.
func (r *reservoir) serve(now time.Time) int {
	for len(r.queue) > 0 {
		w := r.queue[0]
		if w.gone {
			r.queue = r.queue[1:]
			continue
		}
		at, ok := r.claim(now)
		if !ok {
			break
		}
		w.slot <- at
		r.queue = r.queue[1:]
	}
	live := 0
	for _, w := range r.queue {
		if !w.gone {
			live++
		}
	}
	return live
}

// claim takes the earliest slot not too stale to use. r.mu held.
func (r *reservoir) claim(now time.Time) (time.Time, bool) {
	late := r.lateness()
	for len(r.slots) > 0 {
		at := r.slots[0]
		r.slots = r.slots[1:]
		if now.Sub(at) <= late {
			return at, true
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

// reserve asks Redis for slots: want (the callers waiting), at least a
// batch window's worth, at most maxBatch, none further ahead of the fleet's
// time than two batch windows' worth. On a Redis error it fails open at the
// local share of the rate: one slot now, the next reservation 1/rate later.
func (r *reservoir) reserve(ctx context.Context, want int) {
	rate := r.rate(time.Now())
	batch := batchFor(rate, r.window)
	interval := time.Duration(float64(time.Second) / rate)
	horizon := 2 * time.Duration(batch) * interval
	batch = min(max(batch, want), maxBatch)
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
	r.slots = append([]time.Time{at}, r.slots...)
	r.serve(time.Now())
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
