package policy

import (
	"fmt"
	"strings"
)

// Action is what the dispatcher does with a task whose provider call failed.
// The zero value is not a valid action, so a row that forgets its action is
// rejected rather than silently marked done.
type Action int

// The actions, in the order they are documented in the package comment.
const (
	// ActionDone treats the task as successful: the state it wanted exists.
	ActionDone Action = iota + 1
	// ActionRetry retries after a backoff and counts against the retry budget.
	ActionRetry
	// ActionDefer retries later without counting a failure (rate limits).
	ActionDefer
	// ActionRefresh fetches a new app token and retries.
	ActionRefresh
	// ActionDeadLetter stops retrying and stores the task as a dead letter.
	ActionDeadLetter
	// ActionCredentials keeps the task until an operator fixes the
	// credentials; like defer it does not count a failure.
	ActionCredentials
)

// String returns the text form used in rule files, logs and dead letters.
//
// Note: if you add a value to Action, update String (and so ParseAction,
// MarshalText and UnmarshalText, which are built on it).
func (a Action) String() string {
	switch a {
	case ActionDone:
		return "done"
	case ActionRetry:
		return "retry"
	case ActionDefer:
		return "defer"
	case ActionRefresh:
		return "refresh"
	case ActionDeadLetter:
		return "dead-letter"
	case ActionCredentials:
		return "credentials"
	}
	return fmt.Sprintf("Action(%d)", int(a))
}

// allActions lists the valid actions for parsing and error messages.
var allActions = []Action{ActionDone, ActionRetry, ActionDefer, ActionRefresh, ActionDeadLetter, ActionCredentials}

// Valid reports whether a is one of the declared actions.
func (a Action) Valid() bool { return a >= ActionDone && a <= ActionCredentials }

// ParseAction parses the text form of an action ("dead-letter"), ignoring
// case and surrounding space.
func ParseAction(s string) (Action, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	for _, a := range allActions {
		if a.String() == s {
			return a, nil
		}
	}
	return 0, fmt.Errorf("unknown action %q (want %s)", s, actionList())
}

// MarshalText implements encoding.TextMarshaler; an invalid action is an error.
func (a Action) MarshalText() ([]byte, error) {
	if !a.Valid() {
		return nil, fmt.Errorf("invalid action %d", int(a))
	}
	return []byte(a.String()), nil
}

// UnmarshalText implements encoding.TextUnmarshaler with [ParseAction].
func (a *Action) UnmarshalText(text []byte) error {
	v, err := ParseAction(string(text))
	if err != nil {
		return fmt.Errorf("action: %w", err)
	}
	*a = v
	return nil
}

// delayed reports whether the action schedules another attempt, so that a
// backoff class and a delay make sense for it.
func (a Action) delayed() bool {
	return a == ActionRetry || a == ActionDefer || a == ActionRefresh || a == ActionCredentials
}

func actionList() string {
	names := make([]string, len(allActions))
	for i, a := range allActions {
		names[i] = a.String()
	}
	return strings.Join(names, ", ")
}

// Class names a backoff schedule, configured in [Config.Backoff].
type Class string

// The built-in backoff classes.
const (
	// ClassTransient is for failures that clear in seconds (5xx, timeouts,
	// per-second rate limits): 1s doubling to 5m by default.
	ClassTransient Class = "transient"
	// ClassSlow is for failures that clear in minutes or hours (plan caps,
	// credentials): 1m doubling to 1h by default.
	ClassSlow Class = "slow"
)
