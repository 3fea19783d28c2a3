package dispatcher

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/hibiken/asynq"

	"github.com/chatq/chatq/ordering"
	"github.com/chatq/chatq/policy"
)

// orderOutcome is how an ordered run ended, as the handler's paths record
// it (done, deadLetter) for the ordered loop, which ends the head's turn
// once the run is over.
type orderOutcome struct {
	id   string // the task's own id: a batch item's dead letter is not its end
	done bool
	dead string // the rule that dead-lettered the task
}

// ended reports whether the run ended the task (rather than a retry, a
// deferral or a shutdown leaving it to run again).
func (o *orderOutcome) ended() bool { return o.done || o.dead != "" }

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
// a Redis read to check. When the head ends, the worker goes on with the
// key's next tasks itself for up to Config.OrderChain (chain), instead of
// handing each to asynq and waiting for a poll to pick it up.
func (w *Worker) processOrdered(ctx context.Context, r run) error {
	if r.retried > 0 {
		if stop, err := w.outOfTurn(ctx, r); stop {
			return err
		}
	}
	out := &orderOutcome{id: r.id}
	r.order = out
	err := w.process(ctx, r)
	next := w.endTurn(ctx, r, out)
	w.chain(ctx, r.orderKey, next)
	return err
}

// outOfTurn ends a re-run whose task is not its key's head: settled
// already (done, no call), or waiting behind the head (revoked).
func (w *Worker) outOfTurn(ctx context.Context, r run) (stop bool, err error) {
	st, err := w.order.StandingOf(ctx, r.orderKey, r.id)
	if err != nil {
		d := policy.Decision{Action: policy.ActionDefer, Reason: "order key unreadable",
			Delay: w.policy.BackoffDelay(policy.ClassTransient, r.retried)}
		return true, &DecisionError{Decision: d, Err: err}
	}
	switch st {
	case ordering.Settled:
		w.logger.Info("already settled in its order key", slog.String("task_id", r.id), slog.String("type", r.typ),
			slog.String("order_key", r.orderKey), slog.String("rule", settledRule.Name))
		w.observe(r, policy.Failure{}, settledRule.Name, OutcomeDone)
		return true, nil
	case ordering.Waiting:
		// Run out of turn (from asynqmon): asynq forgets it, and its key
		// enqueues it again when it is the head.
		w.logger.Warn("ordered task run before its turn; revoked until it is its key's head",
			slog.String("task_id", r.id), slog.String("order_key", r.orderKey))
		return true, fmt.Errorf("ordered task %s not at the head of its key: %w", r.id, asynq.RevokeTask)
	}
	return false, nil
}

// endTurn ends the head's turn when the run ended it: delivered or done,
// expired, or dead-lettered with the mode "skip"; "block" keeps the key
// waiting for the dead letter. A retry or a deferral keeps the turn. It
// returns the key's next head, nil when there is none to run now. A
// failed write is only logged: the task has ended in asynq, and the
// Sweeper settles heads with a delivered marker or a dead letter.
func (w *Worker) endTurn(ctx context.Context, r run, out *orderOutcome) *ordering.Next {
	// The run's context may be ending (a shutdown); its end must still be
	// written, or the key waits for the sweeper.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), settleTimeout)
	defer cancel()
	var next *ordering.Next
	var err error
	switch {
	case out.done, out.dead == expiredRule.Name, out.dead != "" && w.cfg.OrderOnDeadLetter == ordering.OnDeadLetterSkip:
		next, _, err = w.order.Advance(ctx, r.orderKey, r.id)
	case out.dead != "":
		_, err = w.order.Block(ctx, r.orderKey, r.id)
		w.logger.Warn("order key blocked by its dead-lettered head until the dead letter is replayed or deleted",
			slog.String("task_id", r.id), slog.String("order_key", r.orderKey))
	}
	if err != nil {
		w.logger.Warn("cannot settle the order key; the order sweeper will", slog.String("task_id", r.id),
			slog.String("order_key", r.orderKey), slog.Any("err", err))
	}
	return next
}

