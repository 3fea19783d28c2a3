package dispatcher

import (
	"errors"
	"time"

	"github.com/chatq/chatq/policy"
)

// ErrCredentialsRejected is reported by Worker.Ready while the provider
// rejects chatq's credentials.
var ErrCredentialsRejected = errors.New("dispatcher: credentials rejected")

// ErrCredentialsUnchecked is reported by Worker.Ready until the start check
// of the credentials (Config.CheckCredentials) has run.
var ErrCredentialsUnchecked = errors.New("dispatcher: credentials not checked yet")

// DecisionError carries a policy.Decision from the handler back to the
// asynq seams (IsFailure, RetryDelay) through the error chain. The handler
// returns it as *DecisionError, possibly wrapped. It lives here, not in
// policy, because it exists only for asynq: policy stays pure.
type DecisionError struct {
	Decision policy.Decision
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

// IsFailure is the worker's asynq.Config.IsFailure: whether err counts
// against the task's retry budget. It is false when the chain holds a
// *DecisionError whose action is defer or credentials (and for a nil err);
// true otherwise, including errors that carry no decision.
func IsFailure(err error) bool {
	if err == nil {
		return false
	}
	var de *DecisionError
	if errors.As(err, &de) {
		return de.Decision.Action != policy.ActionDefer && de.Decision.Action != policy.ActionCredentials
	}
	return true
}

// RetryDelay returns the Delay of the *DecisionError in err's chain, else
// fallback; the worker's asynq.Config.RetryDelayFunc is built on it.
func RetryDelay(err error, fallback time.Duration) time.Duration {
	var de *DecisionError
	if errors.As(err, &de) {
		return de.Decision.Delay
	}
	return fallback
}
