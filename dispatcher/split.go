package dispatcher

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"

	"github.com/hibiken/asynq"

	"github.com/chatq/chatq/policy"
	"github.com/chatq/chatq/tasks"
)

// batch is a 200 answer's unapplied items, sorted by what must happen to
// them.
type batch struct {
	again     []itemFailure     // to be tried again (retry, defer, …)
	decisions []policy.Decision // of again, index by index
	dead      []deadGroup       // to be dead-lettered, one group per rule
}

// deadGroup is the items one dead letter is about.
type deadGroup struct {
	items []string
	v     verdict
}

// sortItems decides every unapplied item through the policy. A retry that
// finds the task's retry budget spent dead-letters its item.
func (w *Worker) sortItems(r run, items []itemFailure) batch {
	var b batch
	for _, it := range items {
		d := w.policy.Decide(it.Failure, r.retried)
		switch {
		case d.Action == policy.ActionDone:
			w.logger.Debug("batch item already done", "task_id", r.id, "item", it.Item, "rule", d.Rule.Name)
		case d.Action == policy.ActionDeadLetter:
			b.addDead(it.Item, verdict{failure: it.Failure, decision: d, reason: d.Reason})
		case d.Action == policy.ActionRetry && r.retried >= r.budget:
			b.addDead(it.Item, verdict{failure: it.Failure, decision: d,
				reason: fmt.Sprintf("retries exhausted (%d of %d): %s", r.retried, r.budget, d.Reason)})
		default:
			b.again = append(b.again, it)
			b.decisions = append(b.decisions, d)
		}
	}
	return b
}

// addDead puts item in the group of its verdict's rule and reason.
func (b *batch) addDead(item string, v verdict) {
	for i := range b.dead {
		if b.dead[i].v.decision.Rule.Name == v.decision.Rule.Name && b.dead[i].v.reason == v.reason {
			b.dead[i].items = append(b.dead[i].items, item)
			return
		}
	}
	b.dead = append(b.dead, deadGroup{items: []string{item}, v: v})
}

// split finishes a batch whose items went different ways: the items to try
// again become one new task, each dead group one dead letter, and the task
// itself ends — delivered when the provider applied some of its items, done
// otherwise. A failed enqueue or dead-letter write leaves the whole task to
// run again (a deferral): the new task's idempotency key and the dead
// letters' derived ids make that repeat harmless.
func (w *Worker) split(ctx context.Context, r run, b batch, applied bool) error {
	if len(b.again) > 0 {
		if err := w.splitAgain(ctx, r, &b); err != nil {
			return err
		}
	}
	for n, g := range b.dead {
		if err := w.deadLetterItems(ctx, r, n+1, g); err != nil {
			return err
		}
	}
	outcome := OutcomeDone
	if applied {
		outcome = OutcomeDelivered
	}
	w.observe(r, policy.Failure{}, "", outcome)
	w.done(ctx, r, outcome)
	return nil
}

// splitAgain enqueues the items to try again as a new task of the same type
// and queue, with the same deadline, after the longest of their decisions'
// delays, and with the task's remaining retry budget: budget minus retries
// spent, minus one more when one of the items was decided retry (that
// failure counts as it would for the whole task). When the delay reaches
// past the deadline the items are dead-lettered as expired instead.
func (w *Worker) splitAgain(ctx context.Context, r run, b *batch) error {
	names := itemNames(b.again)
	var d policy.Decision
	spends := false
	for _, x := range b.decisions {
		if x.Delay >= d.Delay {
			d = x
		}
		spends = spends || x.Action == policy.ActionRetry
	}
	if !r.deadline.IsZero() && !w.now().Add(d.Delay).Before(r.deadline) {
		b.dead = append(b.dead, deadGroup{items: names, v: verdict{failure: b.again[0].Failure,
			decision: policy.Decision{Action: policy.ActionDeadLetter, Rule: expiredRule},
			reason: fmt.Sprintf("expired: deadline %s comes before the next attempt (%s %s from now): %s",
				formatDeadline(r.deadline), d.Action, d.Delay, d.Reason)}})
		return nil
	}
	id, err := w.enqueueItems(ctx, r, names, d, spends)
	if err != nil {
		w.logger.Error("cannot split off batch items; the whole task runs again", "task_id", r.id, "err", err)
		return &policy.DecisionError{Err: err, Decision: policy.Decision{Action: policy.ActionDefer,
			Reason: "enqueueing split-off items failed", Delay: w.policy.BackoffDelay(policy.ClassTransient, r.retried)}}
	}
	w.logger.Info("batch items split off", slog.String("task_id", r.id), slog.String("new_task_id", id),
		slog.String("type", r.typ), slog.Any("items", names), slog.String("action", d.Action.String()),
		slog.Duration("delay", d.Delay), slog.String("reason", d.Reason))
	return nil
}