// chain runs the key's next heads in this handler, one after the other,
// while each ends (delivered, done, dead-lettered) and Config.OrderChain
// lasts: a lone conversation then goes at the provider's pace, not at
// asynq's poll interval, and its tasks cost no asynq enqueue, dequeue or
// completion. A next head that cannot run here now (the chain's time is
// up, the worker is stopping, it is scheduled later, its queue is not
// this worker's) is enqueued in asynq; one whose attempt fails is
// enqueued for its retry, its attempt counted (ordering.HeaderPriorAttempts).
// A crash meanwhile leaves a head in no asynq state, which the Sweeper
// enqueues after Grace; Touch keeps it away while this worker runs it.
func (w *Worker) chain(ctx context.Context, key string, next *ordering.Next) {
	until := w.now().Add(w.cfg.OrderChain)
	for next != nil {
		if !w.runsNow(ctx, *next, until) {
			w.promote(ctx, key, *next, nil)
			return
		}
		if err := w.order.Touch(ctx, key); err != nil {
			w.promote(ctx, key, *next, err)
			return
		}
		r := w.nextRun(key, *next)
		out := &orderOutcome{id: r.id}
		r.order = out
		// A chained task has no asynq task to hold its result: the sink
		// keeps it for the delivered marker and the log.
		err := w.process(withResultSink(ctx, resultSink{logger: w.logger, r: r}), r)
		if !out.ended() {
			w.retryLater(ctx, key, *next, r, err)
			return
		}
		next = w.endTurn(ctx, r, out)
	}
}

// runsNow reports whether this handler may run the next head n now.
func (w *Worker) runsNow(ctx context.Context, n ordering.Next, until time.Time) bool {
	_, serves := w.cfg.Queues[n.Task.Queue]
	now := w.now()
	return serves && ctx.Err() == nil && !w.stopping.Load() && now.Before(until) && !n.Task.ProcessAt.After(now)
}

// nextRun is the run of next head n, a first attempt unless it carries
// earlier ones.
func (w *Worker) nextRun(key string, n ordering.Next) run {
	h := make(map[string]string, len(n.Task.Headers)+2)
	for k, v := range n.Task.Headers {
		h[k] = v
	}
	h[ordering.HeaderKey], h[ordering.HeaderPosition] = key, strconv.FormatInt(n.Position, 10)
	return runOf(asynq.NewTaskWithHeaders(n.Task.Type, n.Task.Payload, h), n.ID, n.Task.Queue, 0, n.Task.MaxRetry)
}

// retryLater enqueues a chained head whose attempt did not end it, after
// the delay its decision asked for, with its attempts so far.
func (w *Worker) retryLater(ctx context.Context, key string, n ordering.Next, r run, err error) {
	delay := RetryDelay(err, w.policy.BackoffDelay(policy.ClassTransient, r.retried))
	if ctx.Err() != nil {
		delay = 0 // shutting down: back in the queue at once, as asynq does
	}
	n.Task.Headers = withHeader(n.Task.Headers, ordering.HeaderPriorAttempts, strconv.Itoa(r.retried+1))
	n.Task.ProcessAt = w.now().Add(delay)
	w.promote(ctx, key, n, nil)
}

// promote enqueues next head n in asynq; cause is why it was not run here
// (logged when not nil). A failed enqueue leaves it to the Sweeper.
func (w *Worker) promote(ctx context.Context, key string, n ordering.Next, cause error) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), settleTimeout)
	defer cancel()
	if err := w.order.Promote(ctx, key, n); err != nil || cause != nil {
		w.logger.Warn("cannot enqueue the next head of an order key; the order sweeper will", slog.String("task_id", n.ID),
			slog.String("order_key", key), slog.Any("err", err), slog.Any("cause", cause))
	}
}

func withHeader(h map[string]string, k, v string) map[string]string {
	out := make(map[string]string, len(h)+1)
	for a, b := range h {
		out[a] = b
	}
	out[k] = v
	return out
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
