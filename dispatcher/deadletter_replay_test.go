package dispatcher_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/hibiken/asynq"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/chatq/chatq/deadletter"
	"github.com/chatq/chatq/dispatcher"
	"github.com/chatq/chatq/internal/e2etest"
	"github.com/chatq/chatq/policy"
	"github.com/chatq/chatq/sandbox"
	"github.com/chatq/chatq/tasks"
)

func TestWorker_ArchivedTaskRunFromAsynqmonIsResolved(t *testing.T) {
	t.Parallel()
	h := setup(t) // the worker runs its resolver, as chatq worker does (app.New)
	ctx := context.Background()
	h.Sandbox.AddFault(sandbox.Fault{Match: "resolve-me", Status: 403, Code: "forbidden_op", Message: "Forbidden operation on group owner!", Times: 1})
	id := h.Send("resolve-me")
	require.Equal(t, dead, h.Events.WaitFinal(t, id)[0].Outcome)
	h.WaitTaskState(t, tasks.QueueMessages, id, asynq.TaskStateArchived)

	require.NoError(t, h.Inspector.RunTask(tasks.QueueMessages, id)) // the "run" button
	h.Events.WaitFor(t, id, func(evs []dispatcher.Event) bool { return len(evs) == 2 })
	e2etest.Eventually(t, "dead letter "+id+" resolved", func(c *assert.CollectT) {
		rec, err := h.Store.Get(ctx, id)
		require.NoError(c, err)
		require.Equal(c, deadletter.StateResolved, rec.State)
	})
	require.Equal(t, 2, h.Sandbox.Stats().Calls[sandbox.EndpointSendMessage])
}

func TestWorker_ReplayedDeadLettersDeliveredOnce(t *testing.T) {
	t.Parallel()
	h := setup(t)
	ctx := context.Background()
	const n = 20
	h.Sandbox.AddFault(sandbox.Fault{Match: "replay-me", Status: 400, Code: "message_send_error", Message: "message is too large", Times: n})
	for i := range n {
		id := h.Send(fmt.Sprintf("replay-me %d", i))
		require.Equal(t, dead, h.Events.WaitFinal(t, id)[0].Outcome)
	}
	table, err := policy.NewTable(nil, policy.DefaultRules())
	require.NoError(t, err)
	o := deadletter.ReplayOptions{Client: h.Producer, Table: table, Inspector: h.Inspector, User: "tester"}

	skipped, err := h.Store.Replay(ctx, o)
	require.NoError(t, err)
	require.Equal(t, map[deadletter.Outcome]int{deadletter.OutcomeSkippedPayload: n}, skipped.Counts, "the provider put it down to the payload")

	o.Force = true
	var wg sync.WaitGroup
	reps := make([]deadletter.Report, 2)
	for i := range reps { // two operators at once
		wg.Go(func() {
			rep, err := h.Store.Replay(ctx, o)
			require.NoError(t, err)
			reps[i] = rep
		})
	}
	wg.Wait()
	require.Equal(t, n, reps[0].Counts[deadletter.OutcomeReplayed]+reps[1].Counts[deadletter.OutcomeReplayed])
	for _, rep := range reps {
		for _, it := range rep.Items {
			if it.Outcome == deadletter.OutcomeReplayed {
				h.Events.WaitFinal(t, it.NewTaskID)
			}
		}
	}
	require.Equal(t, 2*n, h.Sandbox.Stats().Calls[sandbox.EndpointSendMessage], "each dead letter sent once more")
	require.Len(t, h.Sandbox.Messages(), n)
	archived, err := h.Inspector.ListArchivedTasks(tasks.QueueMessages)
	require.NoError(t, err)
	require.Empty(t, archived, "archived copies removed")
}
