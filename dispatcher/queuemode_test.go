package dispatcher_test

import (
	"context"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/chatq/chatq/dispatcher"
	"github.com/chatq/chatq/internal/e2etest"
	"github.com/chatq/chatq/tasks"
)

func TestWorker_DedicatedQueueModeServesEveryFamily(t *testing.T) {
	t.Parallel()
	h := setup(t, func(o *e2etest.Options) { o.Worker.QueueMode = dispatcher.QueueModeDedicated })
	h.Sandbox.SeedUsers("dave", "erin")
	h.Sandbox.SeedGroup("g-dedicated", "dave")
	ctx := context.Background()
	ids := []string{h.Send("dedicated-message")}
	id, err := h.Producer.RegisterUsers(ctx, tasks.RegisterUsers{Users: []tasks.User{{Username: "fresh"}}})
	require.NoError(t, err)
	ids = append(ids, id)
	id, err = h.Producer.AddGroupMembers(ctx, tasks.AddGroupMembers{GroupID: "g-dedicated", Usernames: []string{"erin"}})
	require.NoError(t, err)
	ids = append(ids, id)
	for _, id := range ids {
		evs := h.Events.WaitFinal(t, id)
		require.Equal(t, []dispatcher.Outcome{delivered}, e2etest.Outcomes(evs), id)
	}
	require.Equal(t, []string{"groups", "messages", "users"}, queuesOf(h.Events, ids))
}

// queuesOf returns the sorted queues the tasks' final events came from.
func queuesOf(r *e2etest.Recorder, ids []string) []string {
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		evs := r.Events(id)
		out = append(out, evs[len(evs)-1].Queue)
	}
	slices.Sort(out)
	return out
}
