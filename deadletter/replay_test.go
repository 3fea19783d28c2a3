package deadletter_test

import (
	"context"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/chatq/chatq/deadletter"
	"github.com/chatq/chatq/tasks"
)

func (b *testBundle) replayOpts(f deadletter.Filter) deadletter.ReplayOptions {
	return deadletter.ReplayOptions{Filter: f, Client: b.client, Table: b.table, Inspector: b.insp, User: "tester", Workers: 16}
}

// TestStore_20000BeyondAsynqCap keeps, lists, counts and replays twice
// asynq's per-queue archive cap, all in one queue.
func TestStore_20000BeyondAsynqCap(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	const n = 20_000
	recs := make([]deadletter.Record, n)
	for i := range recs {
		recs[i] = retryable(i)
		if i%4 == 0 {
			recs[i] = deadForGood(i)
		}
	}
	b.put(t, recs...)

	all, err := b.store.List(ctx, deadletter.Filter{})
	require.NoError(t, err)
	require.Len(t, all, n, "every dead letter listed")
	require.Len(t, dedupe(recordIDs(all)), n, "none listed twice")
	for i := 1; i < len(all); i++ {
		require.False(t, all[i].LastFailure.After(all[i-1].LastFailure), "newest first")
	}
	st, err := b.store.Stats(ctx, deadletter.Filter{})
	require.NoError(t, err)
	require.Equal(t, n, st.Total)
	require.Equal(t, []deadletter.Count{{Key: "503", Count: 15_000}, {Key: "404 resource_not_found", Count: 5_000}}, st.ByStatusCode)
	require.Equal(t, []deadletter.Count{{Key: "open", Count: n}}, st.ByState)

	o := b.replayOpts(deadletter.Filter{})
	o.Force = true
	rep, err := b.store.Replay(ctx, o)
	require.NoError(t, err)
	require.Equal(t, map[deadletter.Outcome]int{deadletter.OutcomeReplayed: n}, rep.Counts)
	require.Len(t, dedupe(newIDs(rep)), n, "every replay is its own task")
	info, err := b.insp.GetQueueInfo(tasks.QueueMessages)
	require.NoError(t, err)
	require.Equal(t, n, info.Pending, "every dead letter enqueued, none twice")
	count, err := b.store.Count(ctx)
	require.NoError(t, err)
	require.Zero(t, count, "replayed dead letters removed")

	again, err := b.store.Replay(ctx, o)
	require.NoError(t, err)
	require.Empty(t, again.Items, "a second run finds nothing")
	info, err = b.insp.GetQueueInfo(tasks.QueueMessages)
	require.NoError(t, err)
	require.Equal(t, n, info.Pending)
}

func recordIDs(recs []deadletter.Record) []string {
	out := make([]string, len(recs))
	for i, r := range recs {
		out[i] = r.TaskID
	}
	return out
}

func newIDs(rep deadletter.Report) []string {
	out := make([]string, len(rep.Items))
	for i, it := range rep.Items {
		out[i] = it.NewTaskID
	}
	return out
}

func dedupe(xs []string) map[string]bool {
	out := map[string]bool{}
	for _, x := range xs {
		out[x] = true
	}
	return out
}

func TestStore_ReplayConcurrentRunsEnqueueOnce(t *testing.T) {
	t.Parallel()
	b := setup(t)
	const n = 600
	for i := range n {
		b.put(t, retryable(i))
	}
	var wg sync.WaitGroup
	reps := make([]deadletter.Report, 3)
	for i := range reps {
		wg.Go(func() {
			rep, err := b.store.Replay(context.Background(), b.replayOpts(deadletter.Filter{}))
			require.NoError(t, err)
			reps[i] = rep
		})
	}
	wg.Wait()
	replayed := 0
	for _, rep := range reps {
		replayed += rep.Counts[deadletter.OutcomeReplayed]
		require.Empty(t, rep.Failed())
	}
	require.Equal(t, n, replayed, "each item replayed by exactly one run")
	pending := b.pending(t, tasks.QueueMessages)
	require.Len(t, pending, n)
	require.Len(t, dedupe(pending), n)
}

