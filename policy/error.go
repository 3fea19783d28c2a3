package policy

import (
	"errors"
	"time"
)

// DecisionError carries a Decision from a handler back to the asynq seams
// (IsFailure, RetryDelayFunc) through the error chain. Handlers return it as
// *DecisionError, possibly wrapped.
type DecisionError struct {
	Decision Decision
	Err      error
}

// Error formats as "<action>: <reason>: <err>".
func (e *DecisionError) Error() string {
	s := e.Decision.Action.String() + ": " + e.Decision.Reason
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns the underlying error.
func (e *DecisionError) Unwrap() error { return e.Err }

// IsFailure reports whether err should count against the task's retry budget.
// It is false when the chain holds a *DecisionError whose action is defer or
// credentials (and for a nil err); true otherwise, including errors that carry
// no decision.
func IsFailure(err error) bool {
	if err == nil {
		return false
	}
	var de *DecisionError
	if errors.As(err, &de) {
		return de.Decision.Action != ActionDefer && de.Decision.Action != ActionCredentials
	}
	return true
}

// RetryDelay returns the Delay of the *DecisionError in err's chain, else fallback.
func RetryDelay(err error, fallback time.Duration) time.Duration {
	var de *DecisionError
	if errors.As(err, &de) {
		return de.Decision.Delay
	}
	return fallback
}
