package throttle_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/chatq/chatq/throttle"
)

// TestThrottle_AcquireReturnsOnCanceledContext: a caller whose context is
// done (shutdown, task deadline) while the local reservation is empty must
// get ctx's error back, not spin retrying the reservation with a dead
// context forever.
func TestThrottle_AcquireReturnsOnCanceledContext(t *testing.T) {
	t.Parallel()
	b := setup(t)
	th := b.newThrottle(t, func(c *throttle.Config) {
		c.Now = time.Now
		c.Limits = map[throttle.Family]float64{throttle.Users: 100}
	})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	errc := make(chan error, 1)
	go func() {
		_, err := th.Acquire(ctx, throttle.Users)
		errc <- err
	}()
	select {
	case err := <-errc:
		require.ErrorIs(t, err, context.Canceled)
	case <-time.After(10 * time.Second):
		t.Fatal("Acquire with a canceled context did not return")
	}
}
