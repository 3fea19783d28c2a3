package deadletter_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/chatq/chatq/deadletter"
)

func TestStore_UnknownIDs(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	b.put(t, retryable(1), retryable(2))
	known, typo := "task-000001", "task-00001"

	_, err := b.store.List(ctx, deadletter.Filter{IDs: []string{known, typo}})
	var ue *deadletter.UnknownIDsError
	require.ErrorAs(t, err, &ue)
	require.Equal(t, []string{typo}, ue.Unknown)
	require.EqualError(t, err, "deadletter: no dead letter with id task-00001")
	_, err = b.store.Stats(ctx, deadletter.Filter{IDs: []string{typo}})
	require.ErrorAs(t, err, &ue)

	before := b.snapshot(t)
	_, err = b.store.Replay(ctx, b.replayOpts(deadletter.Filter{IDs: []string{known, typo}}))
	require.ErrorAs(t, err, &ue, "replay")
	_, err = b.store.Delete(ctx, deadletter.DeleteOptions{Filter: deadletter.Filter{IDs: []string{known, typo}}})
	require.ErrorAs(t, err, &ue, "delete")
	require.Equal(t, before, b.snapshot(t), "nothing replayed or deleted")

	rep, err := b.store.Replay(ctx, b.replayOpts(deadletter.Filter{IDs: []string{known}}))
	require.NoError(t, err)
	require.Equal(t, map[deadletter.Outcome]int{deadletter.OutcomeReplayed: 1}, rep.Counts)
	again, err := b.store.Replay(ctx, b.replayOpts(deadletter.Filter{IDs: []string{known, "task-000002"}}))
	require.NoError(t, err, "a rerun finishes the run: the replayed one is gone, not unknown")
	require.Equal(t, map[deadletter.Outcome]int{deadletter.OutcomeGone: 1, deadletter.OutcomeReplayed: 1}, again.Counts)
	_, err = b.store.List(ctx, deadletter.Filter{IDs: []string{known}})
	require.ErrorAs(t, err, &ue)
	require.Equal(t, []string{known}, ue.Gone)
	require.EqualError(t, err, "deadletter: replayed or deleted: task-000001")
}
