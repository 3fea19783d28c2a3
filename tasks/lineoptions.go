package tasks

import (
	"fmt"
	"time"
)

// Options returns the options of the line's optional fields: Key for "key",
// ExpiresAt for "expires_at", TTL for "ttl". A malformed field is a
// *ValidationError naming it.
func (l Line) Options() ([]Option, error) {
	var opts []Option
	if l.Key != "" {
		if len(l.Key) > maxKeyBytes {
			return nil, l.invalid("key", fmt.Sprintf("must be at most %d bytes, got %d", maxKeyBytes, len(l.Key)))
		}
		opts = append(opts, Key(l.Key))
	}
	if l.ExpiresAt != "" && l.TTL != "" {
		return nil, l.invalid("ttl", `must not be set together with "expires_at"`)
	}
	if l.ExpiresAt != "" {
		at, err := time.Parse(time.RFC3339, l.ExpiresAt)
		if err != nil {
			return nil, l.invalid("expires_at", fmt.Sprintf("must be an RFC 3339 time such as 2026-01-02T15:04:05Z, got %q", l.ExpiresAt))
		}
		opts = append(opts, ExpiresAt(at))
	}
	if l.TTL != "" {
		d, err := time.ParseDuration(l.TTL)
		if err != nil || d <= 0 {
			return nil, l.invalid("ttl", fmt.Sprintf("must be a positive duration such as 90s or 2h, got %q", l.TTL))
		}
		opts = append(opts, TTL(d))
	}
	return opts, nil
}

func (l Line) invalid(field, rule string) error {
	return &ValidationError{Type: l.Type, Field: field, Rule: rule}
}

// checkDeadline refuses an "expires_at" that is not after now: the task
// could only be dead-lettered, and a file with such a line must not be
// enqueued in part (issue #10).
func (l Line) checkDeadline(now time.Time) error {
	if l.ExpiresAt == "" {
		return nil
	}
	at, err := time.Parse(time.RFC3339, l.ExpiresAt)
	if err == nil && !at.After(now) {
		return l.invalid("expires_at", fmt.Sprintf("must be in the future, got %s (already passed)", l.ExpiresAt))
	}
	return nil
}
