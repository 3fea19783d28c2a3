package dispatcher

import (
	"errors"

	"github.com/chatq/chatq/agora"
	"github.com/chatq/chatq/policy"
)

// failureOf turns what the REST client reported into the policy's input.
// The client reports; only the policy decides.
func failureOf(err error, taskType string) policy.Failure {
	f := policy.Failure{TaskType: taskType}
	var tokErr *agora.TokenError
	if errors.As(err, &tokErr) {
		f.Token = true
	}
	var apiErr *agora.APIError
	var netErr *agora.NetworkError
	switch {
	case errors.As(err, &apiErr):
		f.Status = apiErr.Status
		f.Code = apiErr.Code
		f.Message = apiErr.Description
		f.RetryAfter = apiErr.RetryAfter
	case errors.As(err, &netErr):
		f.Network = true
	default:
		// Anything else (a bug, an unexpected transport error) is treated
		// like a network error: retried within the budget, never lost.
		f.Network = true
	}
	return f
}

// itemFailure is one member of a batch the provider did not apply.
type itemFailure struct {
	Item    string
	Failure policy.Failure
}
