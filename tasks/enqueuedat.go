package tasks

import (
	"strconv"
	"time"

	"github.com/hibiken/asynq"
)

// HeaderEnqueuedAt is the task header that carries the enqueue time, in
// Unix milliseconds, so workers can measure end-to-end latency. Tasks from
// producers that do not set it simply have no such measurement.
const HeaderEnqueuedAt = "chatq-enqueued-at"

// EnqueuedAt returns the enqueue time a task's HeaderEnqueuedAt header
// carries; ok is false when the header is missing or malformed.
func EnqueuedAt(t *asynq.Task) (at time.Time, ok bool) {
	v, found := t.Headers()[HeaderEnqueuedAt]
	if !found {
		return time.Time{}, false
	}
	ms, err := strconv.ParseInt(v, 10, 64)
	if err != nil || ms <= 0 {
		return time.Time{}, false
	}
	return time.UnixMilli(ms), true
}

// withEnqueuedAt adds HeaderEnqueuedAt (now) to headers, allocating them
// when nil.
func withEnqueuedAt(headers map[string]string, now time.Time) map[string]string {
	if headers == nil {
		headers = make(map[string]string, 1)
	}
	headers[HeaderEnqueuedAt] = strconv.FormatInt(now.UnixMilli(), 10)
	return headers
}
