package tasks

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/hibiken/asynq"
)

// maxBudget keeps budget+1 within the int32 asynq stores MaxRetry in.
const maxBudget = math.MaxInt32 - 1

// Option configures one task at enqueue time. Options are chatq's own, not
// asynq's: MaxRetry, for one, is a retry budget, not an asynq MaxRetry. An
// Option with an invalid value makes the constructor or Client method that
// receives it return an error naming the option.
type Option interface {
	apply(*options) error
}

type optionFunc func(*options) error

func (f optionFunc) apply(o *options) error { return f(o) }

// options is what a list of Option resolves to.
type options struct {
	queue      string        // "" => QueueFor(type)
	processAt  time.Time     // zero => not scheduled by time
	delay      time.Duration // > 0 => asynq.ProcessIn(delay)
	budget     int           // retry budget; asynq MaxRetry is budget+1
	limits     Limits
	key        string                   // idempotency key; "" => none (see Key)
	expiresAt  time.Time                // zero => TTL or the type's default
	ttl        time.Duration            // > 0 => deadline = enqueue time + ttl
	expiry     map[string]time.Duration // default TTL per task type (ClientConfig)
	retain     time.Duration            // > 0 => asynq.Retention (Retain)
	enqueuedBy string                   // HeaderEnqueuedBy; "" => none
	// Ordered tasks (order.go): the key, or ordered = derive it from the
	// payload's conversation; orderReplaces = ReplacingHead.
	orderKey      string
	ordered       bool
	orderReplaces string
}

func defaultOptions() options {
	return options{budget: DefaultMaxRetry}
}

// Queue sends the task to the named queue instead of QueueFor(type).
func Queue(name string) Option {
	return optionFunc(func(o *options) error {
		if strings.TrimSpace(name) == "" {
			return fmt.Errorf("Queue: must not be empty")
		}
		o.queue = name
		return nil
	})
}

// ProcessAt schedules the task for t. It replaces an earlier Delay; a t in
// the past means now.
func ProcessAt(t time.Time) Option {
	return optionFunc(func(o *options) error {
		if t.IsZero() {
			return fmt.Errorf("ProcessAt: must not be the zero time")
		}
		o.processAt, o.delay = t, 0
		return nil
	})
}

// Delay schedules the task d after it is enqueued. It replaces an earlier
// ProcessAt; 0 means now.
func Delay(d time.Duration) Option {
	return optionFunc(func(o *options) error {
		if d < 0 {
			return fmt.Errorf("Delay: must be >= 0, got %v", d)
		}
		o.processAt, o.delay = time.Time{}, d
		return nil
	})
}

// MaxRetry sets the retry budget of the task: how many failed attempts the
// worker retries before it dead-letters the task. 0 means no retry. The
// task's asynq MaxRetry is n+1 (see docs/DESIGN.md, "Retry budget").
func MaxRetry(n int) Option {
	return optionFunc(func(o *options) error {
		if n < 0 {
			return fmt.Errorf("MaxRetry: must be >= 0, got %d", n)
		}
		if n > maxBudget {
			return fmt.Errorf("MaxRetry: must be <= %d, got %d", maxBudget, n)
		}
		o.budget = n
		return nil
	})
}

// WithLimits validates the payload against l instead of the default limits
// (or the Client's).
func WithLimits(l Limits) Option {
	return optionFunc(func(o *options) error {
		if err := l.check(); err != nil {
			return fmt.Errorf("WithLimits: %w", err)
		}
		o.limits = l
		return nil
	})
}

// resolve applies opts to o in order; the first invalid option wins. A nil
// Option is ignored.
func (o options) resolve(opts []Option) (options, error) {
	for _, opt := range opts {
		if opt == nil {
			continue
		}
		if err := opt.apply(&o); err != nil {
			return options{}, err
		}
	}
	return o, nil
}

// asynqOptions returns the asynq options of a task of type typ.
func (o options) asynqOptions(typ string) []asynq.Option {
	queue := o.queue
	if queue == "" {
		queue = QueueFor(typ)
	}
	out := []asynq.Option{asynq.Queue(queue), asynq.MaxRetry(o.budget + 1)}
	if o.retain > 0 {
		out = append(out, asynq.Retention(o.retain))
	}
	switch {
	case !o.processAt.IsZero():
		out = append(out, asynq.ProcessAt(o.processAt))
	case o.delay > 0:
		out = append(out, asynq.ProcessIn(o.delay))
	}
	return out
}
