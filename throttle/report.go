package throttle

import (
	"context"
	"log/slog"
	"time"
)

// Outcome is what became of a call, as Permit.Done needs it.
type Outcome struct {
	// Status is the HTTP status; 0 with Network for no answer, 0 alone for
	// a success.
	Status int
	// Code is the provider's error code ("reach_limit", "resource_limited").
	Code string
	// Network is true when no HTTP answer came (connection error, timeout).
	Network bool
	// RetryAfter is the provider's Retry-After, 0 when absent.
	RetryAfter time.Duration
	// Canceled is true when the caller gave up (shutdown): nothing is learnt.
	Canceled bool
}

// Done reports the outcome of the call. A success costs no Redis call
// unless the breaker needs to hear of it; a 429 starts a fleet-wide pause;
// a 5xx or network error counts towards opening the breaker.
//
// A probe that fails (5xx or no answer) returns a *DeferError: the failure
// is the breaker's evidence that the provider is still down, not the
// task's, so the caller defers the task as it would have had another task
// probed, spending neither its retry nor its deferral budget. Otherwise a
// long outage with a short backlog would make every task a probe often
// enough to exhaust its budget. Done returns nil in every other case.
func (p *Permit) Done(ctx context.Context, o Outcome) *DeferError {
	if p == nil || p.lane == nil || o.Canceled {
		return nil
	}
	t, l := p.t, p.lane
	l.calls.Add(1)
	switch {
	case o.Network || o.Status >= 500:
		t.reportBreaker(ctx, l, false)
		if p.probe {
			s, now := l.view(), t.cfg.Now()
			return &DeferError{Family: l.family, Reason: ReasonProbeFailed, Delay: t.openDelay(s, now)}
		}
	case o.Status == 429 && o.Code != "resource_limited":
		t.reportAnswer(ctx, l, p.probe)
		t.report429(ctx, l, o.RetryAfter)
	default:
		t.reportAnswer(ctx, l, p.probe)
	}
	return nil
}

// reportAnswer tells the breaker the provider answered, when it needs to
// know: after failures, while not closed, or for a probe.
func (t *Throttle) reportAnswer(ctx context.Context, l *lane, probe bool) {
	l.mu.Lock()
	need := probe || l.dirty || l.seen.fails > 0 || l.seen.breaker != Closed
	l.dirty = false
	l.mu.Unlock()
	if need {
		t.reportBreaker(ctx, l, true)
	}
}

func (t *Throttle) reportBreaker(ctx context.Context, l *lane, ok bool) {
	okArg := "0"
	if ok {
		okArg = "1"
	} else {
		l.mu.Lock()
		l.dirty = true
		l.mu.Unlock()
	}
	now := t.cfg.Now()
	v, err := breakerScript.Run(ctx, t.rdb, []string{stateKey(l.family)},
		now.UnixMilli(), okArg, t.cfg.BreakerFailures, t.cfg.ProbeInterval.Milliseconds(), stateTTL.Milliseconds()).Result()
	if err != nil {
		t.logRedisError("breaker", err)
		return
	}
	m := pairs(v)
	s := parseShared(m)
	l.store(s)
	if m["changed"] != "1" {
		return
	}
	if s.breaker == Closed {
		t.cfg.Logger.Info("circuit closed: provider answers again", slog.String("family", string(l.family)))
	} else {
		t.cfg.Logger.Warn("circuit open: calls stop, one probe per interval",
			slog.String("family", string(l.family)), slog.Int("failures", s.fails),
			slog.Duration("probe_interval", t.cfg.ProbeInterval))
	}
}

// report429 counts a 429 of the family for every worker: a repeated one,
// or one with Retry-After, pauses the family; a repeated one lowers its rate
// (pause429Script).
func (t *Throttle) report429(ctx context.Context, l *lane, retryAfter time.Duration) {
	pause := t.cfg.Pause
	if retryAfter > 0 {
		pause = min(retryAfter, t.cfg.MaxPause)
	}
	now := t.cfg.Now()
	v, err := pause429Script.Run(ctx, t.rdb, []string{stateKey(l.family)}, now.UnixMilli(), pause.Milliseconds(),
		l.limit, t.cfg.Decrease, t.cfg.Recovery, t.cfg.MinRate, stateTTL.Milliseconds(),
		t.cfg.DecreaseWindow.Milliseconds(), retryAfter > 0).Result()
	if err != nil {
		t.logRedisError("pause", err)
		return
	}
	m := pairs(v)
	s := parseShared(m)
	l.store(s)
	switch {
	case m["decreased"] == "1":
		t.cfg.Logger.Warn("rate limited again: effective rate lowered for every worker",
			slog.String("family", string(l.family)), slog.Duration("pause", pause),
			slog.Float64("rate", s.effective(l.limit, t.cfg.Recovery, now)))
	case m["started"] == "1":
		t.cfg.Logger.Info("rate limited: family paused for every worker",
			slog.String("family", string(l.family)), slog.Duration("pause", pause))
	}
}

// claimProbe asks for this interval's probe slot.
func (t *Throttle) claimProbe(ctx context.Context, l *lane, now time.Time) (bool, error) {
	v, err := probeScript.Run(ctx, t.rdb, []string{stateKey(l.family)},
		now.UnixMilli(), t.cfg.ProbeInterval.Milliseconds()).Result()
	if err != nil {
		t.logRedisError("probe", err)
		return false, err
	}
	m := pairs(v)
	l.store(parseShared(m))
	return m["granted"] == "1", nil
}

// logRedisError logs at most one Redis error per second: the throttle
// fails open, so these mean "limits not enforced fleet-wide right now".
func (t *Throttle) logRedisError(what string, err error) {
	t.errMu.Lock()
	defer t.errMu.Unlock()
	now := t.cfg.Now()
	if now.Sub(t.lastErrLog) < time.Second {
		return
	}
	t.lastErrLog = now
	t.cfg.Logger.Error("throttle: Redis error; calls go ahead unthrottled", slog.String("part", what), slog.Any("err", err))
}
