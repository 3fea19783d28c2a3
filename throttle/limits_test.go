package throttle_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/chatq/chatq/throttle"
)

// TestParseLimits_FirstErrorInNameOrder: with several bad families the
// error names the first by name, on every run.
func TestParseLimits_FirstErrorInNameOrder(t *testing.T) {
	t.Parallel()
	in := map[string]float64{"zeta": 1, "messages/users": -1, "alpha": 1, "users": -2}
	for range 10 {
		_, err := throttle.ParseLimits(in)
		require.ErrorContains(t, err, `unknown family "alpha"`)
	}
	_, err := throttle.ParseLimits(map[string]float64{"users": -2, "messages/users": -1})
	require.EqualError(t, err, `family "messages/users": limit must be >= 0, got -1`)
}

func TestNew_ConfigErrorsInAStableOrder(t *testing.T) {
	t.Parallel()
	cfg := throttle.Config{Limits: map[throttle.Family]float64{throttle.Users: -1, throttle.Groups: -2, throttle.MessagesUsers: -3},
		Pause: -1, MaxWait: -1}
	want := `throttle: config: field Limits["chatgroups"]: must be >= 0, got -2` + "\n" +
		`field Limits["messages/users"]: must be >= 0, got -3` + "\n" +
		`field Limits["users"]: must be >= 0, got -1` + "\n" +
		"field MaxWait: must not be negative, got -1ns\nfield Pause: must not be negative, got -1ns"
	for range 10 {
		_, err := throttle.New(nil, cfg)
		require.EqualError(t, err, want)
	}
}
