package deadletter

import (
	"sync"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/stretchr/testify/require"

	"github.com/chatq/chatq/internal/redistest"
	"github.com/chatq/chatq/tasks"
)

// The background loops run on their own tickers; these tests wait on
// their test signals, never on a clock.

func loopRecord(id string, last time.Time) Record {
	r := Record{TaskID: id, Type: tasks.TypeDeleteGroup, Queue: tasks.QueueGroups, Status: 503, Rule: "503",
		Action: "retry", Reason: "retries exhausted", Attempts: 1, FirstFailure: last, LastFailure: last, Worker: "test:1"}
	r.SetPayload([]byte(`{"group_id":"g1"}`))
	return r
}

func TestResolver_loopResolvesOnItsTicker(t *testing.T) {
	t.Parallel()
	db := redistest.New(t)
	store := New(db.Client, Config{})
	require.NoError(t, store.Put(t.Context(), loopRecord("t1", time.Now())))
	r := NewResolver(ResolverParams{Store: store, Interval: time.Millisecond})
	r.testSignals.checked.Init()
	var wg sync.WaitGroup
	r.Start(&wg)
	t.Cleanup(func() { r.Shutdown(); wg.Wait() })

	r.Note("t1")
	for r.testSignals.checked.WaitOrTimeout(t) < 1 { // each check signals the running total
	}
	rec, err := store.Get(t.Context(), "t1")
	require.NoError(t, err)
	require.Equal(t, StateResolved, rec.State)
}

func TestReconciler_loopPassesOnStart(t *testing.T) {
	t.Parallel()
	db := redistest.New(t)
	store := New(db.Client, Config{})
	require.NoError(t, store.Put(t.Context(), loopRecord("old", time.Now().Add(-2*time.Hour))))
	require.NoError(t, store.Put(t.Context(), loopRecord("new", time.Now())))
	insp := asynq.NewInspector(db.Opt)
	t.Cleanup(func() { _ = insp.Close() })
	r := NewReconciler(ReconcilerParams{Store: store, Inspector: insp, Interval: time.Hour, Retention: time.Hour})
	r.testSignals.passed.Init()
	var wg sync.WaitGroup
	r.Start(&wg)
	t.Cleanup(func() { r.Shutdown(); wg.Wait() })

	rep := r.testSignals.passed.WaitOrTimeout(t)
	require.Equal(t, ReconcileReport{Expired: 1}, rep, "the first pass runs at Start, not after Interval")
	_, err := store.Get(t.Context(), "old")
	require.ErrorIs(t, err, ErrNotFound)
	_, err = store.Get(t.Context(), "new")
	require.NoError(t, err)
}
