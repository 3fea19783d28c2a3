package dispatcher_test

import (
	"context"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/chatq/chatq/dispatcher"
	"github.com/chatq/chatq/tasks"
)

func TestWorker_DedicatedQueueModeServesEveryFamily(t *testing.T) {
	t.Parallel()
	h := setup(t, func(o *harnessOpts) { o.worker.QueueMode = dispatcher.QueueModeDedicated })
	h.sb.SeedUsers("dave", "erin")
	h.sb.SeedGroup("g-dedicated", "dave")
	ctx := context.Background()
	ids := []string{h.send("dedicated-message")}
	id, err := h.producer.RegisterUsers(ctx, tasks.RegisterUsers{Users: []tasks.User{{Username: "fresh"}}})
	require.NoError(t, err)
	ids = append(ids, id)
	id, err = h.producer.AddGroupMembers(ctx, tasks.AddGroupMembers{GroupID: "g-dedicated", Usernames: []string{"erin"}})
	require.NoError(t, err)
	ids = append(ids, id)
	for _, id := range ids {
		evs := h.events.waitFinal(t, id)
		require.Equal(t, []dispatcher.Outcome{delivered}, outcomes(evs), id)
	}
	require.Equal(t, []string{"groups", "messages", "users"}, queuesOf(h.events, ids))
}

// queuesOf returns the sorted queues the tasks' final events came from.
func queuesOf(r *recorder, ids []string) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		evs := r.byTask[id]
		out = append(out, evs[len(evs)-1].Queue)
	}
	slices.Sort(out)
	return out
}