func TestStore_ReplayInterruptedThenRerun(t *testing.T) {
	t.Parallel()
	b := setup(t)
	const n = 300
	for i := range n {
		b.put(t, retryable(i))
	}
	ctx, cancel := context.WithCancel(context.Background())
	o := b.replayOpts(deadletter.Filter{})
	o.Progress = func(done, _ int) {
		if done == 100 {
			cancel() // Ctrl-C midway
		}
	}
	first, err := b.store.Replay(ctx, o)
	require.NoError(t, err)
	require.True(t, first.Interrupted)
	require.Less(t, first.Counts[deadletter.OutcomeReplayed], n)
	require.Positive(t, first.Counts[deadletter.OutcomeReplayed])

	second, err := b.store.Replay(context.Background(), b.replayOpts(deadletter.Filter{}))
	require.NoError(t, err)
	require.False(t, second.Interrupted)
	require.Equal(t, n, first.Counts[deadletter.OutcomeReplayed]+second.Counts[deadletter.OutcomeReplayed])
	pending := b.pending(t, tasks.QueueMessages)
	require.Len(t, pending, n, "every item enqueued")
	require.Len(t, dedupe(pending), n, "exactly once")
}

func TestStore_ReplayDryRunChangesNothing(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.put(t, retryable(1), deadForGood(2))
	before := b.snapshot(t)
	o := b.replayOpts(deadletter.Filter{})
	o.DryRun = true
	o.Patch = json.RawMessage(`{"body":{"msg":"fixed"}}`)
	rep, err := b.store.Replay(context.Background(), o)
	require.NoError(t, err)
	require.Equal(t, 2, rep.Counts[deadletter.OutcomeWouldReplay], "a patch is the fix: no policy skip")
	require.Equal(t, []string{`- body.msg: "hello 1"`, `+ body.msg: "fixed"`}, rep.Items[0].Diff)
	require.Equal(t, before, b.snapshot(t), "Redis unchanged")
}

func TestStore_ReplayRecheck(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		force bool
		want  map[deadletter.Outcome]int
	}{
		{"skips only payload faults and expired tasks", false, map[deadletter.Outcome]int{
			deadletter.OutcomeReplayed: 2, deadletter.OutcomeSkippedPayload: 2, deadletter.OutcomeSkippedExpired: 1}},
		{"force replays them", true, map[deadletter.Outcome]int{deadletter.OutcomeReplayed: 5}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			b.put(t, retryable(1), deadForGood(2), payloadFault(3), invalidTask(4), expired(5))
			o := b.replayOpts(deadletter.Filter{})
			o.Force = tt.force
			rep, err := b.store.Replay(context.Background(), o)
			require.NoError(t, err)
			require.Equal(t, tt.want, rep.Counts)
			count, err := b.store.Count(context.Background())
			require.NoError(t, err)
			require.Equal(t, int64(len(rep.Items)-rep.Counts[deadletter.OutcomeReplayed]), count, "skipped ones stay")
		})
	}
}

func TestStore_ReplayDryRunSaysWhyPerItem(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.put(t, deadForGood(1), payloadFault(2), invalidTask(3), expired(4))
	o := b.replayOpts(deadletter.Filter{})
	o.DryRun = true
	rep, err := b.store.Replay(context.Background(), o)
	require.NoError(t, err)
	why := map[string]deadletter.Item{}
	for _, it := range rep.Items {
		why[it.TaskID] = it
	}
	require.Equal(t, deadletter.OutcomeWouldReplay, why["task-000001"].Outcome)
	require.Equal(t, "the cause is outside the payload (404 resource_not_found, rule 404-user-not-found: user does not exist); "+
		"it is sent again and the current policy decides its next failure", why["task-000001"].Why)
	require.Equal(t, deadletter.OutcomeSkippedPayload, why["task-000002"].Outcome)
	require.Equal(t, "the payload itself caused it (400 message_send_error, rule 400-send-message-too-large: message body too large); "+
		"sent unchanged it fails the same way: fix it with --patch, or --force", why["task-000002"].Why)
	require.Equal(t, deadletter.OutcomeSkippedPayload, why["task-000003"].Outcome)
	require.Contains(t, why["task-000003"].Why, "rule invalid-payload")
	require.Equal(t, deadletter.OutcomeSkippedExpired, why["task-000004"].Outcome)
	require.Contains(t, why["task-000004"].Why, "--force sends it anyway, with no deadline")
}

