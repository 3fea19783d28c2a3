package redistest_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/chatq/chatq/internal/redistest"
)

func TestNewCluster_KeysSpreadOverMasters(t *testing.T) {
	t.Parallel()
	c := redistest.NewCluster(t)
	ctx := context.Background()
	for i := range 50 {
		require.NoError(t, c.Client.Set(ctx, fmt.Sprintf("k%d", i), i, 0).Err())
	}
	var masters atomic.Int32 // ForEachMaster runs fn on the masters concurrently
	err := c.Client.ForEachMaster(ctx, func(ctx context.Context, m *redis.Client) error {
		n, err := m.DBSize(ctx).Result()
		if n > 0 {
			masters.Add(1)
		}
		return err
	})
	require.NoError(t, err)
	require.Equal(t, int32(3), masters.Load(), "50 keys land on every master")
}

func TestNewSentinel_ClientReachesMaster(t *testing.T) {
	t.Parallel()
	s := redistest.NewSentinel(t)
	ctx := context.Background()
	require.NoError(t, s.Client.Set(ctx, "k", "v", 0).Err())
	direct := redis.NewClient(&redis.Options{Addr: s.MasterAddr})
	t.Cleanup(func() { _ = direct.Close() })
	got, err := direct.Get(ctx, "k").Result()
	require.NoError(t, err)
	require.Equal(t, "v", got, "the failover client wrote to the master the sentinel names")
}

// TestNewCluster_RefusesCrossSlot shows the test cluster catches what the
// scale-out tests look for: a script or transaction over keys of two slots
// fails, one over keys sharing the {chatq} hash tag works.
func TestNewCluster_RefusesCrossSlot(t *testing.T) {
	t.Parallel()
	c := redistest.NewCluster(t)
	ctx := context.Background()
	script := redis.NewScript(`redis.call('SET', KEYS[1], 1); return redis.call('SET', KEYS[2], 1)`)
	tx := func(a, b string) error {
		_, err := c.Client.TxPipelined(ctx, func(p redis.Pipeliner) error {
			p.Set(ctx, a, 1, 0)
			p.Set(ctx, b, 1, 0)
			return nil
		})
		return err
	}
	// "a" and "b" hash to slots 15495 and 3300, on different masters.
	require.ErrorContains(t, script.Run(ctx, c.Client, []string{"a", "b"}).Err(), "CROSSSLOT")
	require.ErrorIs(t, tx("a", "b"), redis.ErrCrossSlot)
	require.NoError(t, script.Run(ctx, c.Client, []string{"{chatq}:a", "{chatq}:b"}).Err())
	require.NoError(t, tx("{chatq}:a", "{chatq}:b"))
}
