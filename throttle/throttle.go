package throttle

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

// Throttle gates provider calls for one worker process; all its state that
// matters to other workers lives in Redis. It is safe for concurrent use.
type Throttle struct {
	cfg   Config
	rdb   redis.UniversalClient
	lanes map[Family]*lane
	total *reservoir // nil without Config.Total

	refreshMu   sync.Mutex
	refreshing  chan struct{} // closed when the refresh in flight ends
	lastRefresh atomic.Int64  // unix nanoseconds, real clock
	errMu       sync.Mutex
	lastErrLog  time.Time
}

// lane is one family in one worker.
type lane struct {
	family Family
	limit  float64
	res    *reservoir // nil when the family has no limit
	calls  atomic.Int64

	mu    sync.Mutex
	seen  shared
	dirty bool // this worker reported a failure the breaker has not seen cleared
}

// New returns a Throttle on rdb for cfg after applying defaults. Errors name
// the Config field.
func New(rdb redis.UniversalClient, cfg Config) (*Throttle, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, fmt.Errorf("throttle: config: %w", err)
	}
	if rdb == nil {
		return nil, fmt.Errorf("throttle: a Redis client is required")
	}
	t := &Throttle{cfg: cfg, rdb: rdb, lanes: map[Family]*lane{}}
	clock := &redisClock{}
	for _, f := range Families {
		l := &lane{family: f, limit: cfg.Limits[f], seen: shared{breaker: Closed}}
		if l.limit > 0 {
			l.res = t.newReservoir(clock, gcraKey(f), func(now time.Time) float64 {
				return l.view().effective(l.limit, cfg.Recovery, now)
			})
		}
		t.lanes[f] = l
	}
	if cfg.Total > 0 {
		t.total = t.newReservoir(clock, totalGCRAKey, func(time.Time) float64 { return cfg.Total })
	}
	return t, nil
}

func (t *Throttle) newReservoir(clock *redisClock, key string, rate func(time.Time) float64) *reservoir {
	return &reservoir{key: key, rdb: t.rdb, clock: clock, rate: rate, window: t.cfg.BatchWindow, burst: t.cfg.Burst,
		onErr: func(err error) { t.logRedisError("rate limiter", err) }}
}

// Permit is the permission for one call. Report its outcome with Done.
type Permit struct {
	t     *Throttle
	lane  *lane
	probe bool
}

// Probe reports whether this call is the breaker's probe.
func (p *Permit) Probe() bool { return p != nil && p.probe }

// Acquire returns a Permit for one call to family f, waiting up to
// Config.MaxWait for a token or for a pause to end. Otherwise it returns a
// *DeferError saying when to try again, or ctx's error. A family Throttle
// does not know gets a Permit at once.
func (t *Throttle) Acquire(ctx context.Context, f Family) (*Permit, error) {
	l := t.lanes[f]
	if l == nil {
		return &Permit{}, nil
	}
	for try := 0; ; try++ {
		t.maybeRefresh(ctx)
		probe, err := t.gate(ctx, l)
		if err != nil {
			return nil, err
		}
		if err := t.takeTokens(ctx, l); err != nil {
			return nil, err
		}
		// A pause may have begun while this call waited for its slot (up
		// to MaxWait): then it must not go out either. Its slot is not
		// given back: every waiter would hand one back at the same moment,
		// and the calls after the pause would leave in a burst.
		t.maybeRefresh(ctx)
		if probe || try == 2 || !t.cfg.Now().Before(l.view().pausedUntil) {
			return &Permit{t: t, lane: l, probe: probe}, nil
		}
	}
}

// gate waits out a short pause and applies the breaker. probe is true when
// this call is the breaker's probe.
func (t *Throttle) gate(ctx context.Context, l *lane) (probe bool, err error) {
	waited := false
	for {
		s, now := l.view(), t.cfg.Now()
		if now.Before(s.pausedUntil) && !waited {
			left := s.pausedUntil.Sub(now)
			if left > t.cfg.MaxWait {
				return false, t.deferErr(l.family, ReasonPaused, left+t.jitter(t.cfg.MaxWait))
			}
			if err := sleep(ctx, left); err != nil {
				return false, err
			}
			waited = true
			continue
		}
		if s.breaker == Closed {
			return false, nil
		}
		if now.Before(s.nextProbe) {
			return false, t.deferErr(l.family, ReasonOpen, t.openDelay(s, now))
		}
		granted, err := t.claimProbe(ctx, l, now)
		if err != nil || granted {
			return granted, nil // on a Redis error, fail open
		}
	}
}

// openDelay spreads deferred tasks over a window that grows with the
// outage (up to 30s), so a long outage does not churn the queue.
func (t *Throttle) openDelay(s shared, now time.Time) time.Duration {
	base := max(s.nextProbe.Sub(now), t.cfg.ProbeInterval)
	spread := min(max(now.Sub(s.openedAt), t.cfg.ProbeInterval), 30*time.Second)
	return base + t.jitter(spread)
}

// takeTokens takes a token of the family and, with a total cap, one of the
// total; a family token that cannot be used is given back.
func (t *Throttle) takeTokens(ctx context.Context, l *lane) error {
	if l.res != nil {
		if err := t.takeFrom(ctx, l.res, l.family); err != nil {
			return err
		}
	}
	if t.total != nil {
		if err := t.takeFrom(ctx, t.total, l.family); err != nil {
			if l.res != nil {
				l.res.giveBack() // the family token is still good for the next call
			}
			return err
		}
	}
	return nil
}

func (t *Throttle) takeFrom(ctx context.Context, r *reservoir, f Family) error {
	wait, err := r.take(ctx, t.cfg.MaxWait)
	if err != nil {
		return err
	}
	if wait > 0 {
		return t.deferErr(f, ReasonRateLimit, max(wait, t.cfg.MaxWait)+t.jitter(t.cfg.MaxWait))
	}
	return nil
}

func (t *Throttle) deferErr(f Family, reason string, d time.Duration) error {
	return &DeferError{Family: f, Reason: reason, Delay: d}
}

func (t *Throttle) jitter(d time.Duration) time.Duration {
	r := rand.Float64
	if t.cfg.Rand != nil {
		r = t.cfg.Rand
	}
	return time.Duration(r() * float64(d))
}

// view returns the cached shared state.
func (l *lane) view() shared {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.seen
}

func (l *lane) store(s shared) {
	l.mu.Lock()
	l.seen = s
	l.mu.Unlock()
}
