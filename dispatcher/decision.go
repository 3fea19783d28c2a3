package dispatcher

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/chatq/chatq/agora"
	"github.com/chatq/chatq/policy"
)

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
	return &DecisionError{Decision: d, Err: cause}
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
		return &DecisionError{Decision: d, Err: fmt.Errorf("%w (deferral not counted: %w)", cause, err)}
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
	return &DecisionError{Decision: d, Err: cause}
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
// the removal of its failure state are batched (the finisher, state.go).
func (w *Worker) done(ctx context.Context, r run, outcome Outcome) {
	r.noteDone()
	if w.finished != nil {
		w.finished(r.id)
	}
	w.finisher.note(r, outcome, resultOf(ctx))
}

// DecisionError carries a policy.Decision from the handler back to the
// asynq seams (IsFailure, RetryDelay) through the error chain. The handler
// returns it as *DecisionError, possibly wrapped. It lives here, not in
// policy, because it exists only for asynq: policy stays pure.
type DecisionError struct {
	Decision policy.Decision
	Err      error
}

// Error formats as "<action>: <reason>: <err>".
func (e *DecisionError) Error() string {
	s := e.Decision.Action.String() + ": " + e.Decision.Reason
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns the underlying error.
func (e *DecisionError) Unwrap() error { return e.Err }

// IsFailure is the worker's asynq.Config.IsFailure: whether err counts
// against the task's retry budget. It is false when the chain holds a
// *DecisionError whose action is defer or credentials (and for a nil err);
// true otherwise, including errors that carry no decision.
func IsFailure(err error) bool {
	if err == nil {
		return false
	}
	var de *DecisionError
	if errors.As(err, &de) {
		return de.Decision.Action != policy.ActionDefer && de.Decision.Action != policy.ActionCredentials
	}
	return true
}

// RetryDelay returns the Delay of the *DecisionError in err's chain, else
// fallback; the worker's asynq.Config.RetryDelayFunc is built on it.
func RetryDelay(err error, fallback time.Duration) time.Duration {
	var de *DecisionError
	if errors.As(err, &de) {
		return de.Decision.Delay
	}
	return fallback
}

// failureOf turns what the REST client reported into the policy's input.
// The client reports; only the policy decides.
func failureOf(err error, taskType string) policy.Failure {
	f := policy.Failure{TaskType: taskType}
	var tokErr *agora.TokenError
	if errors.As(err, &tokErr) {
		f.Token = true
	}
	var apiErr *agora.APIError
	var netErr *agora.NetworkError
	var refused *agora.RefusedError
	switch {
	case errors.As(err, &apiErr):
		f.Status = apiErr.Status
		f.Code = apiErr.Code
		f.Message = apiErr.Description
		f.ErrorCode = apiErr.ErrorCode
		f.RetryAfter = apiErr.RetryAfter
	case errors.As(err, &refused):
		// A 200 that says no: decided by the 200 rows for its code.
		f.Status = http.StatusOK
		f.Code = refused.Code
		f.Message = refused.Description
	case errors.As(err, &netErr):
		f.Network = true
	default:
		// Anything else (a bug, an unexpected transport error) is treated
		// like a network error: retried within the budget, never lost.
		f.Network = true
	}
	return f
}

// itemFailure is one member of a batch the provider did not apply.
type itemFailure struct {
	Item    string
	Failure policy.Failure
}

// Decisions the dispatcher makes itself, outside the provider's table. They
// have rule names so logs and dead letters say which case applied.
var (
	invalidPayloadRule = policy.Rule{
		Name:   "invalid-payload",
		Action: policy.ActionDeadLetter,
		Reason: "invalid payload",
		Doc:    "chatq: the payload does not decode or validate as its task type",
	}
	payloadTooLargeRule = policy.Rule{
		Name:   "payload-too-large",
		Action: policy.ActionDeadLetter,
		Reason: "payload too large",
		Doc:    "chatq: the payload is over Config.MaxPayloadBytes; it is not decoded",
	}
	unknownTypeRule = policy.Rule{
		Name:   "unknown-type",
		Action: policy.ActionDeadLetter,
		Reason: "unknown task type",
		Doc:    "chatq: no handler for this task type",
	}
	invalidRequestRule = policy.Rule{
		Name:   "invalid-request",
		Action: policy.ActionDeadLetter,
		Reason: "request refused before sending",
		Doc:    "chatq: the REST client cannot build a valid request from the payload",
	}
	freshTokenRefusedRule = policy.Rule{
		Name:   "fresh-token-refused",
		Action: policy.ActionCredentials,
		Reason: "a freshly fetched token was refused",
		Doc:    "chatq: 401 right after a token refresh means the credentials are rejected",
	}
)
