package dispatcher

import (
	"errors"
	"net/http"

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
	var refused *agora.RefusedError
	switch {
	case errors.As(err, &apiErr):
		f.Status = apiErr.Status
		f.Code = apiErr.Code
		f.Message = apiErr.Description
		f.ErrorCode = apiErr.ErrorCode
		f.RetryAfter = apiErr.RetryAfter
	case errors.As(err, &refused):
		// A 200 that says no: decided by the 200 rows for its code.
		f.Status = http.StatusOK
		f.Code = refused.Code
		f.Message = refused.Description
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
