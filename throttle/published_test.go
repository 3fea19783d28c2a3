package throttle_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/chatq/chatq/internal/e2etest"
	"github.com/chatq/chatq/internal/redistest"
	"github.com/chatq/chatq/throttle"
)

// waitSettings polls Redis until cond holds for the published settings:
// the publisher signals nothing.
func waitSettings(t *testing.T, db *redistest.DB, cond func([]throttle.Settings) bool) []throttle.Settings {
	t.Helper()
	var got []throttle.Settings
	e2etest.Eventually(t, "published settings", func(c *assert.CollectT) {
		s, err := throttle.ReadSettings(context.Background(), db.Client)
		require.NoError(c, err)
		require.True(c, cond(s), "settings %+v", s)
		got = s
	})
	return got
}

// TestPublisher_PublishesRefreshesAndRemoves: two workers' settings are in
// Redis, newest start first, with an expiry; a stopped worker removes its
// own entry.
func TestPublisher_PublishesRefreshesAndRemoves(t *testing.T) {
	t.Parallel()
	db := redistest.New(t)
	start := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	cfgA := throttle.Config{Limits: map[throttle.Family]float64{throttle.MessagesUsers: 42}, Total: 10}
	var wg sync.WaitGroup
	a, err := throttle.NewPublisher(throttle.PublisherParams{RDB: db.Client, Settings: cfgA.Settings("host-a:1", true, start)})
	require.NoError(t, err)
	b, err := throttle.NewPublisher(throttle.PublisherParams{RDB: db.Client,
		Settings: throttle.Config{}.Settings("host-b:2", false, start.Add(time.Minute))})
	require.NoError(t, err)
	a.Start(&wg)
	b.Start(&wg)

	got := waitSettings(t, db, func(s []throttle.Settings) bool { return len(s) == 2 })
	require.Equal(t, "host-b:2", got[0].Worker, "most recently started first")
	require.False(t, got[0].Enabled)
	require.Equal(t, 100.0, got[0].Limits[throttle.MessagesUsers], "defaults applied")
	require.Equal(t, "host-a:1", got[1].Worker)
	require.True(t, got[1].Enabled)
	require.Equal(t, 42.0, got[1].Limits[throttle.MessagesUsers])
	require.Equal(t, 20.0, got[1].Limits[throttle.MessagesGroups])
	require.Equal(t, 10.0, got[1].Total)
	require.Equal(t, 100*time.Millisecond, time.Duration(got[1].Pause), "the default pause")
	require.True(t, got[1].StartedAt.Equal(start))
	require.False(t, got[1].PublishedAt.IsZero())
	require.False(t, got[0].SameAs(got[1]))
	require.Contains(t, got[1].Summary(), "on: messages/users 42/s, messages/chatgroups 20/s")
	require.Contains(t, got[1].Summary(), "total 10/s, burst 2, max wait 1s, pause 100ms (max 10m0s)")
	ttl, err := db.Client.PTTL(context.Background(), "{chatq}:throttle:config").Result()
	require.NoError(t, err)
	require.Positive(t, ttl, "the entries expire when no worker refreshes them")

	a.Shutdown()
	waitSettings(t, db, func(s []throttle.Settings) bool { return len(s) == 1 && s[0].Worker == "host-b:2" })
	b.Shutdown()
	wg.Wait()
	got, err = throttle.ReadSettings(context.Background(), db.Client)
	require.NoError(t, err)
	require.Empty(t, got)
}

// TestPublisher_DropsWorkersUnseenForTheTTL: the entry of a worker that died
// without removing it goes at the next publication of any other worker.
func TestPublisher_DropsWorkersUnseenForTheTTL(t *testing.T) {
	t.Parallel()
	db := redistest.New(t)
	ctx := context.Background()
	require.NoError(t, db.Client.HSet(ctx, "{chatq}:throttle:config", "dead:9", `{"worker":"dead:9","enabled":true}`).Err())
	require.NoError(t, db.Client.ZAdd(ctx, "{chatq}:throttle:config:seen", redisZ(0, "dead:9")).Err()) // seen in 1970
	got, err := throttle.ReadSettings(ctx, db.Client)
	require.NoError(t, err)
	require.Len(t, got, 1, "still there until someone publishes")

	p, err := throttle.NewPublisher(throttle.PublisherParams{RDB: db.Client, Settings: throttle.Config{}.Settings("live:1", true, time.Now())})
	require.NoError(t, err)
	var wg sync.WaitGroup
	p.Start(&wg)
	t.Cleanup(func() { p.Shutdown(); wg.Wait() })
	waitSettings(t, db, func(s []throttle.Settings) bool { return len(s) == 1 && s[0].Worker == "live:1" })
}

func TestPublisher_RequiresWorkerAndRedis(t *testing.T) {
	t.Parallel()
	_, err := throttle.NewPublisher(throttle.PublisherParams{})
	require.ErrorContains(t, err, "fields RDB and Settings.Worker: required")
}

func redisZ(score float64, member string) redis.Z { return redis.Z{Score: score, Member: member} }
