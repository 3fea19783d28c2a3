package tasks

import (
	"fmt"
	"strings"
	"time"
)

// HeaderEnqueuedBy is the task header that names who enqueued the task:
// the name of the API key of an HTTP enqueue (issue #14). Tasks enqueued
// otherwise have no such header.
const HeaderEnqueuedBy = "chatq-enqueued-by"

// maxEnqueuedByBytes bounds EnqueuedBy's name, which every task carries.
const maxEnqueuedByBytes = 64

// Retain keeps the task in asynq's completed set for d after it finishes,
// so its status can be read there (the ingest API's status window). It
// costs Redis memory for each task for d. A keyed task is retained for at
// least the idempotency window anyway (Key).
func Retain(d time.Duration) Option {
	return optionFunc(func(o *options) error {
		if d <= 0 {
			return fmt.Errorf("Retain: must be > 0, got %v", d)
		}
		o.retain = d
		return nil
	})
}

// EnqueuedBy records name in the task's HeaderEnqueuedBy header. name is 1
// to 64 printable ASCII characters without spaces.
func EnqueuedBy(name string) Option {
	return optionFunc(func(o *options) error {
		if name == "" || len(name) > maxEnqueuedByBytes || strings.IndexFunc(name, notNameRune) >= 0 {
			return fmt.Errorf("EnqueuedBy: must be 1 to %d printable ASCII characters without spaces, got %q", maxEnqueuedByBytes, name)
		}
		o.enqueuedBy = name
		return nil
	})
}

func notNameRune(r rune) bool { return r <= ' ' || r > '~' }
