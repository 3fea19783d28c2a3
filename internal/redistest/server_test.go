package redistest_test

import (
	"context"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/chatq/chatq/internal/redistest"
)

// TestServer_KillRestartKeepsAOFWrites: a write acknowledged before SIGKILL
// is there after the restart on the same address.
func TestServer_KillRestartKeepsAOFWrites(t *testing.T) {
	t.Parallel()
	s := redistest.NewServer(t, redistest.ServerOptions{AOF: true})
	c := redis.NewClient(&redis.Options{Addr: s.Addr})
	t.Cleanup(func() { _ = c.Close() })
	ctx := context.Background()
	require.NoError(t, c.Set(ctx, "k", "v", 0).Err())
	s.Kill()
	require.Error(t, c.Ping(ctx).Err(), "killed")
	s.Restart()
	got, err := c.Get(ctx, "k").Result()
	require.NoError(t, err)
	require.Equal(t, "v", got)
}

// TestServer_StopCont: a stopped server answers nothing (the command times
// out) and runs the command it was sent once continued.
func TestServer_StopCont(t *testing.T) {
	t.Parallel()
	s := redistest.NewServer(t, redistest.ServerOptions{})
	c := redis.NewClient(&redis.Options{Addr: s.Addr, ReadTimeout: 200 * time.Millisecond, MaxRetries: -1})
	t.Cleanup(func() { _ = c.Close() })
	ctx := context.Background()
	require.NoError(t, c.Ping(ctx).Err())
	s.Stop()
	require.ErrorContains(t, c.Set(ctx, "k", "late", 0).Err(), "i/o timeout")
	s.Cont()
	// The SET waits in its closed connection's buffer; the server runs it
	// when it next reads, which nothing signals: poll within a deadline.
	deadline := time.Now().Add(5 * time.Second)
	for {
		got, err := c.Get(ctx, "k").Result()
		if err == nil && got == "late" {
			return
		}
		require.True(t, time.Now().Before(deadline), "the SET sent while stopped did not run: %q %v", got, err)
		time.Sleep(10 * time.Millisecond)
	}
}
