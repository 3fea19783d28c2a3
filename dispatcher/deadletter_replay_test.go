package dispatcher_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/stretchr/testify/require"

	"github.com/chatq/chatq/deadletter"
	"github.com/chatq/chatq/dispatcher"
	"github.com/chatq/chatq/policy"
	"github.com/chatq/chatq/sandbox"
	"github.com/chatq/chatq/tasks"
)

// setupWithResolver is setup with a deadletter.Resolver wired as the
// worker's OnFinished hook, as chatq worker wires it.
func setupWithResolver(t *testing.T) (*harness, *deadletter.Resolver) {
	t.Helper()
	var res *deadletter.Resolver
	h := setup(t, func(o *harnessOpts) {
		o.noStart = true
		o.onFinished = func(id string) { res.Note(id) }
	})
	res = deadletter.NewResolver(deadletter.ResolverParams{Store: h.store, Interval: 10 * time.Millisecond})
	var wg sync.WaitGroup
	res.Start(&wg)
	h.start()
	t.Cleanup(func() { h.stop(); res.Shutdown(); wg.Wait() })
	return h, res
}

func TestWorker_ArchivedTaskRunFromAsynqmonIsResolved(t *testing.T) {
	t.Parallel()
	h, _ := setupWithResolver(t)
	ctx := context.Background()
	h.sb.AddFault(sandbox.Fault{Match: "resolve-me", Status: 403, Code: "forbidden_op", Message: "Forbidden operation on group owner!", Times: 1})
	id := h.send("resolve-me")
	require.Equal(t, dead, h.events.waitFinal(t, id)[0].Outcome)
	h.waitTaskState(t, tasks.QueueMessages, id, asynq.TaskStateArchived)

	require.NoError(t, h.insp.RunTask(tasks.QueueMessages, id)) // the "run" button
	h.events.waitFor(t, id, func(evs []dispatcher.Event) bool { return len(evs) == 2 })
	deadline := time.Now().Add(waitTimeout)
	for {
		rec, err := h.store.Get(ctx, id)
		require.NoError(t, err)
		if rec.State == deadletter.StateResolved {
			break
		}
		require.False(t, time.Now().After(deadline), "dead letter %s not resolved within %s", id, waitTimeout)
		time.Sleep(10 * time.Millisecond) // the resolver batches every 10ms and signals nothing
	}
	require.Equal(t, 2, h.sb.Stats().Calls[sandbox.EndpointSendMessage])
}

func TestWorker_ReplayedDeadLettersDeliveredOnce(t *testing.T) {
	t.Parallel()
	h := setup(t)
	ctx := context.Background()
	const n = 20
	h.sb.AddFault(sandbox.Fault{Match: "replay-me", Status: 403, Code: "forbidden_op", Message: "Forbidden operation on group owner!", Times: n})
	for i := range n {
		id := h.send(fmt.Sprintf("replay-me %d", i))
		require.Equal(t, dead, h.events.waitFinal(t, id)[0].Outcome)
	}
	table, err := policy.NewTable(nil, policy.DefaultRules())
	require.NoError(t, err)
	o := deadletter.ReplayOptions{Client: h.producer, Table: table, Inspector: h.insp, User: "tester"}

	skipped, err := h.store.Replay(ctx, o)
	require.NoError(t, err)
	require.Equal(t, map[deadletter.Outcome]int{deadletter.OutcomeSkippedPolicy: n}, skipped.Counts, "the policy still dead-letters a 403")

	o.Force = true
	var wg sync.WaitGroup
	reps := make([]deadletter.Report, 2)
	for i := range reps { // two operators at once
		wg.Go(func() {
			rep, err := h.store.Replay(ctx, o)
			require.NoError(t, err)
			reps[i] = rep
		})
	}
	wg.Wait()
	require.Equal(t, n, reps[0].Counts[deadletter.OutcomeReplayed]+reps[1].Counts[deadletter.OutcomeReplayed])
	for _, rep := range reps {
		for _, it := range rep.Items {
			if it.Outcome == deadletter.OutcomeReplayed {
				h.events.waitFinal(t, it.NewTaskID)
			}
		}
	}
	require.Equal(t, 2*n, h.sb.Stats().Calls[sandbox.EndpointSendMessage], "each dead letter sent once more")
	require.Len(t, h.sb.Messages(), n)
	archived, err := h.insp.ListArchivedTasks(tasks.QueueMessages)
	require.NoError(t, err)
	require.Empty(t, archived, "archived copies removed")
}
