package dispatcher_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/stretchr/testify/require"

	"github.com/chatq/chatq/dispatcher"
	"github.com/chatq/chatq/internal/e2etest"
	"github.com/chatq/chatq/sandbox"
	"github.com/chatq/chatq/tasks"
)

func TestWorker_ExpiredTaskIsNeverSent(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		fault     *sandbox.Fault // answers the first call
		opts      func(now time.Time) []tasks.Option
		wantCalls int // send_message calls, all before the deadline
		wantIn    string
	}{
		{
			name: "pending past its deadline (scheduled after it)",
			// asynq schedules by whole seconds: 2s from now runs at least 1s from now.
			opts: func(now time.Time) []tasks.Option {
				return []tasks.Option{tasks.ProcessAt(now.Add(2 * time.Second)), tasks.ExpiresAt(now.Add(500 * time.Millisecond))}
			},
			wantIn: "passed",
		},
		{
			name:      "retry delay reaches past the deadline",
			fault:     &sandbox.Fault{Status: 503, RetryAfter: "30"},
			opts:      func(time.Time) []tasks.Option { return []tasks.Option{tasks.TTL(10 * time.Second)} },
			wantCalls: 1, wantIn: "comes before the next attempt (retry 30s",
		},
		{
			name:      "deferral reaches past the deadline",
			fault:     &sandbox.Fault{Status: 429, Code: "reach_limit", RetryAfter: "30"},
			opts:      func(time.Time) []tasks.Option { return []tasks.Option{tasks.TTL(10 * time.Second)} },
			wantCalls: 1, wantIn: "comes before the next attempt (defer 30s",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := setup(t)
			marker := strings.ReplaceAll(tt.name, " ", "-")
			if tt.fault != nil {
				f := *tt.fault
				f.Match, f.Endpoint = marker, sandbox.EndpointSendMessage
				h.Sandbox.AddFault(f)
			}
			id := h.Send(marker, tt.opts(time.Now())...)
			evs := h.Events.WaitFinal(t, id)
			last := evs[len(evs)-1]
			require.Equal(t, dead, last.Outcome)
			require.Equal(t, "expired", last.Rule)
			rec, err := h.Store.Get(context.Background(), id)
			require.NoError(t, err)
			require.Equal(t, "expired", rec.Rule)
			require.Contains(t, rec.Reason, tt.wantIn)
			h.assertArchived(t, rec)
			require.Equal(t, tt.wantCalls, h.Sandbox.Stats().Calls[sandbox.EndpointSendMessage], "no call after the deadline")
		})
	}
}

func TestWorker_ExpiredWhilePaused(t *testing.T) {
	t.Parallel()
	h := setup(t)
	require.NoError(t, h.Inspector.PauseQueue(tasks.QueueMessages))
	id := h.Send("paused", tasks.TTL(50*time.Millisecond))
	deadline := time.Now().Add(50 * time.Millisecond)
	for time.Now().Before(deadline) { // waiting for a wall-clock deadline, not for async work
		time.Sleep(10 * time.Millisecond)
	}
	require.NoError(t, h.Inspector.UnpauseQueue(tasks.QueueMessages))
	evs := h.Events.WaitFinal(t, id)
	require.Equal(t, "expired", evs[len(evs)-1].Rule)
	require.Zero(t, h.Sandbox.Stats().Calls[sandbox.EndpointSendMessage])
}

func TestWorker_IdempotencyKeySendsOnce(t *testing.T) {
	t.Parallel()
	h := setup(t)
	second := tasks.NewClient(h.DB.Opt, tasks.ClientConfig{}) // another process
	t.Cleanup(func() { _ = second.Close() })
	producers := []*tasks.Client{h.Producer, second}
	ids := make([]string, 20)
	var wg sync.WaitGroup
	for i := range ids {
		wg.Go(func() {
			id, err := producers[i%2].SendMessage(context.Background(), tasks.SendMessage{Target: "users",
				To: []string{"erin"}, Type: "txt", Body: []byte(`{"msg":"once"}`)}, tasks.Key("order-1"))
			require.NoError(t, err)
			ids[i] = id
		})
	}
	wg.Wait()
	evs := h.Events.WaitFinal(t, ids[0])
	require.Equal(t, delivered, evs[len(evs)-1].Outcome)
	for _, id := range ids {
		require.Equal(t, ids[0], id)
	}
	again := h.Send("once", tasks.Key("order-1"))
	require.Equal(t, ids[0], again, "after delivery too")
	require.Equal(t, 1, h.Sandbox.Stats().Calls[sandbox.EndpointSendMessage])
	info := h.WaitTaskState(t, tasks.QueueMessages, ids[0], asynq.TaskStateCompleted)
	require.Equal(t, tasks.DefaultIdempotencyWindow, info.Retention)
}

