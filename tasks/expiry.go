package tasks

import (
	"fmt"
	"maps"
	"slices"
	"time"
)

// HeaderExpiresAt is the task header that carries a task's deadline as an
// RFC 3339 time (UTC, nanoseconds). A worker never sends a task after its
// deadline: it dead-letters it with the rule "expired". Tasks without the
// header never expire.
const HeaderExpiresAt = "chatq-expires-at"

// ExpiresAt gives the task a deadline: if it has not been sent by t (it
// waited in its queue, for a retry, a deferral or a paused queue), it is
// dead-lettered with the reason "expired" and never sent. It replaces an
// earlier TTL. A deadline that has passed when the task is enqueued is an
// error.
func ExpiresAt(t time.Time) Option {
	return optionFunc(func(o *options) error {
		if t.IsZero() {
			return fmt.Errorf("ExpiresAt: must not be the zero time")
		}
		o.expiresAt, o.ttl = t, 0
		return nil
	})
}

// TTL gives the task the deadline "enqueue time + d" (see ExpiresAt). It
// replaces an earlier ExpiresAt and the task type's default
// (ClientConfig.ExpiryDefaults).
func TTL(d time.Duration) Option {
	return optionFunc(func(o *options) error {
		if d <= 0 {
			return fmt.Errorf("TTL: must be > 0, got %v", d)
		}
		o.expiresAt, o.ttl = time.Time{}, d
		return nil
	})
}

// deadline returns the task's deadline for an enqueue at now: ExpiresAt,
// else now+TTL, else now + the type's default TTL, else zero (none). A
// deadline not after now is an error.
func (o options) deadline(typ string, now time.Time) (time.Time, error) {
	at := o.expiresAt
	switch {
	case !at.IsZero():
	case o.ttl > 0:
		at = now.Add(o.ttl)
	case o.expiry[typ] > 0:
		at = now.Add(o.expiry[typ])
	default:
		return time.Time{}, nil
	}
	if !at.After(now) {
		return time.Time{}, fmt.Errorf("ExpiresAt: the deadline %s has already passed", at.UTC().Format(time.RFC3339Nano))
	}
	return at, nil
}

// Deadline returns the deadline a task's headers carry (HeaderExpiresAt);
// ok is false when there is none. A malformed header is an error: a worker
// must not guess a deadline.
func Deadline(headers map[string]string) (at time.Time, ok bool, err error) {
	v, found := headers[HeaderExpiresAt]
	if !found {
		return time.Time{}, false, nil
	}
	at, err = time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return time.Time{}, false, fmt.Errorf("header %s: must be an RFC 3339 time, got %q", HeaderExpiresAt, v)
	}
	return at, true, nil
}

// checkExpiryDefaults validates ClientConfig.ExpiryDefaults, in type
// order, so that the error is the same on every run.
func checkExpiryDefaults(m map[string]time.Duration) error {
	for _, typ := range slices.Sorted(maps.Keys(m)) {
		d := m[typ]
		if !known(typ) {
			return fmt.Errorf("ExpiryDefaults: unknown task type %q", typ)
		}
		if d <= 0 {
			return fmt.Errorf("ExpiryDefaults[%q]: must be > 0, got %v", typ, d)
		}
	}
	return nil
}

// headers returns the task headers for an enqueue at now: the deadline, if
// any. nil when there is none.
func (o options) headers(typ string, now time.Time) (map[string]string, error) {
	at, err := o.deadline(typ, now)
	if err != nil || at.IsZero() {
		return nil, err
	}
	return map[string]string{HeaderExpiresAt: at.UTC().Format(time.RFC3339Nano)}, nil
}
