package dispatcher

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/hibiken/asynq"

	"github.com/chatq/chatq/ordering"
	"github.com/chatq/chatq/policy"
)

// orderOutcome is how an ordered run ended, as the handler's paths record
// it (done, deadLetter) for processOrdered, which settles the key once the
// run is over.
type orderOutcome struct {
	id   string // the task's own id: a batch item's dead letter is not its end
	done bool
	dead string // the rule that dead-lettered the task
}

// settleTimeout bounds the writes that end a head's turn.
const settleTimeout = 5 * time.Second

// settledRule finishes a re-run of an ordered task that its key no longer
// holds: an earlier run settled it and crashed before asynq heard of it.
var settledRule = policy.Rule{
	Name:   "order-settled",
	Action: policy.ActionDone,
	Reason: "settled in its order key by an earlier run whose completion asynq lost",
	Doc:    "chatq: the task is no longer in its order key ({chatq}:ord:q:<key>)",
}

// processOrdered runs a task of an order key: only its key's head may
// call the provider (ordering). A first attempt is the head by
// construction — only heads are enqueued in asynq — so only re-runs pay
// a Redis read to check.
func (w *Worker) processOrdered(ctx context.Context, r run) error {
	if r.retried > 0 {
		st, err := w.order.StandingOf(ctx, r.orderKey, r.id)
		if err != nil {
			d := policy.Decision{Action: policy.ActionDefer, Reason: "order key unreadable",
				Delay: w.policy.BackoffDelay(policy.ClassTransient, r.retried)}
			return &DecisionError{Decision: d, Err: err}
		}
		switch st {
		case ordering.Settled:
			w.logger.Info("already settled in its order key", slog.String("task_id", r.id), slog.String("type", r.typ),
				slog.String("order_key", r.orderKey), slog.String("rule", settledRule.Name))
			w.observe(r, policy.Failure{}, settledRule.Name, OutcomeDone)
			return nil
		case ordering.Waiting:
			// Run out of turn (from asynqmon): asynq forgets it, and its
			// key enqueues it again when it is the head.
			w.logger.Warn("ordered task run before its turn; revoked until it is its key's head",
				slog.String("task_id", r.id), slog.String("order_key", r.orderKey))
			return fmt.Errorf("ordered task %s not at the head of its key: %w", r.id, asynq.RevokeTask)
		}
	}
	out := &orderOutcome{id: r.id}
	r.order = out
	err := w.process(ctx, r)
	w.settleOrdered(ctx, r, out)
	return err
}

// settleOrdered ends the head's turn when the run ended it: delivered or
// done, expired, or dead-lettered with the mode "skip"; "block" keeps the
// key waiting for the dead letter. A retry or a deferral keeps the turn. A
// failed write is only logged: the task has ended in asynq (completed,
// retained, or archived), and the Sweeper settles such heads.
func (w *Worker) settleOrdered(ctx context.Context, r run, out *orderOutcome) {
	// The run's context may be ending (a shutdown); its end must still be
	// written, or the key waits for the sweeper.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), settleTimeout)
	defer cancel()
	var err error
	switch {
	case out.done, out.dead == expiredRule.Name, out.dead != "" && w.cfg.OrderOnDeadLetter == ordering.OnDeadLetterSkip:
		_, err = w.order.Settle(ctx, r.orderKey, r.id)
	case out.dead != "":
		_, err = w.order.Block(ctx, r.orderKey, r.id)
		w.logger.Warn("order key blocked by its dead-lettered head until the dead letter is replayed or deleted",
			slog.String("task_id", r.id), slog.String("order_key", r.orderKey))
	}
	if err != nil {
		w.logger.Warn("cannot settle the order key; the order sweeper will", slog.String("task_id", r.id),
			slog.String("order_key", r.orderKey), slog.Any("err", err))
	}
}

// noteDone records, for an ordered run, that the task ended well.
func (r run) noteDone() {
	if r.order != nil && r.order.id == r.id {
		r.order.done = true
	}
}

// noteDead records, for an ordered run, that the task was dead-lettered.
func (r run) noteDead(rule string) {
	if r.order != nil && r.order.id == r.id {
		r.order.dead = rule
	}
}
