package dispatcher

import (
	"context"
	"errors"
	"log/slog"

	"github.com/chatq/chatq/policy"
)

var errPartialBatch = errors.New("provider applied only part of the batch")

// settleItems finishes a call the provider answered with 200. Items it did
// not apply are decided one by one: done items are fine; if any item must
// be retried or deferred, the whole task is (re-running a batch is safe:
// applied items come back as "already there", which the policy calls done);
// otherwise the items that must be dead-lettered are, by name.
func (w *Worker) settleItems(ctx context.Context, r run, items []itemFailure) error {
	var dead []string
	var deadVerdict *verdict
	for _, it := range items {
		d := w.policy.Decide(it.Failure, r.retried)
		switch d.Action {
		case policy.ActionDone:
			w.logger.Debug("batch item already done", "task_id", r.id, "item", it.Item, "rule", d.Rule.Name)
		case policy.ActionDeadLetter:
			dead = append(dead, it.Item)
			if deadVerdict == nil {
				deadVerdict = &verdict{failure: it.Failure, decision: d, reason: d.Reason}
			}
		default:
			return w.apply(ctx, r, it.Failure, d, errPartialBatch)
		}
	}
	if deadVerdict != nil {
		deadVerdict.items = dead
		return w.deadLetter(ctx, r, *deadVerdict)
	}
	w.observe(r, policy.Failure{}, "", OutcomeDelivered)
	w.logger.Debug("delivered", slog.String("task_id", r.id), slog.String("type", r.typ), slog.Int("attempt", r.retried+1))
	w.done(ctx, r)
	return nil
}
