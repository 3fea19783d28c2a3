package dispatcher

import (
	"context"
	"fmt"
	"time"

	"github.com/chatq/chatq/deadletter"
	"github.com/chatq/chatq/policy"
)

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
