package dispatcher

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/hibiken/asynq"

	"github.com/chatq/chatq/agora"
	"github.com/chatq/chatq/deadletter"
	"github.com/chatq/chatq/ordering"
	"github.com/chatq/chatq/policy"
	"github.com/chatq/chatq/tasks"
	"github.com/chatq/chatq/throttle"
)

// taskHandler serves every chatq task type; the per-type work is the call
// that Worker.prepare builds from the payload (handler.go).
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
	// deadlineErr a malformed header (see expired, below).
	deadline    time.Time
	deadlineErr error
	// orderKey is the task's order key (tasks.HeaderOrderKey; "" when not
	// ordered) and orderPos its position; order records how the run ended
	// (order.go).
	orderKey string
	orderPos int64
	order    *orderOutcome
}

func newRun(ctx context.Context, t *asynq.Task) run {
	id, _ := asynq.GetTaskID(ctx)
	queue, _ := asynq.GetQueueName(ctx)
	retried, _ := asynq.GetRetryCount(ctx)
	maxRetry, _ := asynq.GetMaxRetry(ctx)
	return runOf(t, id, queue, retried, maxRetry)
}

// runOf is the run of task t under id in queue, after retried failed
// attempts of maxRetry (asynq's counts). An ordered task run before it
// was in asynq (order.go, chain) adds its attempts from then.
func runOf(t *asynq.Task, id, queue string, retried, maxRetry int) run {
	h := t.Headers()
	r := run{id: id, queue: queue, typ: t.Type(), payload: t.Payload(), budget: max(maxRetry-1, 0),
		retried: retried + ordering.PriorAttempts(h)}
	r.enqueuedAt, _ = tasks.EnqueuedAt(t)
	r.deadline, _, r.deadlineErr = tasks.Deadline(h)
	r.orderKey = h[tasks.HeaderOrderKey]
	r.orderPos = ordering.Position(h)
	return r
}

// ProcessTask implements asynq.Handler.
func (h taskHandler) ProcessTask(ctx context.Context, t *asynq.Task) error {
	r := newRun(ctx, t)
	ctx = withResultSink(ctx, resultSink{rw: t.ResultWriter(), logger: h.w.logger, r: r})
	if r.orderKey != "" {
		return h.w.processOrdered(ctx, r)
	}
	return h.w.process(ctx, r)
}

// process runs one task: every run of an unordered task, and the head's
// turn of an ordered one.
func (w *Worker) process(ctx context.Context, r run) error {
	if w.alreadyDelivered(ctx, r) {
		return nil
	}
	if stop, err := w.expired(ctx, r); stop {
		return err
	}
	j, err := w.prepare(r)
	if err != nil {
		return w.deadLetter(ctx, r, refused(err))
	}
	if stop, err := w.pastRecallWindow(ctx, r, j); stop {
		return err
	}
	return w.execute(ctx, r, j)
}

