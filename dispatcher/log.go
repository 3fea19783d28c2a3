package dispatcher

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/hibiken/asynq"

	"github.com/chatq/chatq/policy"
)

// logDecision writes the one line every failure gets. Only status, code and
// the provider's description appear: never a token or a payload.
func (w *Worker) logDecision(r run, f policy.Failure, d policy.Decision) {
	w.observe(r, f, d.Rule.Name, outcomeOf(d.Action))
	level := slog.LevelInfo
	if d.Action == policy.ActionCredentials {
		level = slog.LevelError
	}
	w.logger.Log(context.Background(), level, "decision",
		slog.String("task_id", r.id), slog.String("type", r.typ), slog.String("queue", r.queue),
		slog.Int("attempt", r.retried+1), slog.Int("status", f.Status), slog.String("code", f.Code),
		slog.Bool("network", f.Network), slog.Bool("token_endpoint", f.Token),
		slog.String("rule", d.Rule.Name), slog.String("action", d.Action.String()),
		slog.Duration("delay", d.Delay), slog.String("reason", d.Reason))
}

// asynqLogger routes asynq's own log lines into slog. It replaces one of
// them: after chatq dead-letters a task (record written, "dead-lettered"
// logged with rule and reason), the handler returns asynq.SkipRetry and
// asynq warns "Retry exhausted for task id=…" as it archives the task.
// That line is wrong (chatq decided, often with retries to spare) and says
// nothing chatq's own line does not, so for a task chatq has just
// dead-lettered it is logged at debug level. Any other "Retry exhausted" —
// asynq archiving a task chatq did not dead-letter, e.g. a lease that
// expired with no retries left — stays a warning: that task reaches the
// dead-letter store only through the reconciler.
type asynqLogger struct {
	l    *slog.Logger
	dead *deadLettered
}

var _ asynq.Logger = asynqLogger{}

// retryExhausted is how asynq v0.26 (processor.go, handleFailedMessage)
// starts the line it logs when it archives a task.
const retryExhausted = "Retry exhausted for task id="

func (a asynqLogger) Debug(args ...any) { a.l.Debug(fmt.Sprint(args...), "component", "asynq") }
func (a asynqLogger) Info(args ...any)  { a.l.Info(fmt.Sprint(args...), "component", "asynq") }
func (a asynqLogger) Error(args ...any) { a.l.Error(fmt.Sprint(args...), "component", "asynq") }
func (a asynqLogger) Fatal(args ...any) {
	a.l.Error(fmt.Sprint(args...), "component", "asynq", "fatal", true)
}

func (a asynqLogger) Warn(args ...any) {
	msg := fmt.Sprint(args...)
	if id, ok := strings.CutPrefix(msg, retryExhausted); ok && a.dead.take(id) {
		a.l.Debug(msg, "component", "asynq", "task_id", id, "replaced_by", "dead-lettered")
		return
	}
	a.l.Warn(msg, "component", "asynq")
}

// deadLettered holds the ids of tasks this worker has just dead-lettered,
// until asynq logs their archiving (within milliseconds). An id asynq never
// logs for (the worker stopped first) is dropped after deadLetteredTTL.
type deadLettered struct {
	mu  sync.Mutex
	ids map[string]time.Time
}

const (
	deadLetteredTTL = time.Minute
	// deadLetteredPrune is the size from which note drops expired ids.
	deadLetteredPrune = 256
)

func newDeadLettered() *deadLettered { return &deadLettered{ids: map[string]time.Time{}} }

// note records that the task id was dead-lettered at now.
func (d *deadLettered) note(id string, now time.Time) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if len(d.ids) >= deadLetteredPrune {
		for k, at := range d.ids {
			if now.Sub(at) > deadLetteredTTL {
				delete(d.ids, k)
			}
		}
	}
	d.ids[id] = now
}

// take reports whether the task id was noted, and forgets it.
func (d *deadLettered) take(id string) bool {
	if d == nil {
		return false
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	_, ok := d.ids[id]
	delete(d.ids, id)
	return ok
}

func asynqLevel(l *slog.Logger) asynq.LogLevel {
	if l.Enabled(context.Background(), slog.LevelDebug) {
		return asynq.DebugLevel
	}
	return asynq.WarnLevel
}

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
