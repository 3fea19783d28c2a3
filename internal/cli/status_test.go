package cli

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/chatq/chatq/internal/redistest"
	"github.com/chatq/chatq/throttle"
)

// TestStatus_ShowsPauseAndBreaker: a 429 and a run of 503s reported by a
// worker's throttle show in chatq status, read from Redis.
func TestStatus_ShowsPauseAndBreaker(t *testing.T) {
	db := redistest.New(t)
	t.Setenv("CHATQ_REDIS_URL", db.URL)
	th, err := throttle.New(db.Client, throttle.Config{Pause: time.Hour})
	require.NoError(t, err)
	ctx := context.Background()
	report := func(f throttle.Family, o throttle.Outcome) {
		p, err := th.Acquire(ctx, f)
		require.NoError(t, err)
		p.Done(ctx, o)
	}
	report(throttle.MessagesGroups, throttle.Outcome{Status: 429, Code: "reach_limit"})
	for range 5 {
		report(throttle.Groups, throttle.Outcome{Status: 503})
	}

	code, out, _ := run(t, "", "status")
	require.Equal(t, ExitOK, code)
	require.Contains(t, out, "EFFECTIVE/S")
	require.Regexp(t, `messages/chatgroups\s+20\s+16\.0\s+[0-9.]+\s+for 59m`, out, "paused, rate ×0.8")
	require.Regexp(t, `chatgroups\s+100\s+100\.0\s+[0-9.]+\s+-\s+open \(since`, out)

	code, out, _ = run(t, "", "status", "--json")
	require.Equal(t, ExitOK, code)
	require.Contains(t, out, `"breaker": "open"`)
}

func TestConfig_BadRateLimitsExitTwo(t *testing.T) {
	t.Setenv("CHATQ_RATE_LIMITS", "messages:5")
	code, _, errOut := run(t, "", "status")
	require.Equal(t, ExitUsage, code)
	require.Contains(t, errOut, "CHATQ_RATE_LIMITS")
}
