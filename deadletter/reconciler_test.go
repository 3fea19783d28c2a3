package deadletter_test

import (
	"context"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/stretchr/testify/require"

	"github.com/chatq/chatq/deadletter"
	"github.com/chatq/chatq/tasks"
)

// archived enqueues a message and archives it through the Inspector, as an
// operator pressing "archive" in asynqmon does.
func (b *testBundle) archived(t *testing.T) string {
	t.Helper()
	id, err := b.client.SendMessage(context.Background(), tasks.SendMessage{Target: "users", From: "admin",
		To: []string{"bob"}, Type: "txt", Body: json.RawMessage(`{"msg":"hi"}`)})
	require.NoError(t, err)
	require.NoError(t, b.insp.ArchiveTask(tasks.QueueMessages, id))
	return id
}

func (b *testBundle) reconciler(retention time.Duration) *deadletter.Reconciler {
	return deadletter.NewReconciler(deadletter.ReconcilerParams{Store: b.store, Inspector: b.insp,
		Retention: retention, RerunGrace: time.Nanosecond})
}

func TestReconciler_ImportsArchivedAndReplayCleansIt(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	id := b.archived(t)

	rep, err := b.reconciler(0).Reconcile(ctx)
	require.NoError(t, err)
	require.Equal(t, 1, rep.Imported)
	rec, err := b.store.Get(ctx, id)
	require.NoError(t, err)
	require.Equal(t, deadletter.SourceReconciler, rec.Source)
	require.Equal(t, deadletter.ArchiveRule, rec.Rule)
	require.Equal(t, tasks.TypeSendMessage, rec.Type)
	require.JSONEq(t, `{"target":"users","from":"admin","to":["bob"],"type":"txt","body":{"msg":"hi"}}`, string(rec.Payload))

	again, err := b.reconciler(0).Reconcile(ctx)
	require.NoError(t, err)
	require.Zero(t, again.Imported, "imported once")

	replay, err := b.store.Replay(ctx, b.replayOpts(deadletter.Filter{IDs: []string{id}}))
	require.NoError(t, err)
	require.Equal(t, map[deadletter.Outcome]int{deadletter.OutcomeReplayed: 1}, replay.Counts)
	_, err = b.insp.GetTaskInfo(tasks.QueueMessages, id)
	require.ErrorIs(t, err, asynq.ErrTaskNotFound, "the archived copy is deleted, its id free")
}

func TestReconciler_DeletesArchivedCopyOfReplayed(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	id := b.archived(t)
	_, err := b.reconciler(0).Reconcile(ctx)
	require.NoError(t, err)
	o := b.replayOpts(deadletter.Filter{IDs: []string{id}})
	o.Inspector = nil // the archived copy stays behind
	_, err = b.store.Replay(ctx, o)
	require.NoError(t, err)

	rep, err := b.reconciler(0).Reconcile(ctx)
	require.NoError(t, err)
	require.Equal(t, deadletter.ReconcileReport{ArchiveCleaned: 1}, rep, "cleaned, not re-imported")
	_, err = b.insp.GetTaskInfo(tasks.QueueMessages, id)
	require.ErrorIs(t, err, asynq.ErrTaskNotFound)
}

func TestReconciler_ResolvesTaskRunAgainThatLeftAsynq(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	id := b.archived(t)
	r := b.reconciler(0)
	_, err := r.Reconcile(ctx)
	require.NoError(t, err)

	require.NoError(t, b.insp.RunTask(tasks.QueueMessages, id)) // "run" in asynqmon
	rep, err := r.Reconcile(ctx)
	require.NoError(t, err)
	require.Zero(t, rep.Resolved, "still pending: not resolved yet")
	// asynq deletes a task when its handler succeeds; no worker runs here.
	require.NoError(t, b.insp.DeleteTask(tasks.QueueMessages, id))
	rep, err = r.Reconcile(ctx)
	require.NoError(t, err)
	require.Equal(t, 1, rep.Resolved)
	rec, err := b.store.Get(ctx, id)
	require.NoError(t, err)
	require.Equal(t, deadletter.StateResolved, rec.State)

	replay, err := b.store.Replay(ctx, b.replayOpts(deadletter.Filter{}))
	require.NoError(t, err)
	require.Equal(t, map[deadletter.Outcome]int{deadletter.OutcomeResolved: 1}, replay.Counts, "never sent twice")
}

func TestReconciler_KeepsGoneButNeverRerunOpen(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	b.put(t, retryable(1)) // no asynq copy at all
	rep, err := b.reconciler(0).Reconcile(ctx)
	require.NoError(t, err)
	require.Zero(t, rep.Resolved)
	rec, err := b.store.Get(ctx, "task-000001")
	require.NoError(t, err)
	require.Equal(t, deadletter.StateOpen, rec.State)
}

func TestReconciler_Retention(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	old := retryable(1)
	old.LastFailure = time.Now().Add(-48 * time.Hour)
	fresh := retryable(2)
	fresh.LastFailure = time.Now()
	b.put(t, old, fresh)

	rep, err := b.reconciler(24 * time.Hour).Reconcile(ctx)
	require.NoError(t, err)
	require.Equal(t, 1, rep.Expired)
	left, err := b.store.List(ctx, deadletter.Filter{})
	require.NoError(t, err)
	require.Equal(t, []string{"task-000002"}, recordIDs(left))
	audit, err := b.store.Audit(ctx, 1)
	require.NoError(t, err)
	require.Equal(t, "retention", audit[0].Op)

	none, err := b.reconciler(0).Reconcile(ctx)
	require.NoError(t, err)
	require.Zero(t, none.Expired, "retention 0 keeps forever")
}

func TestResolver_MarksOnlyRecordedIDs(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	b.put(t, retryable(1), retryable(2))
	res := deadletter.NewResolver(deadletter.ResolverParams{Store: b.store, Interval: 5 * time.Millisecond})
	var wg sync.WaitGroup
	res.Start(&wg)
	res.Note("task-000001")
	res.Note("never-dead-lettered")
	res.Shutdown() // checks what was noted before it stops
	wg.Wait()
	require.Equal(t, int64(1), res.Resolved())
	one, err := b.store.Get(ctx, "task-000001")
	require.NoError(t, err)
	require.Equal(t, deadletter.StateResolved, one.State)
	require.False(t, one.ResolvedAt.IsZero())
	two, err := b.store.Get(ctx, "task-000002")
	require.NoError(t, err)
	require.Equal(t, deadletter.StateOpen, two.State)

	require.NoError(t, b.store.Put(ctx, retryable(1)))
	reopened, err := b.store.Get(ctx, "task-000001")
	require.NoError(t, err)
	require.Equal(t, deadletter.StateOpen, reopened.State, "a new dead letter of the id reopens it")
}
