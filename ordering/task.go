package ordering

import (
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/hibiken/asynq"
)

// Task headers an ordered task carries in asynq.
const (
	// HeaderKey is the order key of an ordered task; a task without it is
	// not ordered.
	HeaderKey = "chatq-order-key"
	// HeaderPosition is the task's position in its key: 1 for the first
	// task ever appended to the key, counting up.
	HeaderPosition = "chatq-order-pos"
)

// MaxKeyBytes bounds an order key: it becomes part of Redis key names.
const MaxKeyBytes = 512

// HeaderPriorAttempts counts the attempts a task had before it was
// enqueued in asynq: a worker that runs its key's next head at once
// (dispatcher) enqueues it for its retry with this header, so that asynq's
// retry count plus it is the task's.
const HeaderPriorAttempts = "chatq-order-prior-attempts"

// Task is what an ordered task is until it is the head of its key: all it
// takes to enqueue it in asynq, kept in Redis as JSON.
type Task struct {
	Type      string            `json:"type"`
	Payload   []byte            `json:"payload"`
	Headers   map[string]string `json:"headers,omitempty"`
	Queue     string            `json:"queue"`
	MaxRetry  int               `json:"max_retry"`
	Retention time.Duration     `json:"retention,omitempty"`
	// ProcessAt is the earliest time it may run (tasks.Delay, ProcessAt);
	// zero: as soon as it is the head.
	ProcessAt time.Time `json:"process_at,omitzero"`
}

// Position parses HeaderPosition; 0 when absent or malformed.
func Position(headers map[string]string) int64 {
	n, _ := strconv.ParseInt(headers[HeaderPosition], 10, 64)
	return n
}

// PriorAttempts parses HeaderPriorAttempts; 0 when absent or malformed.
func PriorAttempts(headers map[string]string) int {
	n, err := strconv.Atoi(headers[HeaderPriorAttempts])
	if err != nil || n < 0 {
		return 0
	}
	return n
}

// asynqTask builds the asynq task for id, at position pos of key.
func (t Task) asynqTask(id, key string, pos int64) *asynq.Task {
	h := make(map[string]string, len(t.Headers)+2)
	for k, v := range t.Headers {
		h[k] = v
	}
	h[HeaderKey], h[HeaderPosition] = key, strconv.FormatInt(pos, 10)
	opts := []asynq.Option{asynq.TaskID(id), asynq.Queue(t.Queue), asynq.MaxRetry(t.MaxRetry)}
	if t.Retention > 0 {
		opts = append(opts, asynq.Retention(t.Retention))
	}
	if !t.ProcessAt.IsZero() {
		opts = append(opts, asynq.ProcessAt(t.ProcessAt))
	}
	return asynq.NewTaskWithHeaders(t.Type, t.Payload, h, opts...)
}

func encodeTask(t Task) (string, error) {
	b, err := json.Marshal(t)
	if err != nil {
		return "", fmt.Errorf("ordering: encoding task: %w", err)
	}
	return string(b), nil
}

func decodeTask(s string) (Task, error) {
	var t Task
	if err := json.Unmarshal([]byte(s), &t); err != nil {
		return Task{}, fmt.Errorf("ordering: decoding task: %w", err)
	}
	return t, nil
}
