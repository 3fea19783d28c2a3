package taskline

import (
	"fmt"
	"time"

	"github.com/chatq/chatq/ordering"
	"github.com/chatq/chatq/tasks"
)

// Options returns the options of the line's optional fields: tasks.Key for
// "key", tasks.ExpiresAt for "expires_at", tasks.TTL for "ttl",
// tasks.OrderKey for "order_key", tasks.Ordered for "ordered". A
// malformed field is a *tasks.ValidationError naming it.
func (l Line) Options() ([]tasks.Option, error) {
	var opts []tasks.Option
	if l.Key != "" {
		if len(l.Key) > tasks.MaxKeyBytes {
			return nil, l.invalid("key", fmt.Sprintf("must be at most %d bytes, got %d", tasks.MaxKeyBytes, len(l.Key)))
		}
		opts = append(opts, tasks.Key(l.Key))
	}
	if l.ExpiresAt != "" && l.TTL != "" {
		return nil, l.invalid("ttl", `must not be set together with "expires_at"`)
	}
	if l.ExpiresAt != "" {
		at, err := time.Parse(time.RFC3339, l.ExpiresAt)
		if err != nil {
			return nil, l.invalid("expires_at", fmt.Sprintf("must be an RFC 3339 time such as 2026-01-02T15:04:05Z, got %q", l.ExpiresAt))
		}
		opts = append(opts, tasks.ExpiresAt(at))
	}
	if l.TTL != "" {
		d, err := time.ParseDuration(l.TTL)
		if err != nil || d <= 0 {
			return nil, l.invalid("ttl", fmt.Sprintf("must be a positive duration such as 90s or 2h, got %q", l.TTL))
		}
		opts = append(opts, tasks.TTL(d))
	}
	switch {
	case l.OrderKey != "" && l.Ordered:
		return nil, l.invalid("ordered", `must not be set together with "order_key"`)
	case l.OrderKey != "":
		if err := ordering.CheckKey(l.OrderKey); err != nil {
			return nil, l.invalid("order_key", err.Error())
		}
		opts = append(opts, tasks.OrderKey(l.OrderKey))
	case l.Ordered:
		opts = append(opts, tasks.Ordered())
	}
	return opts, nil
}

func (l Line) invalid(field, rule string) error {
	return &tasks.ValidationError{Type: l.Type, Field: field, Rule: rule}
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
