package tasks

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"

	"github.com/hibiken/asynq"
)

// validator is implemented by every payload struct.
type validator interface {
	Validate(Limits) error
}

// validated is a payload that Decode has just validated with the limits
// the same options resolve to (Client.decode), so buildTask does not
// validate it a second time: validation is most of an enqueue's CPU, and
// the ingest API's batches (Check, then Enqueue) paid for it four times.
type validated struct{ p validator }

func (v validated) Validate(Limits) error { return nil }

// newTask resolves opts over defaults, validates p and returns the task with
// its asynq options and headers. Every NewXxxTask constructor ends here. Key
// is refused: only a Client can keep an idempotency key.
func newTask(typ string, p validator, defaults options, opts []Option) (*asynq.Task, error) {
	task, o, err := buildTask(typ, p, defaults, opts, time.Now())
	if err == nil && o.key != "" {
		return nil, errKeyNeedsClient
	}
	return task, err
}

// buildTask is newTask for a Client, which needs the resolved options too;
// now is the enqueue time (for TTL).
func buildTask(typ string, p validator, defaults options, opts []Option, now time.Time) (*asynq.Task, options, error) {
	o, err := defaults.resolve(opts)
	if err != nil {
		return nil, o, err
	}
	if v, ok := p.(validated); ok {
		p = v.p
	} else if err := p.Validate(o.limits); err != nil {
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
