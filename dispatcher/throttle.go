package dispatcher

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/chatq/chatq/agora"
	"github.com/chatq/chatq/policy"
	"github.com/chatq/chatq/throttle"
)

// Throttle gates provider calls across the fleet: rate limits, the pause
// after a 429 and circuit breakers (*throttle.Throttle is one). It is
// optional (Deps.Throttle): without one every call goes out at once and
// only the policy reacts to 429s and 5xx.
type Throttle interface {
	// Acquire returns a permit for one call to the family, or a
	// *throttle.DeferError when the call must wait longer than it may.
	Acquire(ctx context.Context, f throttle.Family) (*throttle.Permit, error)
}

var _ Throttle = (*throttle.Throttle)(nil)

// throttledRule names the deferrals the throttle asks for. They spend
// neither the retry budget nor the deferral budget: the fleet is at the
// limit or the provider is down, which is not the task's failure (see the
// throttle package). A failed breaker probe is deferred the same way: it
// is the breaker's evidence, not the task's failure; a task whose own call
// fails while the breaker is closed is decided by the policy as usual.
var throttledRule = policy.Rule{
	Name:   "throttle",
	Action: policy.ActionDefer,
	Reason: "throttled",
	Doc:    "chatq: fleet-wide rate limit, pause after a 429, or open circuit breaker",
}

// acquire asks the throttle, if any, for permission to make a call of
// family f.
func (w *Worker) acquire(ctx context.Context, f throttle.Family) (*throttle.Permit, error) {
	if w.throttle == nil {
		return nil, nil
	}
	return w.throttle.Acquire(ctx, f)
}

// throttled turns a refusal of the throttle into a deferral that counts
// against no budget; a context error lets asynq put the task back. f is
// the call's failure when the refusal follows a failed probe, else zero.
func (w *Worker) throttled(r run, f policy.Failure, err error) error {
	var de *throttle.DeferError
	if !errors.As(err, &de) {
		return fmt.Errorf("%s: %w", r.typ, err)
	}
	d := policy.Decision{Action: policy.ActionDefer, Delay: de.Delay, Rule: throttledRule,
		Reason: de.Reason + " (" + string(de.Family) + ")"}
	w.observe(r, f, throttledRule.Name, OutcomeDeferred)
	w.logger.Debug("throttled", slog.String("task_id", r.id), slog.String("type", r.typ),
		slog.String("family", string(de.Family)), slog.String("reason", de.Reason), slog.Duration("delay", de.Delay))
	return &DecisionError{Decision: d, Err: err}
}

// report tells the throttle what became of the call made under p. A
// non-nil answer means the call was a failed breaker probe: the task is
// deferred by the throttle, not decided by the policy (see Permit.Done).
func (w *Worker) report(ctx context.Context, p *throttle.Permit, err error) error {
	if p == nil {
		return nil
	}
	if de := p.Done(context.WithoutCancel(ctx), outcomeFor(ctx, err)); de != nil {
		return de
	}
	return nil
}

// unused hands back a permit whose call was never made (no token): the
// throttle counts no failure for it.
func (w *Worker) unused(ctx context.Context, p *throttle.Permit) {
	if p != nil {
		_ = p.Done(context.WithoutCancel(ctx), throttle.Outcome{Canceled: true})
	}
}

func outcomeFor(ctx context.Context, err error) throttle.Outcome {
	if err == nil {
		return throttle.Outcome{}
	}
	if ctx.Err() != nil {
		return throttle.Outcome{Canceled: true}
	}
	var apiErr *agora.APIError
	if errors.As(err, &apiErr) {
		return throttle.Outcome{Status: apiErr.Status, Code: apiErr.Code, RetryAfter: apiErr.RetryAfter}
	}
	if errors.Is(err, agora.ErrInvalidInput) {
		return throttle.Outcome{Canceled: true} // nothing was sent
	}
	return throttle.Outcome{Network: true}
}
