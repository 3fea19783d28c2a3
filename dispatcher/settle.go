package dispatcher

import (
	"context"
	"errors"
	"log/slog"

	"github.com/chatq/chatq/policy"
)

var errPartialBatch = errors.New("provider applied only part of the batch")

// settleItems finishes a call the provider answered with 200. Items it did
// not apply are decided one by one through the policy (settle.go's batch,
// split.go):
//   - every item applied or done: the task is delivered (done when the
//     provider applied none of them);
//   - the provider applied none, and the rest all wait for another attempt:
//     the whole task takes the first item's decision (re-running done items
//     is safe, they come back as done);
//   - the provider applied none, and the rest must all be dead-lettered for
//     one reason: the task itself is, naming them;
//   - otherwise the batch is split: the items to try again become one new
//     task, each group of items to dead-letter its own record, and the task
//     ends (see split). Nothing is reported delivered that was not.
func (w *Worker) settleItems(ctx context.Context, r run, items []itemFailure) error {
	b := w.sortItems(r, items)
	// Decoding the payload again is only needed when some item was not
	// applied: a plain delivery must not pay for it.
	applied := len(items) == 0 || w.batchSize(r.typ, r.payload) > len(items)
	switch {
	case len(b.again) == 0 && len(b.dead) == 0:
		outcome := OutcomeDelivered
		if len(items) > 0 && !applied {
			outcome = OutcomeDone
		}
		w.observe(r, policy.Failure{}, "", outcome)
		w.logger.Debug(string(outcome), slog.String("task_id", r.id), slog.String("type", r.typ), slog.Int("attempt", r.retried+1))
		w.done(ctx, r, outcome)
		return nil
	case !applied && len(b.dead) == 0:
		return w.apply(ctx, r, b.again[0].Failure, b.decisions[0], errPartialBatch)
	case !applied && len(b.again) == 0 && len(b.dead) == 1:
		v := b.dead[0].v
		v.items = b.dead[0].items
		return w.deadLetter(ctx, r, v)
	}
	return w.split(ctx, r, b, applied)
}
