package taskstatus

import (
	"encoding/json"
	"time"
)

// States a task can be in, as Status.State.
const (
	StateScheduled    = "scheduled"
	StatePending      = "pending"
	StateActive       = "active"
	StateRetry        = "retry"
	StateDelivered    = "delivered"
	StateDone         = "done"
	StateDeadLettered = "dead-lettered"
	StateExpired      = "expired"
)

// Status is where a task is.
type Status struct {
	ID    string `json:"id"`
	State string `json:"status"`
	Type  string `json:"type,omitempty"`
	Queue string `json:"queue,omitempty"`
	// EnqueuedBy is the name of the API key that enqueued the task over
	// HTTP (tasks.HeaderEnqueuedBy), while asynq holds the task.
	EnqueuedBy string `json:"enqueued_by,omitempty"`
	// Retried is how many attempts failed and counted against the retry
	// budget (asynq's count).
	Retried int `json:"retried,omitempty"`
	// NextAttemptAt is when a scheduled or retrying task runs next.
	NextAttemptAt *time.Time `json:"next_attempt_at,omitempty"`
	// LastDecision is the last decision about a failed attempt, for a task
	// in retry.
	LastDecision *Decision `json:"last_decision,omitempty"`
	// LastError is asynq's last error of the task, when chatq recorded no
	// decision (a task from an older worker).
	LastError string `json:"last_error,omitempty"`
	// FinishedAt is when a delivered or done task ended, when known.
	FinishedAt *time.Time `json:"finished_at,omitempty"`
	// Result is what the provider made for a delivered task, as the
	// worker recorded it: {"id":"…"} for a chatroom:create (the provider
	// assigns room ids). Kept with the delivered marker, and while asynq
	// retains the completed task.
	Result json.RawMessage `json:"result,omitempty"`
	// DeadLetter says why a dead-lettered or expired task was given up.
	DeadLetter *DeadLetter `json:"dead_letter,omitempty"`
	// Detail is one human line about what is not known.
	Detail string `json:"detail,omitempty"`
}

// DeadLetter is the "why" of a dead-lettered task.
type DeadLetter struct {
	Rule   string    `json:"rule"`
	Reason string    `json:"reason"`
	Status int       `json:"status,omitempty"` // the provider's HTTP status; 0 when there was none
	Code   string    `json:"code,omitempty"`   // the provider's error code
	At     time.Time `json:"at,omitzero"`
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	t = t.UTC()
	return &t
}
