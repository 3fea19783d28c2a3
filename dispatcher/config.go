package dispatcher

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/chatq/chatq/ordering"
	"github.com/chatq/chatq/tasks"
)

// Config tunes the worker. The zero value of every field means its default.
type Config struct {
	// Concurrency is how many tasks run at once. Default 20.
	Concurrency int
	// Queues maps queue name to weight. Default messages:6, users:2, groups:2,
	// rest:1.
	Queues map[string]int
	// QueueMode is QueueModeDedicated (default: one asynq server per queue,
	// each with Concurrency slots) or QueueModeWeighted (one server, queues
	// picked by weight per dequeue).
	QueueMode string
	// PollInterval is how often asynq looks for new, scheduled and retry
	// tasks when idle. Default 1s; tests and demos use tens of milliseconds.
	PollInterval time.Duration
	// ShutdownTimeout is how long in-flight tasks may run after a shutdown
	// begins before asynq puts them back in their queue. Default 10s.
	ShutdownTimeout time.Duration
	// DeferMaxAttempts bounds deferrals per task. Default 100.
	DeferMaxAttempts int
	// DeferMaxAge bounds the time from a task's first failure to its last
	// deferral. Default 24h.
	DeferMaxAge time.Duration
	// Limits are the payload limits checked again at run time.
	Limits tasks.Limits
	// MaxPayloadBytes caps the payload a run decodes: a larger one is
	// dead-lettered payload-too-large without being decoded, and its dead
	// letter keeps only a prefix. Default tasks.DefaultMaxPayloadBytes; at
	// least tasks.LargestPayload(Limits), or valid tasks would be refused.
	MaxPayloadBytes int
	// CredentialsLogInterval is how often a credentials problem is logged.
	// Default 1m.
	CredentialsLogInterval time.Duration
	// CheckCredentials makes Run ask the token source for a token before
	// taking tasks, so that rejected credentials are reported at start;
	// Ready fails until the check has run. chatq worker sets it.
	CheckCredentials bool
	// CredentialsVars and AppKeyVar name the settings an operator must fix
	// when the provider rejects the credentials or does not know the app,
	// in the caller's terms (chatq worker names its variables). Default
	// "the client id and secret" and "the app key".
	CredentialsVars string
	AppKeyVar       string
	// WorkerName identifies this process in dead letters. Default host:pid.
	WorkerName string
	// DeliveredTTL is how long a delivered marker is kept, so that a task
	// asynq runs again after losing its completion ends without a second
	// call (alreadyDelivered, state.go). Default DefaultDeliveredTTL (10m); at least
	// MinDeliveredTTL (2m, asynq's recovery window); negative: no markers.
	DeliveredTTL time.Duration
	// OrderOnDeadLetter is what a dead-lettered head of an order key does
	// to the key: ordering.OnDeadLetterSkip (default: the tasks behind it
	// go on) or ordering.OnDeadLetterBlock (they wait until the dead
	// letter is replayed or deleted). An expired head is always skipped.
	OrderOnDeadLetter string
	// OrderChain is how long a worker that ended the head of an order key
	// goes on running the key's next tasks itself, before it hands the key
	// back to asynq (fairness to other keys). Default 1s; negative: never
	// (every next head waits for asynq's poll).
	OrderChain time.Duration
	// RecallWindow is how long after a message is sent a message:recall
	// without force is still sent; later it is dead-lettered without a
	// call (recall.go). Default DefaultRecallWindow (2m, the provider's
	// default); negative: no check. Set it to the app's console setting.
	RecallWindow time.Duration
}

func (c Config) withDefaults() Config {
	if c.Concurrency == 0 {
		c.Concurrency = 20
	}
	if len(c.Queues) == 0 {
		c.Queues = DefaultQueues()
	}
	if c.QueueMode == "" {
		c.QueueMode = QueueModeDedicated
	}
	c.PollInterval = orDuration(c.PollInterval, time.Second)
	c.ShutdownTimeout = orDuration(c.ShutdownTimeout, 10*time.Second)
	if c.DeferMaxAttempts == 0 {
		c.DeferMaxAttempts = 100
	}
	c.DeferMaxAge = orDuration(c.DeferMaxAge, 24*time.Hour)
	if c.MaxPayloadBytes == 0 {
		c.MaxPayloadBytes = tasks.DefaultMaxPayloadBytes
	}
	c.CredentialsLogInterval = orDuration(c.CredentialsLogInterval, time.Minute)
	c.DeliveredTTL = orDuration(c.DeliveredTTL, DefaultDeliveredTTL)
	c.RecallWindow = orDuration(c.RecallWindow, DefaultRecallWindow)
	if c.CredentialsVars == "" {
		c.CredentialsVars = "the client id and secret"
	}
	if c.AppKeyVar == "" {
		c.AppKeyVar = "the app key"
	}
	c.OrderChain = orDuration(c.OrderChain, time.Second)
	if c.OrderOnDeadLetter == "" {
		c.OrderOnDeadLetter = ordering.OnDeadLetterSkip
	}
	if c.WorkerName == "" {
		c.WorkerName = defaultWorkerName()
	}
	return c
}

func (c Config) validate() error {
	var errs []error
	if c.Concurrency < 1 {
		errs = append(errs, fmt.Errorf("field Concurrency: must be at least 1, got %d", c.Concurrency))
	}
	for _, q := range slices.Sorted(maps.Keys(c.Queues)) {
		if w := c.Queues[q]; q == "" || w < 1 {
			errs = append(errs, fmt.Errorf("field Queues[%q]: weight must be at least 1, got %d", q, w))
		}
	}
	if c.DeferMaxAttempts < 1 {
		errs = append(errs, fmt.Errorf("field DeferMaxAttempts: must be at least 1, got %d", c.DeferMaxAttempts))
	}
	if least := tasks.LargestPayload(c.Limits); c.MaxPayloadBytes < least {
		errs = append(errs, fmt.Errorf("field MaxPayloadBytes: must be at least %d (the largest valid payload under Limits), got %d",
			least, c.MaxPayloadBytes))
	}
	if err := ordering.CheckMode(c.OrderOnDeadLetter); err != nil {
		errs = append(errs, fmt.Errorf("field OrderOnDeadLetter: %w", err))
	}
	if c.DeliveredTTL > 0 && c.DeliveredTTL < MinDeliveredTTL {
		errs = append(errs, fmt.Errorf("field DeliveredTTL: must be at least %s (asynq's recovery window) or negative (no markers), got %s",
			MinDeliveredTTL, c.DeliveredTTL))
	}
	for _, f := range []struct {
		name string
		d    time.Duration
	}{
		{"PollInterval", c.PollInterval}, {"ShutdownTimeout", c.ShutdownTimeout},
		{"DeferMaxAge", c.DeferMaxAge}, {"CredentialsLogInterval", c.CredentialsLogInterval},
	} {
		if f.d < 0 {
			errs = append(errs, fmt.Errorf("field %s: must not be negative, got %s", f.name, f.d))
		}
	}
	return errors.Join(errs...)
}

// DefaultQueues returns the default queue weights: messages get most of the
// workers, users and groups share the rest, and each family can be paused
// alone (asynq pauses whole queues).
func DefaultQueues() map[string]int {
	return map[string]int{tasks.QueueMessages: 6, tasks.QueueUsers: 2, tasks.QueueGroups: 2, tasks.QueueRest: 1}
}

func orDuration(d, def time.Duration) time.Duration {
	if d == 0 {
		return def
	}
	return d
}
