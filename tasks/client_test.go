package tasks

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/hibiken/asynq"
	"github.com/stretchr/testify/require"
)

type testBundle struct {
	redis     asynq.RedisClientOpt
	client    *Client
	inspector *asynq.Inspector
}

// setup starts a miniredis for one test and returns a Client on it built
// with cfg.
func setup(t *testing.T, cfg ClientConfig) *testBundle {
	t.Helper()
	mr := miniredis.RunT(t)
	opt := asynq.RedisClientOpt{Addr: mr.Addr()}
	b := &testBundle{redis: opt, client: NewClient(opt, cfg), inspector: asynq.NewInspector(opt)}
	t.Cleanup(func() {
		require.NoError(t, b.client.Close())
		require.NoError(t, b.inspector.Close())
	})
	return b
}

// task returns the enqueued task id of queue.
func (b *testBundle) task(t *testing.T, queue, id string) *asynq.TaskInfo {
	t.Helper()
	require.NotEmpty(t, id)
	info, err := b.inspector.GetTaskInfo(queue, id)
	require.NoError(t, err, "task %s in queue %s", id, queue)
	return info
}

func TestClient_methods(t *testing.T) {
	t.Parallel()

	ctx := context.Background()
	tests := []struct {
		name        string
		enqueue     func(*Client) (string, error)
		wantType    string
		wantQueue   string
		wantPayload string
	}{
		{
			name:        "SendMessage",
			enqueue:     func(c *Client) (string, error) { return c.SendMessage(ctx, validSendMessage()) },
			wantType:    TypeSendMessage,
			wantQueue:   QueueMessages,
			wantPayload: `{"target":"users","to":["alice","bob"],"type":"txt","body":{"msg":"hello"}}`,
		},
		{
			name:        "RegisterUsers",
			enqueue:     func(c *Client) (string, error) { return c.RegisterUsers(ctx, RegisterUsers{Users: users("alice")}) },
			wantType:    TypeRegisterUser,
			wantQueue:   QueueUsers,
			wantPayload: `{"users":[{"username":"alice"}]}`,
		},
		{
			name:        "CreateGroup",
			enqueue:     func(c *Client) (string, error) { return c.CreateGroup(ctx, validCreateGroup()) },
			wantType:    TypeCreateGroup,
			wantQueue:   QueueGroups,
			wantPayload: `{"groupname":"Team","owner":"alice","members":["bob"]}`,
		},
		{
			name:        "DeleteGroup",
			enqueue:     func(c *Client) (string, error) { return c.DeleteGroup(ctx, DeleteGroup{GroupID: "1"}) },
			wantType:    TypeDeleteGroup,
			wantQueue:   QueueGroups,
			wantPayload: `{"group_id":"1"}`,
		},
		{
			name: "AddGroupMembers",
			enqueue: func(c *Client) (string, error) {
				return c.AddGroupMembers(ctx, AddGroupMembers{GroupID: "1", Usernames: []string{"bob"}})
			},
			wantType:    TypeAddGroupMembers,
			wantQueue:   QueueGroups,
			wantPayload: `{"group_id":"1","usernames":["bob"]}`,
		},
		{
			name: "RemoveGroupMembers",
			enqueue: func(c *Client) (string, error) {
				return c.RemoveGroupMembers(ctx, RemoveGroupMembers{GroupID: "1", Usernames: []string{"bob"}})
			},
			wantType:    TypeRemoveGroupMembers,
			wantQueue:   QueueGroups,
			wantPayload: `{"group_id":"1","usernames":["bob"]}`,
		},
		{
			name: "TransferGroupOwner",
			enqueue: func(c *Client) (string, error) {
				return c.TransferGroupOwner(ctx, TransferGroupOwner{GroupID: "1", NewOwner: "bob"})
			},
			wantType:    TypeTransferGroupOwner,
			wantQueue:   QueueGroups,
			wantPayload: `{"group_id":"1","new_owner":"bob"}`,
		},
		{
			name: "EnqueuePayload takes the type from the payload",
			enqueue: func(c *Client) (string, error) {
				return c.EnqueuePayload(ctx, RemoveGroupMembers{GroupID: "1", Usernames: []string{"bob"}})
			},
			wantType:    TypeRemoveGroupMembers,
			wantQueue:   QueueGroups,
			wantPayload: `{"group_id":"1","usernames":["bob"]}`,
		},
		{
			name: "Enqueue canonicalizes the payload",
			enqueue: func(c *Client) (string, error) {
				return c.Enqueue(ctx, TypeDeleteGroup, json.RawMessage(" {\n \"group_id\" : \"1\" }\n"))
			},
			wantType:    TypeDeleteGroup,
			wantQueue:   QueueGroups,
			wantPayload: `{"group_id":"1"}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, ClientConfig{})
			id, err := tt.enqueue(b.client)
			require.NoError(t, err)
			info := b.task(t, tt.wantQueue, id)
			require.Equal(t, tt.wantType, info.Type)
			require.Equal(t, tt.wantQueue, info.Queue)
			require.Equal(t, DefaultMaxRetry+1, info.MaxRetry, "asynq MaxRetry = budget + 1")
			require.Equal(t, tt.wantPayload, string(info.Payload))
			require.Equal(t, asynq.TaskStatePending, info.State)
		})
	}
}

func TestClient_options(t *testing.T) {
	t.Parallel()

	ctx := context.Background()
	at := time.Now().Add(time.Hour).Truncate(time.Second)

	t.Run("queue, budget and ProcessAt", func(t *testing.T) {
		t.Parallel()
		b := setup(t, ClientConfig{})
		id, err := b.client.SendMessage(ctx, validSendMessage(), Queue("urgent"), MaxRetry(3), ProcessAt(at))
		require.NoError(t, err)
		info := b.task(t, "urgent", id)
		require.Equal(t, 4, info.MaxRetry)
		require.Equal(t, asynq.TaskStateScheduled, info.State)
		require.True(t, at.Equal(info.NextProcessAt), "NextProcessAt got %v, want %v", info.NextProcessAt, at)
	})
	t.Run("Delay", func(t *testing.T) {
		t.Parallel()
		b := setup(t, ClientConfig{})
		before := time.Now()
		id, err := b.client.DeleteGroup(ctx, DeleteGroup{GroupID: "1"}, Delay(time.Hour))
		require.NoError(t, err)
		info := b.task(t, QueueGroups, id)
		require.Equal(t, asynq.TaskStateScheduled, info.State)
		require.WithinRange(t, info.NextProcessAt, before.Add(time.Hour-time.Second), time.Now().Add(time.Hour+time.Second))
	})
	t.Run("config budget", func(t *testing.T) {
		t.Parallel()
		b := setup(t, ClientConfig{DefaultMaxRetry: 7})
		id, err := b.client.DeleteGroup(ctx, DeleteGroup{GroupID: "1"})
		require.NoError(t, err)
		require.Equal(t, 8, b.task(t, QueueGroups, id).MaxRetry)

		id, err = b.client.DeleteGroup(ctx, DeleteGroup{GroupID: "1"}, MaxRetry(0))
		require.NoError(t, err)
		require.Equal(t, 1, b.task(t, QueueGroups, id).MaxRetry, "MaxRetry(0) overrides the config")
	})
	t.Run("config limits and WithLimits", func(t *testing.T) {
		t.Parallel()
		b := setup(t, ClientConfig{Limits: Limits{MaxMessageBytes: 10}})
		_, err := b.client.SendMessage(ctx, validSendMessage())
		requireValidation(t, err, TypeSendMessage, "body", "at most 10 bytes")
		_, err = b.client.Enqueue(ctx, TypeSendMessage, json.RawMessage(`{"target":"users","to":["a"],"type":"txt","body":{"msg":"hello"}}`))
		requireValidation(t, err, TypeSendMessage, "body", "at most 10 bytes")

		_, err = b.client.SendMessage(ctx, validSendMessage(), WithLimits(Limits{}))
		require.NoError(t, err, "WithLimits overrides the config")
	})
}

func TestClient_errors(t *testing.T) {
	t.Parallel()

	ctx := context.Background()
	t.Run("invalid payload enqueues nothing", func(t *testing.T) {
		t.Parallel()
		b := setup(t, ClientConfig{})
		_, err := b.client.DeleteGroup(ctx, DeleteGroup{})
		requireValidation(t, err, TypeDeleteGroup, "group_id", "is required")
		_, err = b.client.Enqueue(ctx, TypeDeleteGroup, json.RawMessage(`{"group_id":"1","x":1}`))
		requireValidation(t, err, TypeDeleteGroup, "x", "unknown field")
		_, err = b.client.Enqueue(ctx, "nope", json.RawMessage(`{}`))
		requireValidation(t, err, "", "type", "unknown task type")
		queues, err := b.inspector.Queues()
		require.NoError(t, err)
		require.Empty(t, queues)
	})
	t.Run("invalid option", func(t *testing.T) {
		t.Parallel()
		b := setup(t, ClientConfig{})
		_, err := b.client.Enqueue(ctx, TypeDeleteGroup, json.RawMessage(`{"group_id":"1"}`), Queue(""))
		require.EqualError(t, err, "Queue: must not be empty")
	})
	t.Run("invalid config", func(t *testing.T) {
		t.Parallel()
		b := setup(t, ClientConfig{DefaultMaxRetry: -1})
		_, err := b.client.DeleteGroup(ctx, DeleteGroup{GroupID: "1"})
		require.EqualError(t, err, "ClientConfig.DefaultMaxRetry: must be >= 0, got -1")
		_, err = b.client.Enqueue(ctx, TypeDeleteGroup, json.RawMessage(`{"group_id":"1"}`))
		require.EqualError(t, err, "ClientConfig.DefaultMaxRetry: must be >= 0, got -1")

		ac := asynq.NewClient(b.redis)
		t.Cleanup(func() { require.NoError(t, ac.Close()) })
		c := NewClientFromAsynq(ac, ClientConfig{Limits: Limits{MaxMessageBytes: -1}})
		_, err = c.DeleteGroup(ctx, DeleteGroup{GroupID: "1"})
		require.EqualError(t, err, "ClientConfig.Limits.MaxMessageBytes: must be >= 0, got -1")
	})
	t.Run("nil asynq client", func(t *testing.T) {
		t.Parallel()
		c := NewClientFromAsynq(nil, ClientConfig{})
		_, err := c.DeleteGroup(ctx, DeleteGroup{GroupID: "1"})
		require.EqualError(t, err, "tasks: nil asynq client")
		require.NoError(t, c.Close())
	})
	t.Run("canceled context", func(t *testing.T) {
		t.Parallel()
		b := setup(t, ClientConfig{})
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		_, err := b.client.DeleteGroup(cctx, DeleteGroup{GroupID: "1"})
		require.ErrorIs(t, err, context.Canceled)
		require.ErrorContains(t, err, "enqueuing group:delete: ")
	})
	t.Run("redis down", func(t *testing.T) {
		t.Parallel()
		mr := miniredis.RunT(t)
		c := NewClient(asynq.RedisClientOpt{Addr: mr.Addr()}, ClientConfig{})
		t.Cleanup(func() { require.NoError(t, c.Close()) })
		mr.Close()
		_, err := c.DeleteGroup(ctx, DeleteGroup{GroupID: "1"})
		require.ErrorContains(t, err, "enqueuing group:delete: ")
		var ve *ValidationError
		require.False(t, errors.As(err, &ve), "a Redis error is not a validation error")
	})
}

func TestNewClientFromAsynq_doesNotOwn(t *testing.T) {
	t.Parallel()

	mr := miniredis.RunT(t)
	ac := asynq.NewClient(asynq.RedisClientOpt{Addr: mr.Addr()})
	t.Cleanup(func() { require.NoError(t, ac.Close()) })

	c := NewClientFromAsynq(ac, ClientConfig{})
	require.NoError(t, c.Close())
	require.NoError(t, ac.Ping(), "Close must leave the asynq client open")
	id, err := c.DeleteGroup(context.Background(), DeleteGroup{GroupID: "1"})
	require.NoError(t, err)
	require.NotEmpty(t, id)
}
