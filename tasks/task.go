package tasks

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/hibiken/asynq"
)

// validator is implemented by every payload struct.
type validator interface {
	Validate(Limits) error
}

// newTask resolves opts over defaults, validates p and returns the task with
// its asynq options. Every NewXxxTask constructor and Client method ends here.
func newTask(typ string, p validator, defaults options, opts []Option) (*asynq.Task, error) {
	o, err := defaults.resolve(opts)
	if err != nil {
		return nil, err
	}
	if err := p.Validate(o.limits); err != nil {
		return nil, err
	}
	b, err := marshal(p)
	if err != nil {
		return nil, fmt.Errorf("encoding %s payload: %w", typ, err)
	}
	return asynq.NewTask(typ, b, o.asynqOptions(typ)...), nil
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
