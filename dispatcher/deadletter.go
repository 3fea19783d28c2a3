package dispatcher

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/hibiken/asynq"

	"github.com/chatq/chatq/deadletter"
	"github.com/chatq/chatq/policy"
)

// verdict is a decision to dead-letter, with what the record says.
type verdict struct {
	failure  policy.Failure
	decision policy.Decision
	reason   string
	items    []string
	// overBudget: the deferral that found the budget spent is not counted.
	overBudget bool
	// refusedPayload: the payload itself was refused (too large, invalid),
	// so the record keeps only its prefix (see keepPayload).
	refusedPayload bool
}

// deadLetter writes the record and only then lets asynq archive the task.
// If the write fails the task stays retryable (a deferral: the budget is
// not spent on chatq's own storage trouble).
func (w *Worker) deadLetter(ctx context.Context, r run, v verdict) error {
	now := w.now()
	st := w.state.load(ctx, r.id)
	if v.overBudget {
		st.Deferrals--
	}
	rec := deadletter.Record{
		TaskID: r.id, Type: r.typ, Queue: r.queue,
		Status: v.failure.Status, Code: v.failure.Code, ErrorCode: v.failure.ErrorCode, Description: v.failure.Message,
		Rule: v.decision.Rule.Name, Action: v.decision.Action.String(), Reason: v.reason,
		Items:    v.items,
		Attempts: r.retried + 1, Deferrals: st.Deferrals,
		FirstFailure: st.FirstFailure, LastFailure: now,
		Worker:   w.cfg.WorkerName,
		OrderKey: r.orderKey, OrderPosition: r.orderPos,
	}
	if rec.FirstFailure.IsZero() {
		rec.FirstFailure = now
	}
	w.keepPayload(&rec, r, v)
	if err := w.dead.Put(ctx, rec); err != nil {
		w.logger.Error("dead-letter write failed; task stays retryable",
			slog.String("task_id", r.id), slog.String("type", r.typ), slog.Any("err", err))
		d := policy.Decision{Action: policy.ActionDefer, Reason: "dead-letter write failed",
			Delay: w.policy.BackoffDelay(policy.ClassTransient, r.retried)}
		return &DecisionError{Decision: d, Err: err}
	}
	w.state.clear(ctx, r.id)
	w.archived.note(r.id, now)
	r.noteDead(rec.Rule)
	w.logger.Warn("dead-lettered", slog.String("task_id", r.id), slog.String("type", r.typ),
		slog.String("queue", r.queue), slog.Int("attempt", r.retried+1), slog.Int("status", rec.Status),
		slog.String("code", rec.Code), slog.Int("error_code", rec.ErrorCode), slog.String("rule", rec.Rule), slog.String("reason", rec.Reason))
	w.observe(r, v.failure, rec.Rule, OutcomeDeadLettered) // after its line, as for every outcome
	return fmt.Errorf("dead-lettered by rule %s: %s: %w", rec.Rule, rec.Reason, asynq.SkipRetry)
}

// payloadTooLargeError refuses a payload over Config.MaxPayloadBytes before
// it is decoded. A foreign producer's 20 MB payload used to be decoded and
// then kept whole in its dead letter; six took a worker to 543 MB (issue
// 10, item 3). asynq has read the payload already; the cap keeps chatq
// from multiplying it.
type payloadTooLargeError struct {
	size, max int
}

func (e *payloadTooLargeError) Error() string {
	return fmt.Sprintf("payload of %d bytes is over the %d-byte cap (the worker's MaxPayloadBytes); not decoded", e.size, e.max)
}

// refused is the verdict on a payload the worker will not run: too large,
// or not decoding or validating as its task type.
func refused(err error) verdict {
	var tooLarge *payloadTooLargeError
	if errors.As(err, &tooLarge) {
		return verdict{decision: policy.Decision{Action: policy.ActionDeadLetter, Rule: payloadTooLargeRule},
			reason: err.Error(), refusedPayload: true}
	}
	return verdict{decision: policy.Decision{Action: policy.ActionDeadLetter, Rule: invalidPayloadRule},
		reason: "invalid payload: " + err.Error(), refusedPayload: true}
}

// keepPayload puts the task's payload in its dead letter: whole when the
// worker could have run it, so a replay sends it again; only its first
// deadletter.PayloadPrefixBytes, with its size and SHA-256, when the
// payload itself was refused or is over the cap (such a record cannot be
// replayed, and a producer's megabytes do not fill Redis twice).
func (w *Worker) keepPayload(rec *deadletter.Record, r run, v verdict) {
	keep := len(r.payload)
	if v.refusedPayload || keep > w.cfg.MaxPayloadBytes {
		keep = deadletter.PayloadPrefixBytes
	}
	rec.SetPayloadPrefix(r.payload, keep)
}
