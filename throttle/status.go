package throttle

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// FamilyStatus is one family's state, for chatq status, logs, readiness
// and metrics.
type FamilyStatus struct {
	Family Family `json:"family"`
	// Limit is the configured calls/s (0 = none); Rate the effective one
	// after 429s lowered it.
	Limit float64 `json:"limit"`
	Rate  float64 `json:"rate"`
	// PausedUntil is the end of the current pause (zero or past = none).
	PausedUntil time.Time    `json:"paused_until,omitzero"`
	Breaker     BreakerState `json:"breaker"`
	// Failures is the current run of 5xx answers and network errors.
	Failures  int       `json:"failures"`
	OpenedAt  time.Time `json:"opened_at,omitzero"`
	NextProbe time.Time `json:"next_probe,omitzero"`
	// Pauses and Opens count pauses started and breaker openings (since the
	// family's state was created; it expires after a day idle).
	Pauses int64 `json:"pauses"`
	Opens  int64 `json:"opens"`
	// CallsPerSecond is the fleet's call rate over the last five whole
	// seconds (ReadStatus only).
	CallsPerSecond float64 `json:"calls_per_second"`
}

// Paused reports whether the family is paused at now.
func (s FamilyStatus) Paused(now time.Time) bool { return now.Before(s.PausedUntil) }

func (c Config) status(f Family, s shared, now time.Time) FamilyStatus {
	st := FamilyStatus{Family: f, Limit: c.Limits[f], Rate: s.effective(c.Limits[f], c.Recovery, now),
		PausedUntil: s.pausedUntil, Breaker: s.breaker, Failures: s.fails, Pauses: s.pauses, Opens: s.opens}
	if s.breaker != Closed {
		st.OpenedAt, st.NextProbe = s.openedAt, s.nextProbe
	}
	return st
}

// Snapshot returns this worker's cached view of every family (at most
// Config.Refresh old), without a Redis call.
func (t *Throttle) Snapshot() []FamilyStatus {
	now := t.cfg.Now()
	out := make([]FamilyStatus, 0, len(Families))
	for _, f := range Families {
		out = append(out, t.cfg.status(f, t.lanes[f].view(), now))
	}
	return out
}

// Check reports, for readiness, the families whose breaker is not closed;
// nil when all are closed.
func (t *Throttle) Check(context.Context) error {
	var open []string
	for _, s := range t.Snapshot() {
		if s.Breaker != Closed {
			open = append(open, fmt.Sprintf("%s %s since %s", s.Family, s.Breaker, s.OpenedAt.UTC().Format(time.RFC3339)))
		}
	}
	if len(open) == 0 {
		return nil
	}
	return errors.New("circuit breaker: " + strings.Join(open, "; "))
}

// ReadStatus reads every family's state from Redis, with the fleet's call
// rate over the last five whole seconds. cfg supplies the configured
// limits (defaults applied here).
func ReadStatus(ctx context.Context, rdb redis.UniversalClient, cfg Config) ([]FamilyStatus, error) {
	cfg = cfg.withDefaults()
	now := cfg.Now()
	const window = 5
	states := make([]*redis.MapStringStringCmd, len(Families))
	calls := make([][]*redis.StringCmd, len(Families))
	_, err := rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, f := range Families {
			states[i] = p.HGetAll(ctx, stateKey(f))
			for s := int64(1); s <= window; s++ {
				calls[i] = append(calls[i], p.Get(ctx, callsKey(f, now.Unix()-s)))
			}
		}
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("throttle: read status: %w", err)
	}
	out := make([]FamilyStatus, len(Families))
	for i, f := range Families {
		out[i] = cfg.status(f, parseShared(states[i].Val()), now)
		var n int64
		for _, c := range calls[i] {
			v, _ := c.Int64()
			n += v
		}
		out[i].CallsPerSecond = float64(n) / window
	}
	return out, nil
}
