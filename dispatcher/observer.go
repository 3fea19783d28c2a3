package dispatcher

import (
	"time"

	"github.com/chatq/chatq/policy"
)

// Outcome is what happened to a task in one step.
type Outcome string

// Outcomes: Delivered, Done and DeadLettered end a task; the others are
// steps on the way.
const (
	OutcomeDelivered    Outcome = "delivered"
	OutcomeDone         Outcome = "done"
	OutcomeDeadLettered Outcome = "dead-letter"
	OutcomeRetry        Outcome = "retry"
	OutcomeDeferred     Outcome = "defer"
	OutcomeRefresh      Outcome = "refresh"
	OutcomeCredentials  Outcome = "credentials"
)

// Final reports whether the outcome ends the task.
func (o Outcome) Final() bool {
	return o == OutcomeDelivered || o == OutcomeDone || o == OutcomeDeadLettered
}

// Event is one decision about one task, for metrics and progress displays.
// It carries no payload and no secret.
type Event struct {
	TaskID  string
	Type    string
	Queue   string
	Attempt int
	Status  int // HTTP status of the failure, 0 when delivered or a network error
	Code    string
	Rule    string
	Outcome Outcome
	// CallLatency is how long the provider call of this attempt took
	// (token request included); 0 when no call was made.
	CallLatency time.Duration
	// EnqueuedAt is when the producer enqueued the task (the
	// tasks.HeaderEnqueuedAt header); zero when the producer did not say.
	EnqueuedAt time.Time
	// Exhausted names the budget whose end dead-lettered the task:
	// "retries", "deferrals", or "" when none ran out.
	Exhausted string
}

// Observer receives every Event. It is called on the handler's goroutine,
// so it must be fast and safe for concurrent use.
type Observer interface {
	Observe(Event)
}

// ObserverFunc adapts a function to Observer.
type ObserverFunc func(Event)

// Observe implements Observer.
func (f ObserverFunc) Observe(e Event) { f(e) }

func (w *Worker) observe(r run, f policy.Failure, rule string, o Outcome) {
	if w.observer == nil {
		return
	}
	w.observer.Observe(Event{TaskID: r.id, Type: r.typ, Queue: r.queue, Attempt: r.retried + 1,
		Status: f.Status, Code: f.Code, Rule: rule, Outcome: o,
		CallLatency: r.callLatency, EnqueuedAt: r.enqueuedAt, Exhausted: r.exhausted})
}

func outcomeOf(a policy.Action) Outcome {
	switch a {
	case policy.ActionDone:
		return OutcomeDone
	case policy.ActionRetry:
		return OutcomeRetry
	case policy.ActionDefer:
		return OutcomeDeferred
	case policy.ActionRefresh:
		return OutcomeRefresh
	case policy.ActionCredentials:
		return OutcomeCredentials
	}
	return OutcomeDeadLettered
}
