package dispatcher_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/chatq/chatq/dispatcher"
	"github.com/chatq/chatq/policy"
)

func TestDecisionError(t *testing.T) {
	t.Parallel()
	cause := errors.New("POST /messages/users: 429")
	decisionErr := func(a policy.Action, delay time.Duration) *dispatcher.DecisionError {
		return &dispatcher.DecisionError{Decision: policy.Decision{Action: a, Delay: delay, Reason: "rate limited (429)"}, Err: cause}
	}
	tests := []struct {
		name          string
		err           error
		wantIsFailure bool
		wantDelay     time.Duration
	}{
		{"defer is not a failure", decisionErr(policy.ActionDefer, 3*time.Second), false, 3 * time.Second},
		{"credentials is not a failure", decisionErr(policy.ActionCredentials, time.Minute), false, time.Minute},
		{"retry is a failure", decisionErr(policy.ActionRetry, 2*time.Second), true, 2 * time.Second},
		{"refresh is a failure", decisionErr(policy.ActionRefresh, time.Second), true, time.Second},
		{"wrapped defer", fmt.Errorf("send message: %w", decisionErr(policy.ActionDefer, 4*time.Second)), false, 4 * time.Second},
		{"joined retry", errors.Join(errors.New("x"), decisionErr(policy.ActionRetry, 5*time.Second)), true, 5 * time.Second},
		{"plain error", cause, true, 9 * time.Second},
		{"nil", nil, false, 9 * time.Second},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tc.wantIsFailure, dispatcher.IsFailure(tc.err), "IsFailure")
			require.Equal(t, tc.wantDelay, dispatcher.RetryDelay(tc.err, 9*time.Second), "RetryDelay")
		})
	}

	t.Run("Error and Unwrap", func(t *testing.T) {
		t.Parallel()
		err := decisionErr(policy.ActionDefer, 0)
		require.EqualError(t, err, "defer: rate limited (429): POST /messages/users: 429")
		require.ErrorIs(t, fmt.Errorf("x: %w", err), cause)
		require.EqualError(t, &dispatcher.DecisionError{Decision: policy.Decision{Action: policy.ActionDone, Reason: "r"}}, "done: r")
	})
}

func ExampleIsFailure() {
	p, err := policy.New(policy.Config{})
	if err != nil {
		panic(err)
	}
	d := p.Decide(policy.Failure{Status: 429, Code: "reach_limit"}, 0)
	err = fmt.Errorf("send message: %w", &dispatcher.DecisionError{Decision: d, Err: errors.New("429 Too Many Requests")})
	fmt.Println(dispatcher.IsFailure(err), dispatcher.IsFailure(errors.New("boom")))
	// Output: false true
}
