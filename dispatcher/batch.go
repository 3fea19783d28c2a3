package dispatcher

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"

	"github.com/hibiken/asynq"

	"github.com/chatq/chatq/agora"
	"github.com/chatq/chatq/policy"
	"github.com/chatq/chatq/tasks"
)

var errPartialBatch = errors.New("provider applied only part of the batch")

// settleItems finishes a call the provider answered with 200. Items it did
// not apply are decided one by one through the policy (sortItems and split,
// below):
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
func (w *Worker) settleItems(ctx context.Context, r run, j job, items []itemFailure) error {
	b := w.sortItems(r, items)
	applied := len(items) == 0 || j.size() > len(items)
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
	return w.split(ctx, r, j, b, applied)
}

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
func (w *Worker) split(ctx context.Context, r run, j job, b batch, applied bool) error {
	if len(b.again) > 0 {
		if err := w.splitAgain(ctx, r, j, &b); err != nil {
			return err
		}
	}
	for n, g := range b.dead {
		if err := w.deadLetterItems(ctx, r, j, n+1, g); err != nil {
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
func (w *Worker) splitAgain(ctx context.Context, r run, j job, b *batch) error {
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
	id, err := w.enqueueItems(ctx, r, j, names, d, spends)
	if err != nil {
		w.logger.Error("cannot split off batch items; the whole task runs again", "task_id", r.id, "err", err)
		return &DecisionError{Err: err, Decision: policy.Decision{Action: policy.ActionDefer,
			Reason: "enqueueing split-off items failed", Delay: w.policy.BackoffDelay(policy.ClassTransient, r.retried)}}
	}
	w.logger.Info("batch items split off", slog.String("task_id", r.id), slog.String("new_task_id", id),
		slog.String("type", r.typ), slog.Any("items", names), slog.String("action", d.Action.String()),
		slog.Duration("delay", d.Delay), slog.String("reason", d.Reason))
	return nil
}

func (w *Worker) enqueueItems(ctx context.Context, r run, j job, names []string, d policy.Decision, spends bool) (string, error) {
	payload, err := j.subset(names)
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
	if r.orderKey != "" {
		// The items still to do keep the batch's turn in its key: they take
		// its place at the head, before the tasks enqueued after it.
		opts = append(opts, tasks.OrderKey(r.orderKey), tasks.ReplacingHead(r.id))
	}
	return w.producer.EnqueuePayload(ctx, payload, opts...)
}

// deadLetterItems writes the dead letter of group number n under the
// derived id "<task id>:items:<n>", with a payload of only its items (what
// a replay should send).
func (w *Worker) deadLetterItems(ctx context.Context, r run, j job, n int, g deadGroup) error {
	sub := r
	sub.id = fmt.Sprintf("%s:items:%d", r.id, n)
	if p, err := j.subset(g.items); err == nil {
		if b, err := tasks.Encode(p); err == nil {
			sub.payload = b
		}
	}
	g.v.items = g.items
	err := w.deadLetter(ctx, sub, g.v)
	if errors.Is(err, asynq.SkipRetry) {
		return nil // written: the derived record is not an asynq task
	}
	return err
}

func itemNames(items []itemFailure) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = it.Item
	}
	return out
}

// noResultReason is the message of a requested user the provider's 200
// answer does not account for.
const noResultReason = "no result in the provider's response"

// registerItems reports the users of a registration the provider did not
// create, each as the failure the policy decides it by:
//   - "… already exists" (data[].registerUserFailReason): the single-user 400
//     duplicate_unique_property_exists, so done;
//   - "… is not legal": 400 illegal_argument, so dead-lettered;
//   - any other reason, or a user the answer does not mention at all: a 500
//     (nothing says it is permanent), so retried within the budget —
//     registering again is safe, an existing user comes back as done.
func registerItems(users []tasks.User, res agora.RegisterResult, taskType string) []itemFailure {
	accounted := map[string]bool{}
	for _, u := range res.Created {
		accounted[u] = true
	}
	var out []itemFailure
	for _, e := range res.Existing {
		accounted[e.Username] = true
		out = append(out, itemFailure{Item: e.Username, Failure: registerItemFailure(taskType, e.Reason)})
	}
	for _, u := range users {
		if !accounted[u.Username] {
			out = append(out, itemFailure{Item: u.Username,
				Failure: batchItemFailure(taskType, http.StatusInternalServerError, "", noResultReason)})
		}
	}
	return out
}

func registerItemFailure(taskType, reason string) policy.Failure {
	lower := strings.ToLower(reason)
	switch {
	case strings.Contains(lower, "already exists"):
		return batchItemFailure(taskType, http.StatusBadRequest, "duplicate_unique_property_exists", reason)
	case strings.Contains(lower, "not legal"):
		return batchItemFailure(taskType, http.StatusBadRequest, "illegal_argument", reason)
	}
	return batchItemFailure(taskType, http.StatusInternalServerError, "", reason)
}

// notAdded reports the users of a member addition the provider did not list
// in newmembers (agora.CodeNotInNewMembers), decided by the policy's own
// 200 row: the answer does not say whether they are members, so they are
// never taken as done on its word. Their retry is a new task; one user
// alone goes through the single-user add, whose 403 "already in group"
// confirms the goal state, several go through the batch call again.
func notAdded(groupID string, usernames []string, res agora.AddMembersResult, taskType string) []itemFailure {
	var out []itemFailure
	for _, u := range usernames {
		if !slices.ContainsFunc(res.Added, func(a string) bool { return strings.EqualFold(a, u) }) {
			out = append(out, itemFailure{Item: u, Failure: batchItemFailure(taskType, http.StatusOK, agora.CodeNotInNewMembers,
				"user "+u+" is not in data.newmembers of group "+groupID)})
		}
	}
	return out
}

// notRemoved reports the users a removal did not remove, inside a 200: a
// per-user result false (with the provider's reason) or no result at all,
// each decided by the policy's 200 rows for its code (agora.CodeResultFalse,
// agora.CodeNoResult) and reason.
func notRemoved(res agora.RemoveMembersResult, taskType string) []itemFailure {
	out := make([]itemFailure, 0, len(res.Failed))
	for _, f := range res.Failed {
		out = append(out, itemFailure{Item: f.Username, Failure: batchItemFailure(taskType,
			http.StatusOK, f.Code, f.Reason)})
	}
	return out
}

func batchItemFailure(taskType string, status int, code, msg string) policy.Failure {
	return policy.Failure{Status: status, Code: code, Message: msg, TaskType: taskType}
}
