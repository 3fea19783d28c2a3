package tasks

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"

	"github.com/hibiken/asynq"
)

// newTask resolves opts over defaults, validates p and returns the task with
// its asynq options and headers. Every NewXxxTask constructor ends here. Key
// is refused: only a Client can keep an idempotency key.
func newTask(p Payload, defaults options, opts []Option) (*asynq.Task, error) {
	task, o, err := buildTask(p, false, defaults, opts, time.Now())
	if err == nil && o.key != "" {
		return nil, errKeyNeedsClient
	}
	if err == nil && o.orderKey != "" {
		return nil, errOrderNeedsClient
	}
	return task, err
}

// buildTask is newTask for a Client, which needs the resolved options too;
// now is the enqueue time (for TTL). decoded says p comes from Decode with
// the limits the same defaults and opts resolve to (Client.decode), so it
// is not validated a second time: validation is most of an enqueue's CPU,
// and the ingest API's batches would otherwise pay for it twice per task.
func buildTask(p Payload, decoded bool, defaults options, opts []Option, now time.Time) (*asynq.Task, options, error) {
	typ := p.TaskType()
	o, err := defaults.resolve(opts)
	if err != nil {
		return nil, o, err
	}
	if !decoded {
		if err := p.Validate(o.limits); err != nil {
			return nil, o, err
		}
	}
	if err := o.resolveOrder(p); err != nil {
		return nil, o, err
	}
	b, err := marshal(p)
	if err != nil {
		return nil, o, fmt.Errorf("encoding %s payload: %w", typ, err)
	}
	headers, err := o.headers(typ, now)
	if err != nil {
		return nil, o, err
	}
	headers = withEnqueuedAt(headers, now)
	if o.enqueuedBy != "" {
		headers[HeaderEnqueuedBy] = o.enqueuedBy
	}
	return asynq.NewTaskWithHeaders(typ, b, headers, o.asynqOptions(typ)...), o, nil
}

// NewTask validates p and returns a task of p's type that carries its asynq
// options (the queue of its type unless Queue says otherwise, MaxRetry
// budget+1, schedule). It serves every task type; the NewXxxTask
// constructors are typed shorthands for it.
func NewTask(p Payload, opts ...Option) (*asynq.Task, error) {
	return newTask(p, defaultOptions(), opts)
}

// Encode returns the canonical encoding of p, as every enqueued task
// carries it: compact JSON without HTML escaping. It does not validate p.
func Encode(p Payload) ([]byte, error) {
	b, err := marshal(p)
	if err != nil {
		return nil, fmt.Errorf("encoding %s payload: %w", p.TaskType(), err)
	}
	return b, nil
}

// marshal returns the canonical encoding of a payload: compact, and without
// encoding/json's HTML escaping, which would grow "<" in a message to
// "\u003c" after the size check.
func marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}
