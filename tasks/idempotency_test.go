package tasks

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/stretchr/testify/require"

	"github.com/chatq/chatq/internal/redistest"
)

// keyedBundle is a real Redis database with producers on it.
type keyedBundle struct {
	db   *redistest.DB
	insp *asynq.Inspector
}

func setupKeyed(t *testing.T) *keyedBundle {
	t.Helper()
	b := &keyedBundle{db: redistest.New(t)}
	b.insp = asynq.NewInspector(b.db.Opt)
	t.Cleanup(func() { require.NoError(t, b.insp.Close()) })
	return b
}

// client returns a new Client (a new asynq and Redis connection, as a
// second process would have).
func (b *keyedBundle) client(t *testing.T, cfg ClientConfig) *Client {
	t.Helper()
	c := NewClient(b.db.Opt, cfg)
	t.Cleanup(func() { require.NoError(t, c.Close()) })
	return c
}

// tasksIn returns the ids of every task of queue, whatever its state.
func (b *keyedBundle) tasksIn(t *testing.T, queue string) []string {
	t.Helper()
	var ids []string
	for _, list := range []func(string, ...asynq.ListOption) ([]*asynq.TaskInfo, error){
		b.insp.ListPendingTasks, b.insp.ListScheduledTasks, b.insp.ListCompletedTasks, b.insp.ListArchivedTasks,
	} {
		infos, err := list(queue)
		if errors.Is(err, asynq.ErrQueueNotFound) {
			return nil
		}
		require.NoError(t, err)
		for _, info := range infos {
			ids = append(ids, info.ID)
		}
	}
	return ids
}

func TestClient_KeySameKeyOneTask(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tests := []struct {
		name    string
		callers int
		clients int // distinct Clients (processes) the callers spread over
	}{
		{name: "sequential", callers: 1, clients: 1},
		{name: "concurrent goroutines", callers: 20, clients: 1},
		{name: "two clients", callers: 20, clients: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setupKeyed(t)
			clients := make([]*Client, tt.clients)
			for i := range clients {
				clients[i] = b.client(t, ClientConfig{})
			}
			ids := make([]string, tt.callers*2)
			var wg sync.WaitGroup
			for i := range ids {
				wg.Go(func() {
					id, err := clients[i%tt.clients].SendMessage(ctx, validSendMessage(), Key("order-42"))
					require.NoError(t, err)
					ids[i] = id
				})
				if tt.callers == 1 {
					wg.Wait()
				}
			}
			wg.Wait()
			for _, id := range ids {
				require.Equal(t, ids[0], id, "every call returns the first id")
			}
			require.Equal(t, []string{ids[0]}, b.tasksIn(t, QueueMessages), "one task")
		})
	}
}

func TestClient_KeyScopes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setupKeyed(t)
	c := b.client(t, ClientConfig{})
	a1, err := c.SendMessage(ctx, validSendMessage(), Key("k"))
	require.NoError(t, err)
	a2, err := c.SendMessage(ctx, validSendMessage(), Key("other"))
	require.NoError(t, err)
	a3, err := c.DeleteGroup(ctx, DeleteGroup{GroupID: "1"}, Key("k"))
	require.NoError(t, err)
	a4, err := c.SendMessage(ctx, validSendMessage())
	require.NoError(t, err)
	require.Len(t, map[string]bool{a1: true, a2: true, a3: true, a4: true}, 4, "different key, type or no key: new tasks")
}

func TestClient_KeyAfterDeadLetterReturnsOriginal(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setupKeyed(t)
	c := b.client(t, ClientConfig{})
	id, err := c.SendMessage(ctx, validSendMessage(), Key("k"))
	require.NoError(t, err)
	// What a worker does to a dead task, then a replay: the record is
	// written, the task archived, then both are removed.
	require.NoError(t, b.insp.ArchiveTask(QueueMessages, id))
	require.NoError(t, b.insp.DeleteTask(QueueMessages, id))
	again, err := c.SendMessage(ctx, validSendMessage(), Key("k"))
	require.NoError(t, err)
	require.Equal(t, id, again)
	require.Empty(t, b.tasksIn(t, QueueMessages), "nothing enqueued")
}