func (w *Worker) enqueueItems(ctx context.Context, r run, names []string, d policy.Decision, spends bool) (string, error) {
	payload, err := w.subsetPayload(r.typ, r.payload, names)
	if err != nil {
		return "", err
	}
	remaining := r.budget - r.retried
	if spends {
		remaining--
	}
	sum := sha256.Sum256([]byte(strings.Join(names, "\x00")))
	opts := []tasks.Option{tasks.MaxRetry(max(remaining, 0)), tasks.Delay(d.Delay),
		tasks.Key(r.id + ":again:" + hex.EncodeToString(sum[:8]))}
	if r.queue != "" {
		opts = append(opts, tasks.Queue(r.queue))
	}
	if !r.deadline.IsZero() {
		opts = append(opts, tasks.ExpiresAt(r.deadline))
	}
	return w.producer.Enqueue(ctx, r.typ, payload, opts...)
}

// deadLetterItems writes the dead letter of group number n under the
// derived id "<task id>:items:<n>", with a payload of only its items (what
// a replay should send).
func (w *Worker) deadLetterItems(ctx context.Context, r run, n int, g deadGroup) error {
	sub := r
	sub.id = fmt.Sprintf("%s:items:%d", r.id, n)
	if p, err := w.subsetPayload(r.typ, r.payload, g.items); err == nil {
		sub.payload = p
	}
	g.v.items = g.items
	err := w.deadLetter(ctx, sub, g.v)
	if errors.Is(err, asynq.SkipRetry) {
		return nil // written: the derived record is not an asynq task
	}
	return err
}

// subsetPayload returns the payload of a batch task cut down to names.
func (w *Worker) subsetPayload(typ string, payload []byte, names []string) ([]byte, error) {
	v, err := tasks.Decode(typ, payload, w.cfg.Limits)
	if err != nil {
		return nil, err
	}
	keep := func(s string) bool { return slices.Contains(names, s) }
	switch p := v.(type) {
	case tasks.RegisterUsers:
		p.Users = slices.DeleteFunc(p.Users, func(u tasks.User) bool { return !keep(u.Username) })
		return json.Marshal(p)
	case tasks.AddGroupMembers:
		p.Usernames = slices.DeleteFunc(p.Usernames, func(u string) bool { return !keep(u) })
		return json.Marshal(p)
	case tasks.RemoveGroupMembers:
		p.Usernames = slices.DeleteFunc(p.Usernames, func(u string) bool { return !keep(u) })
		return json.Marshal(p)
	}
	return nil, fmt.Errorf("dispatcher: %s is not a batch task type", typ)
}

// batchSize returns how many items a batch task asks for; 0 for others.
func (w *Worker) batchSize(typ string, payload []byte) int {
	v, err := tasks.Decode(typ, payload, w.cfg.Limits)
	if err != nil {
		return 0
	}
	switch p := v.(type) {
	case tasks.RegisterUsers:
		return len(p.Users)
	case tasks.AddGroupMembers:
		return len(p.Usernames)
	case tasks.RemoveGroupMembers:
		return len(p.Usernames)
	}
	return 0
}

func itemNames(items []itemFailure) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = it.Item
	}
	return out
}
