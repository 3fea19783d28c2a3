package policy

import (
	"testing"
	"time"

	"github.com/cenkalti/backoff/v4"
	"github.com/stretchr/testify/require"
)

func TestBackoff_Delay(t *testing.T) {
	t.Parallel()
	b := Backoff{Base: time.Second, Max: time.Minute, Multiplier: 2, Jitter: 0.2}
	tests := []struct {
		name     string
		attempt  int
		random   float64
		wantLow  time.Duration
		wantHigh time.Duration
	}{
		{"attempt 0, lowest draw", 0, 0, 800 * time.Millisecond, 800 * time.Millisecond},
		{"attempt 0, highest draw", 0, 0.999999, 1199 * time.Millisecond, 1200 * time.Millisecond},
		{"attempt 3 grows", 3, 0.5, 8 * time.Second, 8 * time.Second},
		{"capped at Max before jitter", 10, 0.5, time.Minute, time.Minute},
		{"cap is sticky for huge attempts", 1 << 40, 0.999999, 71 * time.Second, 72 * time.Second},
		{"negative attempt counts as 0", -3, 0.5, time.Second, time.Second},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := b.Delay(tc.attempt, tc.random)
			require.GreaterOrEqual(t, got, tc.wantLow, "Delay(%d, %v)", tc.attempt, tc.random)
			require.LessOrEqual(t, got, tc.wantHigh, "Delay(%d, %v)", tc.attempt, tc.random)
		})
	}
}

func TestBackoff_DelayGrowsWithinBounds(t *testing.T) {
	t.Parallel()
	for _, b := range []Backoff{DefaultTransientBackoff, DefaultSlowBackoff, {Base: 3 * time.Second, Max: 7 * time.Second, Multiplier: 1.5, Jitter: 1}} {
		prev := time.Duration(0)
		for n := range 30 {
			mid := b.Delay(n, 0.5)
			require.GreaterOrEqual(t, mid, prev, "%+v: attempt %d shrank", b, n)
			prev = mid
			lo, hi := b.Delay(n, 0), b.Delay(n, 0.9999999)
			iv := float64(b.interval(n))
			require.InDelta(t, iv*(1-b.Jitter), float64(lo), 1, "%+v: attempt %d low", b, n)
			require.InDelta(t, iv*(1+b.Jitter), float64(hi), float64(time.Millisecond)+iv*1e-6, "%+v: attempt %d high", b, n)
			require.LessOrEqual(t, b.interval(n), b.Max)
		}
	}
}

// TestBackoff_MatchesExponentialBackOff pins our pure formula to the
// cenkalti/backoff implementation it copies (jitter 0 makes it deterministic).
func TestBackoff_MatchesExponentialBackOff(t *testing.T) {
	t.Parallel()
	for _, b := range []Backoff{
		{Base: time.Second, Max: 5 * time.Minute, Multiplier: 2},
		{Base: 500 * time.Millisecond, Max: time.Minute, Multiplier: 1.5},
		{Base: time.Minute, Max: time.Hour, Multiplier: 3},
		{Base: time.Second, Max: time.Second, Multiplier: 1},
	} {
		eb := backoff.NewExponentialBackOff(
			backoff.WithInitialInterval(b.Base), backoff.WithMaxInterval(b.Max),
			backoff.WithMultiplier(b.Multiplier), backoff.WithRandomizationFactor(0),
			backoff.WithMaxElapsedTime(0))
		for n := range 25 {
			require.Equal(t, eb.NextBackOff(), b.Delay(n, 0.5), "%+v: attempt %d", b, n)
		}
	}
}

func TestPolicy_BackoffDelay(t *testing.T) {
	t.Parallel()
	draws := 0
	p, err := New(Config{
		Backoff: map[Class]Backoff{ClassSlow: {Base: time.Minute, Max: time.Hour, Multiplier: 2}},
		Rand:    func() float64 { draws++; return 0 },
	})
	require.NoError(t, err)
	require.Equal(t, 4*time.Minute, p.BackoffDelay(ClassSlow, 2), "configured slow, no jitter")
	require.Equal(t, 3200*time.Millisecond, p.BackoffDelay(ClassTransient, 2), "default transient, lowest draw")
	require.Equal(t, 800*time.Millisecond, p.BackoffDelay("unknown", 0), "unknown class uses transient")
	require.Equal(t, 3, draws, "one draw per delay")
}
