package policy

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestPolicy_Decide(t *testing.T) {
	t.Parallel()
	bundle := setup(t)
	tests := []struct {
		name       string
		failure    Failure
		attempt    int
		wantAction Action
		wantDelay  time.Duration
		wantReason string
	}{
		{"done has no delay", Failure{Status: 400, Code: "duplicate_unique_property_exists", TaskType: "user:register"}, 0,
			ActionDone, 0, "user already exists (400 duplicate_unique_property_exists)"},
		{"dead-letter has no delay", Failure{Status: 404, Code: "file_expired", Message: "file x is expired"}, 3,
			ActionDeadLetter, 0, "file expired (404 file_expired)"},
		{"retry uses transient backoff", Failure{Status: 503}, 2, ActionRetry, 4 * time.Second, "service unavailable (503)"},
		{"retry slow class", Failure{Status: 429, Code: "resource_limited"}, 1, ActionRetry, 2 * time.Minute, "pricing plan limit exceeded (429 resource_limited)"},
		{"network", Failure{Network: true}, 0, ActionRetry, time.Second, "network error (network)"},
		{"token failure", Failure{Status: 401, Code: "unauthorized", Token: true}, 0, ActionCredentials, time.Minute, "token request unauthorized (token 401 unauthorized)"},
		{"Retry-After wins", Failure{Status: 429, Code: "reach_limit", Message: "This request has reached api limit.", RetryAfter: 7 * time.Second}, 5, ActionDefer, 7 * time.Second, "API call rate limit (429 reach_limit)"},
		{"Retry-After is capped", Failure{Status: 503, RetryAfter: 3 * time.Hour}, 0, ActionRetry, DefaultMaxRetryAfter, "service unavailable (503)"},
		{"Retry-After ignored for dead-letter", Failure{Status: 405, RetryAfter: time.Minute}, 0, ActionDeadLetter, 0, "method not allowed (405)"},
		{"code is sanitised", Failure{Status: 418, Code: "x\ny"}, 0, ActionDeadLetter, 0, "client error (418 x?y)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := bundle.policy.Decide(tc.failure, tc.attempt)
			require.Equal(t, tc.wantAction, got.Action, "action")
			require.Equal(t, tc.wantDelay, got.Delay, "delay")
			require.Equal(t, tc.wantReason, got.Reason, "reason")
			require.Equal(t, bundle.table.Lookup(tc.failure), got.Rule, "rule")
		})
	}
}

func TestPolicy_DecideMessageNotInReason(t *testing.T) {
	t.Parallel()
	bundle := setup(t)
	got := bundle.policy.Decide(Failure{Status: 401, Message: "Bearer YWMt-secret rejected"}, 0)
	require.NotContains(t, got.Reason, "YWMt")
}

func TestNew_Config(t *testing.T) {
	t.Parallel()
	custom := mustTable(t, nil, []Rule{{Name: "bulk", Status: "5xx", Action: ActionRetry, Class: "bulk", Reason: "r"}})
	tests := []struct {
		name    string
		cfg     Config
		wantErr string
	}{
		{"zero config", Config{}, ""},
		{"custom class configured", Config{Table: custom, Backoff: map[Class]Backoff{"bulk": DefaultSlowBackoff}}, ""},
		{"custom class missing", Config{Table: custom}, `policy config: Backoff: no entry for class "bulk" used by rule "bulk"`},
		{"negative MaxRetryAfter", Config{MaxRetryAfter: -1}, "policy config: MaxRetryAfter: must be >= 0"},
		{"zero Base", Config{Backoff: map[Class]Backoff{ClassSlow: {Max: time.Second, Multiplier: 2}}}, `policy config: Backoff["slow"].Base: must be > 0`},
		{"Max below Base", Config{Backoff: map[Class]Backoff{ClassSlow: {Base: time.Minute, Max: time.Second, Multiplier: 2}}}, `Backoff["slow"].Max: must be >= Base`},
		{"Multiplier below 1", Config{Backoff: map[Class]Backoff{ClassTransient: {Base: time.Second, Max: time.Minute, Multiplier: 0.5}}}, `Backoff["transient"].Multiplier: must be >= 1`},
		{"Jitter above 1", Config{Backoff: map[Class]Backoff{ClassTransient: {Base: time.Second, Max: time.Minute, Multiplier: 2, Jitter: 1.5}}}, `Backoff["transient"].Jitter: must be between 0 and 1`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p, err := New(tc.cfg)
			if tc.wantErr != "" {
				require.ErrorContains(t, err, tc.wantErr)
				return
			}
			require.NoError(t, err)
			require.NotNil(t, p.Table())
		})
	}
}
