package dispatcher

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hibiken/asynq"

	"github.com/chatq/chatq/agora"
	"github.com/chatq/chatq/policy"
	"github.com/chatq/chatq/tasks"
)

// taskHandler serves every chatq task type; the per-type work is the call
// that Worker.prepare builds from the payload.
type taskHandler struct {
	w *Worker
}

var _ asynq.Handler = taskHandler{}

// run is what one handler invocation knows about its task.
type run struct {
	id, queue, typ string
	payload        []byte
	retried        int // failures so far (asynq's count)
	budget         int // retries allowed (asynq MaxRetry minus the reserved slot)
	// For observers: the enqueue time from the task's header, the latency
	// of this attempt's call, and the budget that ran out, if any.
	enqueuedAt  time.Time
	callLatency time.Duration
	exhausted   string
	// deadline is the task's tasks.HeaderExpiresAt (zero: none);
	// deadlineErr a malformed header (see expiry.go).
	deadline    time.Time
	deadlineErr error
}

func newRun(ctx context.Context, t *asynq.Task) run {
	r := run{typ: t.Type(), payload: t.Payload()}
	r.id, _ = asynq.GetTaskID(ctx)
	r.queue, _ = asynq.GetQueueName(ctx)
	r.retried, _ = asynq.GetRetryCount(ctx)
	maxRetry, _ := asynq.GetMaxRetry(ctx)
	r.budget = max(maxRetry-1, 0)
	r.enqueuedAt, _ = tasks.EnqueuedAt(t)
	r.deadline, _, r.deadlineErr = tasks.Deadline(t.Headers())
	return r
}

// ProcessTask implements asynq.Handler.
func (h taskHandler) ProcessTask(ctx context.Context, t *asynq.Task) error {
	r := newRun(ctx, t)
	if h.w.alreadyDelivered(ctx, r) {
		return nil
	}
	if stop, err := h.w.expired(ctx, r); stop {
		return err
	}
	c, err := h.w.prepare(r.typ, r.payload)
	if err != nil {
		return h.w.deadLetter(ctx, r, refused(err))
	}
	return h.w.execute(ctx, r, c)
}

// execute makes the call, refreshing the token once when the policy says so.
func (w *Worker) execute(ctx context.Context, r run, c call) error {
	refreshed := false
	for {
		start := time.Now()
		tok, err := w.tokens.Token(ctx)
		var items []itemFailure
		if err == nil {
			permit, terr := w.acquire(ctx, r)
			if terr != nil {
				return w.throttled(r, policy.Failure{}, terr)
			}
			items, err = c(ctx, tok)
			if perr := w.report(ctx, permit, err); perr != nil {
				return w.throttled(r, failureOf(err, r.typ), perr)
			}
		}
		r.callLatency = time.Since(start)
		if err == nil {
			w.creds.accept()
			return w.settleItems(ctx, r, items)
		}
		if ctx.Err() != nil {
			// Shutting down or out of time: asynq puts the task back.
			return fmt.Errorf("%s: %w", r.typ, ctx.Err())
		}
		f := failureOf(err, r.typ)
		if errors.Is(err, agora.ErrInvalidInput) {
			return w.deadLetter(ctx, r, verdict{failure: f, reason: "request refused before sending: " + err.Error(),
				decision: policy.Decision{Action: policy.ActionDeadLetter, Rule: invalidRequestRule}})
		}
		d := w.policy.Decide(f, r.retried)
		if d.Action == policy.ActionRefresh {
			if !refreshed {
				w.logDecision(r, f, d)
				w.tokens.Invalidate(tok)
				refreshed = true
				continue
			}
			d = policy.Decision{Action: policy.ActionCredentials, Rule: freshTokenRefusedRule,
				Reason: freshTokenRefusedRule.Reason + " (" + d.Reason + ")"}
		}
		return w.apply(ctx, r, f, d, err)
	}
}