func TestWorker_IdempotencyKeyAfterDeadLetter(t *testing.T) {
	t.Parallel()
	h := setup(t)
	h.Sandbox.AddFault(sandbox.Fault{Match: "refused", Status: 400, Code: "illegal_argument", Message: "This is an invalid request."})
	id := h.Send("refused", tasks.Key("k"))
	require.Equal(t, dead, h.Events.WaitFinal(t, id)[0].Outcome)
	rec, err := h.Store.Get(context.Background(), id)
	require.NoError(t, err)
	h.assertArchived(t, rec)
	require.Equal(t, id, h.Send("refused", tasks.Key("k")), "the original id, nothing enqueued")
	pending, err := h.Inspector.ListPendingTasks(tasks.QueueMessages)
	require.NoError(t, err)
	require.Empty(t, pending)
	require.Equal(t, 1, h.Sandbox.Stats().Calls[sandbox.EndpointSendMessage])
}

func TestWorker_BatchSplitsItemsThatFail(t *testing.T) {
	t.Parallel()
	h := setup(t)
	existing := []string{"user-07", "user-21", "user-42"}
	h.Sandbox.SeedUsers(existing...)
	h.Sandbox.AddFault(sandbox.Fault{Endpoint: sandbox.EndpointRegisterUser, Times: 1, ItemReasons: map[string]string{
		"user-10": "username [user-10] is not legal",
		"user-11": "username [user-11] is not legal",
		"user-30": "internal error, try again later",
	}})
	users := make([]tasks.User, 60)
	for i := range users {
		users[i] = tasks.User{Username: fmt.Sprintf("user-%02d", i)}
	}
	ctx := context.Background()
	id, err := h.Producer.RegisterUsers(ctx, tasks.RegisterUsers{Users: users})
	require.NoError(t, err)

	require.Equal(t, []dispatcher.Outcome{delivered}, e2etest.Outcomes(h.Events.WaitFinal(t, id)), "the applied part")
	child := h.Events.WaitOtherFinal(t, func(other string) bool { return other != id && !strings.HasPrefix(other, id+":") })
	require.Equal(t, delivered, child.Outcome, "the transient item, retried alone")

	rec, err := h.Store.Get(ctx, id+":items:1")
	require.NoError(t, err)
	require.Equal(t, []string{"user-10", "user-11"}, rec.Items)
	require.JSONEq(t, `{"users":[{"username":"user-10"},{"username":"user-11"}]}`, string(rec.Payload))
	require.Equal(t, "dead-letter", rec.Action)
	n, err := h.Store.Count(ctx)
	require.NoError(t, err)
	require.Equal(t, int64(1), n, "one dead letter, not the whole batch")

	for _, u := range users {
		want := u.Username != "user-10" && u.Username != "user-11"
		require.Equal(t, want, h.Sandbox.HasUser(u.Username), u.Username)
	}
	require.Equal(t, 2, h.Sandbox.Stats().Calls[sandbox.EndpointRegisterUser], "the batch, then the one item")
	info, err := h.Inspector.GetTaskInfo(tasks.QueueUsers, child.TaskID)
	require.NoError(t, err)
	require.Equal(t, `{"users":[{"username":"user-30"}]}`, string(info.Payload))
	require.Equal(t, tasks.DefaultMaxRetry, info.MaxRetry, "remaining budget 24 (one retry spent) + the reserved slot")
}

// TestWorker_BatchAddConfirmsUnlistedMembers: a batch add whose answer
// leaves a requested user out of data.newmembers (amy, already a member)
// is not taken as done on its word (issue #12): amy is split off and
// retried alone, and the single-user add's 403 "already in group" confirms
// the goal state.
func TestWorker_BatchAddConfirmsUnlistedMembers(t *testing.T) {
	t.Parallel()
	h := setup(t)
	h.Sandbox.SeedGroup("g1", "owner", "amy")
	h.Sandbox.SeedUsers("bob")
	id, err := h.Producer.AddGroupMembers(context.Background(),
		tasks.AddGroupMembers{GroupID: "g1", Usernames: []string{"amy", "bob"}})
	require.NoError(t, err)
	require.Equal(t, []dispatcher.Outcome{delivered}, e2etest.Outcomes(h.Events.WaitFinal(t, id)))
	require.Contains(t, h.Logs.String(), `"items":["amy"],"action":"retry"`, "amy split off to be retried")
	last := h.Events.WaitOtherFinal(t, func(other string) bool { return other != id })
	require.Equal(t, dispatcher.OutcomeDone, last.Outcome)
	require.Equal(t, "403-already-member", last.Rule)
	g, ok := h.Sandbox.Group("g1")
	require.True(t, ok)
	require.ElementsMatch(t, []string{"amy", "bob"}, g.Members)
}