func TestClient_KeyRecoversCrashBetweenMappingAndEnqueue(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tests := []struct {
		name        string
		deadLetter  bool // a dead letter record exists for the id
		wantEnqueue bool
	}{
		{name: "no task, no dead letter: enqueued under the chosen id", wantEnqueue: true},
		{name: "dead letter exists: nothing enqueued", deadLetter: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setupKeyed(t)
			c := b.client(t, ClientConfig{})
			// A producer that crashed after SET NX, before enqueueing.
			k := idemKey(TypeSendMessage, "k")
			require.NoError(t, b.db.Client.Set(ctx, k, pendingMark+"chosen-id", time.Hour).Err())
			if tt.deadLetter {
				require.NoError(t, b.db.Client.Set(ctx, deadLetterPrefix+"chosen-id", "{}", 0).Err())
			}
			id, err := c.SendMessage(ctx, validSendMessage(), Key("k"))
			require.NoError(t, err)
			require.Equal(t, "chosen-id", id)
			want := []string(nil)
			if tt.wantEnqueue {
				want = []string{"chosen-id"}
			}
			require.Equal(t, want, b.tasksIn(t, QueueMessages))
			val, err := b.db.Client.Get(ctx, k).Result()
			require.NoError(t, err)
			require.Equal(t, committedMark+"chosen-id", val, "mapping committed")
		})
	}
}

func TestClient_KeyWindow(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setupKeyed(t)
	c := b.client(t, ClientConfig{IdempotencyWindow: time.Hour})
	id, err := c.SendMessage(ctx, validSendMessage(), Key("k"))
	require.NoError(t, err)
	k := idemKey(TypeSendMessage, "k")
	ttl, err := b.db.Client.PTTL(ctx, k).Result()
	require.NoError(t, err)
	require.InDelta(t, time.Hour, ttl, float64(time.Minute), "mapping lives for the window")
	info, err := b.insp.GetTaskInfo(QueueMessages, id)
	require.NoError(t, err)
	require.Equal(t, time.Hour, info.Retention, "task kept for the window after completion")
	require.NoError(t, b.db.Client.Del(ctx, k).Err()) // the window has ended
	require.NoError(t, b.insp.DeleteTask(QueueMessages, id))
	again, err := c.SendMessage(ctx, validSendMessage(), Key("k"))
	require.NoError(t, err)
	require.NotEqual(t, id, again, "after the window the key enqueues anew")
}

func TestClient_KeyErrors(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setupKeyed(t)
	ac := asynq.NewClient(b.db.Opt)
	t.Cleanup(func() { require.NoError(t, ac.Close()) })
	_, err := NewClientFromAsynq(ac, ClientConfig{}).SendMessage(ctx, validSendMessage(), Key("k"))
	require.ErrorIs(t, err, ErrNoKeyStore)
	withRedis := NewClientFromAsynq(ac, ClientConfig{Redis: b.db.Client})
	_, err = withRedis.SendMessage(ctx, validSendMessage(), Key("k"))
	require.NoError(t, err)
	_, err = NewSendMessageTask(validSendMessage(), Key("k"))
	require.ErrorContains(t, err, "Key: idempotency keys are kept by a Client")
	_, err = withRedis.SendMessage(ctx, validSendMessage(), Key(""))
	require.ErrorContains(t, err, "Key: must be 1 to 1024 bytes")
	_, err = NewClientFromAsynq(ac, ClientConfig{IdempotencyWindow: -1}).SendMessage(ctx, validSendMessage())
	require.ErrorContains(t, err, "ClientConfig.IdempotencyWindow")
}