// execute makes the call, refreshing the token once when the policy says so.
func (w *Worker) execute(ctx context.Context, r run, j job) error {
	refreshed := false
	for {
		start := time.Now()
		// The token is taken after the throttle's wait, not before: a call
		// held there while the token expires would otherwise go out with the
		// old one and meet a 401.
		permit, terr := w.acquire(ctx, j.family)
		if terr != nil {
			return w.throttled(r, policy.Failure{}, terr)
		}
		var items []itemFailure
		tok, err := w.tokens.Token(ctx)
		if err != nil {
			w.unused(ctx, permit)
		} else {
			items, err = j.call(ctx, tok)
			if perr := w.report(ctx, permit, err); perr != nil {
				return w.throttled(r, failureOf(err, r.typ), perr)
			}
		}
		r.callLatency = time.Since(start)
		if err == nil {
			w.creds.accept()
			return w.settleItems(ctx, r, j, items)
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

// call makes one provider request for a task with the given token. A nil
// error with item failures means the provider answered 200 but did not
// apply every member of a batch.
type call func(ctx context.Context, tok agora.Token) ([]itemFailure, error)

// job is everything a run needs from its payload, decoded once by prepare:
// the call, the throttle family it waits in, and, for a batch, its items
// and how to cut the payload down to some of them (batch.go). Nothing
// after prepare decodes the payload again.
type job struct {
	call   call
	family throttle.Family
	batch  tasks.Batch // nil unless the provider applies the items one by one
	// recallFrom opens the recall window of an unforced message:recall
	// (recall.go); zero for every other task.
	recallFrom time.Time
}

// size is how many items the batch asks for; 0 for other tasks.
func (j job) size() int {
	if j.batch == nil {
		return 0
	}
	return len(j.batch.Items())
}

// subset returns the batch with only names kept.
func (j job) subset(names []string) (tasks.Batch, error) {
	if j.batch == nil {
		return nil, fmt.Errorf("dispatcher: not a batch task")
	}
	return j.batch.Subset(func(s string) bool { return slices.Contains(names, s) }), nil
}

// prepare decodes and validates r's payload, once, and returns its job.
// A payload over the cap is not decoded at all (see payloadTooLargeError, deadletter.go).
func (w *Worker) prepare(r run) (job, error) {
	if len(r.payload) > w.cfg.MaxPayloadBytes {
		return job{}, &payloadTooLargeError{size: len(r.payload), max: w.cfg.MaxPayloadBytes}
	}
	p, err := tasks.Decode(r.typ, r.payload, w.cfg.Limits)
	if err != nil {
		return job{}, err
	}
	c, err := callFor(w.api, p, r.id)
	if err != nil {
		return job{}, err
	}
	j := job{call: c, family: familyOf(p), recallFrom: recallStart(p, r)}
	j.batch, _ = p.(tasks.Batch)
	return j, nil
}

// callFor maps a payload to its provider call: the one place a new task
// type adds its REST call (tasks' package documentation, "Adding a task
// type"). A type registered in tasks without a case here is refused at
// run time with its payload type named, and TestCallFor_everyType fails.
// taskID keys the custom group id of a create (agora.DerivedGroupID).
func callFor(api *agora.Client, p tasks.Payload, taskID string) (call, error) {
	typ := p.TaskType()
	switch p := p.(type) {
	case tasks.SendMessage:
		return func(ctx context.Context, tok agora.Token) ([]itemFailure, error) {
			_, err := api.SendMessage(ctx, tok, p)
			return nil, err
		}, nil
	case tasks.RegisterUsers:
		return func(ctx context.Context, tok agora.Token) ([]itemFailure, error) {
			res, err := api.RegisterUsers(ctx, tok, p.Users)
			return registerItems(p.Users, res, typ), err
		}, nil
	case tasks.CreateGroup:
		return func(ctx context.Context, tok agora.Token) ([]itemFailure, error) {
			_, err := api.CreateGroup(ctx, tok, p, taskID)
			return nil, err
		}, nil
	case tasks.DeleteGroup:
		return func(ctx context.Context, tok agora.Token) ([]itemFailure, error) {
			return nil, api.DeleteGroup(ctx, tok, p.GroupID)
		}, nil
	case tasks.AddGroupMembers:
		return func(ctx context.Context, tok agora.Token) ([]itemFailure, error) {
			res, err := api.AddGroupMembers(ctx, tok, p.GroupID, p.Usernames)
			return notAdded(p.GroupID, p.Usernames, res, typ), err
		}, nil
	case tasks.RemoveGroupMembers:
		return func(ctx context.Context, tok agora.Token) ([]itemFailure, error) {
			res, err := api.RemoveGroupMembers(ctx, tok, p.GroupID, p.Usernames)
			return notRemoved(res, typ), err
		}, nil
	case tasks.TransferGroupOwner:
		return func(ctx context.Context, tok agora.Token) ([]itemFailure, error) {
			return nil, api.TransferGroupOwner(ctx, tok, p.GroupID, p.NewOwner)
		}, nil
	case tasks.RecallMessage:
		return func(ctx context.Context, tok agora.Token) ([]itemFailure, error) {
			return nil, api.RecallMessage(ctx, tok, p)
		}, nil
	case tasks.UpdateGroup:
		return func(ctx context.Context, tok agora.Token) ([]itemFailure, error) {
			return nil, api.UpdateGroup(ctx, tok, p)
		}, nil
	case tasks.RestCall:
		return func(ctx context.Context, tok agora.Token) ([]itemFailure, error) {
			return nil, api.RestCall(ctx, tok, p)
		}, nil
	}
	if c := chatroomCall(api, p); c != nil {
		return c, nil
	}
	if c := userAdminCall(api, p); c != nil {
		return c, nil
	}
	return nil, fmt.Errorf("dispatcher: no provider call for %s payload %T", typ, p)
}

// familyOf is the throttle family of a payload: message sends by target,
// the rest by type.
func familyOf(p tasks.Payload) throttle.Family {
	var target string
	if m, ok := p.(tasks.SendMessage); ok {
		target = m.Target
	}
	return throttle.FamilyFor(p.TaskType(), target)
}

// expiredRule dead-letters a task whose deadline (tasks.HeaderExpiresAt)
// has passed, or would pass before its next attempt.
var expiredRule = policy.Rule{
	Name:   deadletter.RuleExpired,
	Action: policy.ActionDeadLetter,
	Reason: "expired",
	Doc:    "chatq: the task's deadline (header chatq-expires-at) comes before it can be sent",
}

// expired is the first check of every run: a task past its deadline is
// dead-lettered without a provider call, whatever kept it waiting (its
// schedule, a retry, a deferral, a paused queue). A malformed deadline is
// an invalid task: chatq does not guess.
func (w *Worker) expired(ctx context.Context, r run) (stop bool, err error) {
	if r.deadlineErr != nil {
		return true, w.deadLetter(ctx, r, verdict{
			decision: policy.Decision{Action: policy.ActionDeadLetter, Rule: invalidPayloadRule},
			reason:   "invalid task: " + r.deadlineErr.Error(),
		})
	}
	now := w.now()
	if r.deadline.IsZero() || now.Before(r.deadline) {
		return false, nil
	}
	return true, w.deadLetter(ctx, r, verdict{
		decision: policy.Decision{Action: policy.ActionDeadLetter, Rule: expiredRule},
		reason: fmt.Sprintf("expired: deadline %s passed %s ago, before attempt %d",
			formatDeadline(r.deadline), now.Sub(r.deadline).Round(time.Millisecond), r.retried+1),
	})
}

// expiresFirst dead-letters a task now when the next attempt that decision
// d schedules (after d.Delay) would start at or after its deadline: it
// could never be sent, so it is not kept waiting. deferred says d is a
// deferral that was already counted.
func (w *Worker) expiresFirst(ctx context.Context, r run, f policy.Failure, d policy.Decision, deferred bool) (stop bool, err error) {
	if r.deadline.IsZero() {
		return false, nil
	}
	next := w.now().Add(d.Delay)
	if next.Before(r.deadline) {
		return false, nil
	}
	return true, w.deadLetter(ctx, r, verdict{failure: f, overBudget: deferred,
		decision: policy.Decision{Action: policy.ActionDeadLetter, Rule: expiredRule},
		reason: fmt.Sprintf("expired: deadline %s comes before the next attempt (%s %s from now): %s",
			formatDeadline(r.deadline), d.Action, d.Delay.Round(time.Millisecond), d.Reason),
	})
}

func formatDeadline(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }
