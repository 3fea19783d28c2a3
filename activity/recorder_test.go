package activity_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/chatq/chatq/activity"
	"github.com/chatq/chatq/dispatcher"
	"github.com/chatq/chatq/internal/e2etest"
	"github.com/chatq/chatq/internal/redistest"
	"github.com/chatq/chatq/sandbox"
	"github.com/chatq/chatq/tasks"
)

// TestRecorder_CountsWhatTheWorkerDecides runs a real worker with the
// Recorder as an observer: deliveries, a retry and a dead letter end up in
// the minute's counts in Redis, per queue.
func TestRecorder_CountsWhatTheWorkerDecides(t *testing.T) {
	t.Parallel()
	f := e2etest.New(t)
	rec := activity.NewRecorder(activity.RecorderParams{Redis: f.RDB, Interval: time.Hour})
	f.AddWorker(func(o *e2etest.Options) { o.Observers = append(o.Observers, observer(rec)) })
	f.Sandbox.AddFault(sandbox.Fault{Match: "flaky", Status: 503, Times: 1})
	f.Sandbox.AddFault(sandbox.Fault{Match: "refused", Status: 403, Code: "forbidden_op", Message: "Forbidden operation on group owner!", Times: 1})
	start := time.Now()
	ids := []string{f.Send("one"), f.Send("two"), f.Send("flaky"), f.Send("refused")}
	for _, id := range ids {
		f.Events.WaitFinal(t, id)
	}
	require.NoError(t, rec.Flush(context.Background()))

	minutes, err := activity.Read(context.Background(), f.RDB, start, time.Now())
	require.NoError(t, err)
	var delivered, retries, dead int64
	for _, m := range minutes {
		delivered += m.Sum(tasks.QueueMessages, string(dispatcher.OutcomeDelivered))
		retries += m.Sum(tasks.QueueMessages, string(dispatcher.OutcomeRetry))
		dead += m.Sum("", string(dispatcher.OutcomeDeadLettered))
		require.Zero(t, m.Sum(tasks.QueueUsers, string(dispatcher.OutcomeDelivered)), "nothing ran in users")
	}
	require.Equal(t, []int64{3, 1, 1}, []int64{delivered, retries, dead}, "delivered, retries, dead letters")
	ttl, err := f.RDB.TTL(context.Background(), activity.Key(time.Now())).Result()
	require.NoError(t, err)
	require.Greater(t, ttl, 5*time.Hour, "kept for the default TTL of 6h counted from the minute")
}

// TestRecorder_SumsWorkersAndReportsRedisErrors writes from two
// recorders into fixed minutes and checks the sums and the empty minutes
// between them; a write to a Redis that is down is an error.
func TestRecorder_SumsWorkersAndReportsRedisErrors(t *testing.T) {
	t.Parallel()
	db := redistest.New(t)
	ctx := context.Background()
	t0 := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	now := t0
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	a := activity.NewRecorder(activity.RecorderParams{Redis: db.Client, Now: clock, TTL: 1000 * time.Hour})
	b := activity.NewRecorder(activity.RecorderParams{Redis: db.Client, Now: clock, TTL: 1000 * time.Hour})
	for i := range 3 {
		a.Add(tasks.QueueMessages, string(dispatcher.OutcomeDelivered))
		b.Add(tasks.QueueGroups, []string{"retry", "defer", "dead-letter"}[i])
	}
	mu.Lock()
	now = t0.Add(2 * time.Minute)
	mu.Unlock()
	b.Add(tasks.QueueGroups, string(dispatcher.OutcomeDelivered))
	require.NoError(t, a.Flush(ctx))
	require.NoError(t, b.Flush(ctx))

	got, err := activity.Read(ctx, db.Client, t0, t0.Add(2*time.Minute+30*time.Second))
	require.NoError(t, err)
	require.Len(t, got, 3)
	require.Equal(t, int64(3), got[0].Sum("", string(dispatcher.OutcomeDelivered)))
	require.Equal(t, int64(2), got[0].Sum(tasks.QueueGroups, string(dispatcher.OutcomeRetry), string(dispatcher.OutcomeDeferred)))
	require.Empty(t, got[1].Counts)
	require.Equal(t, int64(1), got[2].Sum(tasks.QueueGroups, string(dispatcher.OutcomeDelivered)))

	down := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1})
	t.Cleanup(func() { _ = down.Close() })
	c := activity.NewRecorder(activity.RecorderParams{Redis: down, Now: clock})
	c.Add(tasks.QueueUsers, string(dispatcher.OutcomeDelivered))
	require.Error(t, c.Flush(ctx), "Redis down")
	_, err = activity.Read(ctx, db.Client, t0, t0.Add(-time.Minute))
	require.Error(t, err, "to before from")
}

// observer feeds rec as the worker's wiring does.
func observer(rec *activity.Recorder) dispatcher.Observer {
	return dispatcher.ObserverFunc(func(e dispatcher.Event) { rec.Add(e.Queue, string(e.Outcome)) })
}
