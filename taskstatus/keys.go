package taskstatus

import (
	"strconv"
	"strings"
	"time"
)

// Outcomes a delivered marker records.
const (
	OutcomeDelivered = "delivered"
	OutcomeDone      = "done"
)

// DeliveredKey is the Redis key of a task's delivered marker. The {chatq}
// hash tag keeps it in the slot of chatq's other keys.
func DeliveredKey(taskID string) string { return "{chatq}:delivered:" + taskID }

// StateKey is the Redis hash of a failing task's state: its first failure,
// its deferrals and its last decision (Decision).
func StateKey(taskID string) string { return "{chatq}:task:" + taskID }

// Marker is the value of a delivered marker: a digest of what the task
// sends (so it matches only that task), how it ended and when.
type Marker struct {
	Digest  string
	Outcome string // OutcomeDelivered or OutcomeDone; "" for a marker written before issue #14
	At      time.Time
	// Result is what the provider made, as compact JSON ({"id":"…"} of a
	// chatroom:create, issue #12); "" for most tasks.
	Result string
}

// String encodes the marker as "<digest> <outcome> <unix ms>", then
// " <result>" when there is one.
func (m Marker) String() string {
	s := m.Digest + " " + m.Outcome + " " + strconv.FormatInt(m.At.UnixMilli(), 10)
	if m.Result != "" {
		s += " " + m.Result
	}
	return s
}

// ParseMarker decodes a marker value; a value of a digest alone (the
// format before issue #14) has no outcome and no time.
func ParseMarker(v string) Marker {
	f := strings.Fields(v)
	m := Marker{}
	if len(f) > 0 {
		m.Digest = f[0]
	}
	if len(f) > 2 {
		m.Outcome = f[1]
		if ms, err := strconv.ParseInt(f[2], 10, 64); err == nil {
			m.At = time.UnixMilli(ms)
		}
	}
	if len(f) > 3 {
		m.Result = strings.Join(f[3:], " ")
	}
	return m
}

// Fields of StateKey's hash that hold the last decision.
const (
	fieldLastAction = "last_action"
	fieldLastRule   = "last_rule"
	fieldLastReason = "last_reason"
	fieldLastStatus = "last_status"
	fieldLastCode   = "last_code"
	fieldLastAt     = "last_at"
)

// Decision is the last decision the dispatcher took about a failed
// attempt of a task that is still to be tried again.
type Decision struct {
	Action string    `json:"action"`           // retry, defer, refresh, credentials
	Rule   string    `json:"rule,omitempty"`   // the policy row
	Reason string    `json:"reason,omitempty"` // one human line
	Status int       `json:"status,omitempty"` // the provider's HTTP status; 0 when there was no answer
	Code   string    `json:"code,omitempty"`   // the provider's error code
	At     time.Time `json:"at"`
}

// Fields returns the decision as StateKey hash fields, for HSET.
func (d Decision) Fields() []any {
	return []any{fieldLastAction, d.Action, fieldLastRule, d.Rule, fieldLastReason, d.Reason,
		fieldLastStatus, d.Status, fieldLastCode, d.Code, fieldLastAt, d.At.UnixMilli()}
}

// decisionOf reads the decision of a StateKey hash; nil when none was
// recorded.
func decisionOf(h map[string]string) *Decision {
	if h[fieldLastAction] == "" {
		return nil
	}
	d := &Decision{Action: h[fieldLastAction], Rule: h[fieldLastRule], Reason: h[fieldLastReason], Code: h[fieldLastCode]}
	d.Status, _ = strconv.Atoi(h[fieldLastStatus])
	if ms, err := strconv.ParseInt(h[fieldLastAt], 10, 64); err == nil {
		d.At = time.UnixMilli(ms).UTC()
	}
	return d
}