// apply carries out a decision about a failed call.
func (w *Worker) apply(ctx context.Context, r run, f policy.Failure, d policy.Decision, cause error) error {
	switch d.Action {
	case policy.ActionDone:
		w.logDecision(r, f, d)
		w.done(ctx, r, OutcomeDone)
		return nil
	case policy.ActionRetry, policy.ActionRefresh:
		return w.retry(ctx, r, f, d, cause)
	case policy.ActionDefer, policy.ActionCredentials:
		return w.deferTask(ctx, r, f, d, cause)
	default:
		return w.deadLetter(ctx, r, verdict{failure: f, decision: d, reason: d.Reason})
	}
}

func (w *Worker) retry(ctx context.Context, r run, f policy.Failure, d policy.Decision, cause error) error {
	if r.retried >= r.budget {
		r.exhausted = "retries"
		return w.deadLetter(ctx, r, verdict{failure: f, decision: d,
			reason: fmt.Sprintf("retries exhausted (%d of %d): %s", r.retried, r.budget, d.Reason)})
	}
	if stop, err := w.expiresFirst(ctx, r, f, d, false); stop {
		return err
	}
	if _, err := w.state.noteFailure(ctx, r.id, w.now(), lastDecision(f, d, w.now())); err != nil {
		w.logger.Warn("cannot record failure time", "task_id", r.id, "err", err)
	}
	w.logDecision(r, f, d)
	return &policy.DecisionError{Decision: d, Err: cause}
}

// deferTask waits out a rate limit or a credentials problem without
// spending the retry budget, within the deferral budget.
func (w *Worker) deferTask(ctx context.Context, r run, f policy.Failure, d policy.Decision, cause error) error {
	now := w.now()
	if d.Action == policy.ActionCredentials {
		w.creds.reject(now, d.Reason, w.fixFor(f))
	}
	st, err := w.state.noteDeferral(ctx, r.id, now, lastDecision(f, d, now))
	if err != nil {
		d.Delay = w.policy.BackoffDelay(policy.ClassTransient, r.retried)
		return &policy.DecisionError{Decision: d, Err: fmt.Errorf("%w (deferral not counted: %w)", cause, err)}
	}
	if st.Deferrals > w.cfg.DeferMaxAttempts || now.Sub(st.FirstFailure) > w.cfg.DeferMaxAge {
		r.exhausted = "deferrals"
		return w.deadLetter(ctx, r, verdict{failure: f, decision: d, overBudget: true,
			reason: fmt.Sprintf("deferral budget exhausted (%d deferrals over %s): %s",
				st.Deferrals-1, now.Sub(st.FirstFailure).Round(time.Millisecond), d.Reason)})
	}
	d.Delay = w.deferDelay(f, d, st.Deferrals-1)
	if stop, err := w.expiresFirst(ctx, r, f, d, true); stop {
		return err
	}
	w.logDecision(r, f, d)
	return &policy.DecisionError{Decision: d, Err: cause}
}

// deferDelay grows with the task's deferrals, not its retries; a provider
// Retry-After still wins (the policy applies it and its cap).
func (w *Worker) deferDelay(f policy.Failure, d policy.Decision, deferrals int) time.Duration {
	if again := w.policy.Decide(f, deferrals); again.Action == d.Action && again.Delay > 0 {
		return again.Delay
	}
	class := d.Rule.Class
	if class == "" {
		class = policy.ClassTransient
	}
	return w.policy.BackoffDelay(class, deferrals)
}

func (w *Worker) fixFor(f policy.Failure) string {
	if f.Code == "organization_application_not_found" {
		return "check " + w.cfg.AppKeyVar + " (org#app) and the API URL"
	}
	return "check " + w.cfg.CredentialsVars
}

// done finishes a task whose goal state holds; its delivered marker and
// the removal of its failure state are batched (finisher.go).
func (w *Worker) done(ctx context.Context, r run, outcome Outcome) {
	if w.finished != nil {
		w.finished(r.id)
	}
	w.finisher.note(r, outcome)
}
