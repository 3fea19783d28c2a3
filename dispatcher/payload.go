package dispatcher

import (
	"errors"
	"fmt"

	"github.com/chatq/chatq/deadletter"
	"github.com/chatq/chatq/policy"
)

// payloadTooLargeError refuses a payload over Config.MaxPayloadBytes before
// it is decoded. A foreign producer's 20 MB payload used to be decoded and
// then kept whole in its dead letter; six took a worker to 543 MB (issue
// 10, item 3). asynq has read the payload already; the cap keeps chatq
// from multiplying it.
type payloadTooLargeError struct {
	size, max int
}

func (e *payloadTooLargeError) Error() string {
	return fmt.Sprintf("payload of %d bytes is over the %d-byte cap (the worker's MaxPayloadBytes); not decoded", e.size, e.max)
}

// refused is the verdict on a payload the worker will not run: too large,
// or not decoding or validating as its task type.
func refused(err error) verdict {
	var tooLarge *payloadTooLargeError
	if errors.As(err, &tooLarge) {
		return verdict{decision: policy.Decision{Action: policy.ActionDeadLetter, Rule: payloadTooLargeRule},
			reason: err.Error(), refusedPayload: true}
	}
	return verdict{decision: policy.Decision{Action: policy.ActionDeadLetter, Rule: invalidPayloadRule},
		reason: "invalid payload: " + err.Error(), refusedPayload: true}
}

// keepPayload puts the task's payload in its dead letter: whole when the
// worker could have run it, so a replay sends it again; only its first
// deadletter.PayloadPrefixBytes, with its size and SHA-256, when the
// payload itself was refused or is over the cap (such a record cannot be
// replayed, and a producer's megabytes do not fill Redis twice).
func (w *Worker) keepPayload(rec *deadletter.Record, r run, v verdict) {
	keep := len(r.payload)
	if v.refusedPayload || keep > w.cfg.MaxPayloadBytes {
		keep = deadletter.PayloadPrefixBytes
	}
	rec.SetPayloadPrefix(r.payload, keep)
}