func TestStore_ReplayPatch(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	b.put(t, deadForGood(1), deadForGood(2))

	o := b.replayOpts(deadletter.Filter{})
	o.Patch = json.RawMessage(`{"to":[]}`) // invalid: "to" needs 1 to 600 users
	before := b.snapshot(t)
	_, err := b.store.Replay(ctx, o)
	var pe *deadletter.PatchError
	require.ErrorAs(t, err, &pe)
	require.Len(t, pe.Items, 2)
	require.Contains(t, pe.Items[0].Why, `field "to"`)
	require.Equal(t, before, b.snapshot(t), "nothing replayed")

	o.Patch = json.RawMessage(`{"to":["bob"],"ext":{"replayed":true}}`)
	o.Filter = deadletter.Filter{IDs: []string{"task-000001"}}
	rep, err := b.store.Replay(ctx, o)
	require.NoError(t, err)
	require.Equal(t, map[deadletter.Outcome]int{deadletter.OutcomeReplayed: 1}, rep.Counts)
	newID := rep.Items[0].NewTaskID
	info, err := b.insp.GetTaskInfo(tasks.QueueMessages, newID)
	require.NoError(t, err)
	require.JSONEq(t, `{"target":"users","from":"admin","to":["bob"],"type":"txt","body":{"msg":"hello 1"},"ext":{"replayed":true}}`, string(info.Payload))
	entry, err := b.store.PatchOf(ctx, newID)
	require.NoError(t, err)
	require.Equal(t, "task-000001", entry.FromTaskID)
	require.Equal(t, "tester", entry.User)
	require.JSONEq(t, string(o.Patch), string(entry.Patch))
	audit, err := b.store.Audit(ctx, 1)
	require.NoError(t, err)
	require.Equal(t, "replay", audit[0].Op)
	require.Equal(t, map[string]int{"replayed": 1}, audit[0].Counts)
}

func TestStore_ReplayPacing(t *testing.T) {
	t.Parallel()
	b := setup(t)
	const n, perSecond = 11, 50.0
	for i := range n {
		b.put(t, retryable(i))
	}
	o := b.replayOpts(deadletter.Filter{})
	o.Rate = perSecond
	start := time.Now()
	rep, err := b.store.Replay(context.Background(), o)
	require.NoError(t, err)
	require.Equal(t, n, rep.Counts[deadletter.OutcomeReplayed])
	// A lower bound only: the limiter never lets 11 enqueues through faster
	// than 10 intervals of 20 ms; a slow machine only makes it longer.
	require.GreaterOrEqual(t, time.Since(start), time.Duration(float64(n-1)/perSecond*float64(time.Second))*9/10)
}

func TestStore_ReplayMaxAndResolved(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.put(t, retryable(1), retryable(2), retryable(3))
	o := b.replayOpts(deadletter.Filter{})
	o.Max = 2
	rep, err := b.store.Replay(context.Background(), o)
	require.NoError(t, err)
	require.Equal(t, map[deadletter.Outcome]int{deadletter.OutcomeReplayed: 2, deadletter.OutcomeOverMax: 1}, rep.Counts)
}

func TestStore_Delete(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	b.put(t, retryable(1), deadForGood(2), deadForGood(3))
	before := b.snapshot(t)
	dry, err := b.store.Delete(ctx, deadletter.DeleteOptions{Filter: deadletter.Filter{Status: "404"}, DryRun: true})
	require.NoError(t, err)
	require.Equal(t, 2, dry.Counts[deadletter.OutcomeWouldDelete])
	require.Equal(t, before, b.snapshot(t))

	rep, err := b.store.Delete(ctx, deadletter.DeleteOptions{Filter: deadletter.Filter{Status: "404"}, Inspector: b.insp, User: "tester"})
	require.NoError(t, err)
	require.Equal(t, map[deadletter.Outcome]int{deadletter.OutcomeDeleted: 2}, rep.Counts)
	left, err := b.store.List(ctx, deadletter.Filter{})
	require.NoError(t, err)
	require.Len(t, left, 1)
	audit, err := b.store.Audit(ctx, 1)
	require.NoError(t, err)
	require.Equal(t, "delete", audit[0].Op)
	require.Equal(t, "404", audit[0].Filter.Status)
}
