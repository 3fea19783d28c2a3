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

// reservoir hands out tokens of one GCRA limit that lives in Redis. It
// reserves them in batches (one Redis call per batch) and keeps them for a
// short hold time; waiters share one reservation call at a time.
type reservoir struct {
	key    string
	gcra   *redis_rate.Limiter
	rate   func(now time.Time) float64 // the limit in force; <= 0 = none
	window time.Duration
	onErr  func(error)

	mu        sync.Mutex
	tokens    int
	expires   time.Time
	notBefore time.Time     // Redis said no token before then
	fetching  chan struct{} // closed when the reservation in flight ends
}

// take takes one token, waiting maxWait at most. It returns 0 when it took
// one, else how long from now a token would take (> 0), or the context's
// error. It runs on the real clock, as the GCRA runs on Redis's.
func (r *reservoir) take(ctx context.Context, maxWait time.Duration) (time.Duration, error) {
	deadline := time.Now().Add(maxWait)
	for {
		// A reservation made with a done ctx fails at once and leaves no
		// token: without this check the loop would retry it forever.
		if err := ctx.Err(); err != nil {
			return 0, err
		}
		r.mu.Lock()
		now := time.Now()
		if r.tokens > 0 && now.Before(r.expires) {
			r.tokens--
			r.mu.Unlock()
			return 0, nil
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
		r.reserve(ctx, now)
		r.mu.Lock()
		r.fetching = nil
		close(ch)
		r.mu.Unlock()
	}
}

// reserve asks Redis for a batch. On a Redis error it fails open at the
// local share of the rate: one token now, the next one 1/rate later.
func (r *reservoir) reserve(ctx context.Context, now time.Time) {
	rate := r.rate(now)
	batch := batchFor(rate, r.window)
	res, err := r.gcra.AllowN(ctx, r.key, gcraLimit(rate, batch), batch)
	r.mu.Lock()
	defer r.mu.Unlock()
	switch {
	case err != nil && ctx.Err() != nil:
		return
	case err != nil:
		if !errors.Is(err, context.Canceled) {
			r.onErr(err)
		}
		r.tokens, r.expires = 1, now.Add(time.Second)
		r.notBefore = now.Add(time.Duration(float64(time.Second) / max(rate, 1)))
	case res.Allowed > 0:
		r.tokens = res.Allowed
		r.expires = now.Add(max(100*time.Millisecond, time.Duration(2*float64(batch)/rate*float64(time.Second))))
	default:
		r.notBefore = now.Add(max(res.RetryAfter, time.Millisecond))
	}
}

// giveBack returns an unused token (the caller could not use it).
func (r *reservoir) giveBack() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if time.Now().Before(r.expires) {
		r.tokens++
	}
}

// batchFor is about window's worth of rate, between 1 and maxBatch.
func batchFor(rate float64, window time.Duration) int {
	return min(maxBatch, max(1, int(rate*window.Seconds())))
}

// gcraLimit expresses rate (calls/s, fractional) in redis_rate's integer
// form with a 0.01/s resolution. The burst of two batches lets one worker
// reserve while another spends; it is the "small burst" above the limit.
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
