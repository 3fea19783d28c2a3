package deadletter

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"time"
)

// Record is one dead letter: the task as it was and why chatq gave up on it.
type Record struct {
	TaskID string `json:"task_id"`
	Type   string `json:"type"`
	Queue  string `json:"queue"`
	// Payload is the task payload when it is JSON; PayloadRaw holds it
	// otherwise (a foreign producer's garbage is kept byte for byte, up to
	// PayloadPrefixBytes when it was refused; see SetPayloadPrefix).
	Payload    json.RawMessage `json:"payload,omitempty"`
	PayloadRaw []byte          `json:"payload_raw,omitempty"`
	// PayloadSize and PayloadSHA256 (hex) describe the task's whole payload
	// when the record keeps only its first bytes (in PayloadRaw; see
	// SetPayloadPrefix); both are empty when it keeps all of it. Such a
	// record cannot be replayed.
	PayloadSize   int    `json:"payload_size,omitempty"`
	PayloadSHA256 string `json:"payload_sha256,omitempty"`
	// Redacted lists the payload's secret fields ("users[0].password")
	// the record does not keep: a replay needs them patched back in where
	// the provider requires them.
	Redacted []string `json:"redacted,omitempty"`

	Status      int    `json:"status,omitempty"`     // HTTP status of the last failure; 0 when there was none
	Code        string `json:"code,omitempty"`       // provider "error" code
	ErrorCode   int    `json:"error_code,omitempty"` // Easemob's numeric "error_code" (14007); 0 when absent
	Description string `json:"description,omitempty"`
	Rule        string `json:"rule"`   // the policy row (or chatq rule) that decided
	Action      string `json:"action"` // the action of that row
	Reason      string `json:"reason"` // one human line, also the archived task's last error
	// Items lists the batch members this record is about, when only some
	// items of a batch failed.
	Items []string `json:"items,omitempty"`
	// OrderKey is the order key of an ordered task ("" when unordered),
	// OrderPosition its position in that key (README, "Ordered
	// conversations").
	OrderKey      string `json:"order_key,omitempty"`
	OrderPosition int64  `json:"order_position,omitempty"`

	Attempts     int       `json:"attempts"`  // handler runs, including the last one
	Deferrals    int       `json:"deferrals"` // rate-limit and credential deferrals
	FirstFailure time.Time `json:"first_failure"`
	LastFailure  time.Time `json:"last_failure"`
	Worker       string    `json:"worker,omitempty"` // host:pid of the deciding worker
	// Source is "reconciler" when the record was made from a task found in
	// asynq's archive without a record (a lease expired with no retries
	// left, or an operator archived it in asynqmon); empty when the
	// dispatcher wrote it.
	Source string `json:"source,omitempty"`

	// State and ResolvedAt are not stored in the record: they are read from
	// the resolution set when the record is read.
	State      State     `json:"state"`
	ResolvedAt time.Time `json:"resolved_at,omitzero"`
}

// State says whether a dead letter still needs an operator.
type State string

// States of a dead letter.
const (
	// StateOpen is a dead letter nobody has dealt with yet.
	StateOpen State = "open"
	// StateResolved is a dead letter whose task later succeeded: it was run
	// again from asynqmon and a worker delivered it. Replay skips it.
	StateResolved State = "resolved"
)

// SourceReconciler marks records the reconciler made from asynq's archive.
const SourceReconciler = "reconciler"

// PayloadPrefixBytes is how much of a payload a record keeps when it does
// not keep all of it: enough to see what a producer sent, not the
// megabytes of a payload that was refused for its size (issue 10, item 3).
const PayloadPrefixBytes = 4 << 10

// SetPayload stores p as JSON when it is valid JSON, else as raw bytes,
// without its secret fields (a user's password), whose paths it lists in
// Redacted.
func (r *Record) SetPayload(p []byte) {
	p, r.Redacted = redactPayload(p)
	r.PayloadSize, r.PayloadSHA256 = 0, ""
	if json.Valid(p) {
		r.Payload = append(json.RawMessage(nil), p...)
		r.PayloadRaw = nil
		return
	}
	r.Payload = nil
	r.PayloadRaw = append([]byte(nil), p...)
}

// SetPayloadPrefix stores p whole (as SetPayload does) when it has at most
// n bytes; otherwise it keeps only the first n bytes, as raw bytes, with
// the size and SHA-256 of the whole p, and the record can no longer be
// replayed (PayloadTruncated).
func (r *Record) SetPayloadPrefix(p []byte, n int) {
	if len(p) <= n {
		r.SetPayload(p)
		return
	}
	sum := sha256.Sum256(p)
	r.Payload = nil
	r.PayloadRaw, r.Redacted = redactPayload(append([]byte(nil), p[:max(n, 0)]...))
	r.PayloadSize, r.PayloadSHA256 = len(p), hex.EncodeToString(sum[:])
}

// PayloadTruncated reports whether the record keeps only the first bytes
// of the task's payload.
func (r *Record) PayloadTruncated() bool { return r.PayloadSize > 0 }

// PayloadBytes returns the payload as the task carried it, less the
// fields listed in Redacted, or its kept prefix when PayloadTruncated.
func (r *Record) PayloadBytes() []byte {
	if r.Payload != nil {
		return r.Payload
	}
	return r.PayloadRaw
}
