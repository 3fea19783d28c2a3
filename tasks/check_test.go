package tasks

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/stretchr/testify/require"
)

func TestClient_Check(t *testing.T) {
	t.Parallel()
	b := setupKeyed(t)
	c := b.client(t, ClientConfig{})
	good := json.RawMessage(`{"target":"users","to":["bob"],"type":"txt","body":{"msg":"hi"}}`)
	tests := []struct {
		name    string
		payload json.RawMessage
		opts    []Option
		wantErr string
	}{
		{name: "valid", payload: good, opts: []Option{Key("k"), TTL(time.Hour), Queue("messages"), MaxRetry(3)}},
		{name: "payload", payload: json.RawMessage(`{"target":"users","to":[]}`), wantErr: `message:send: field "to"`},
		{name: "deadline passed", payload: good, opts: []Option{ExpiresAt(time.Now().Add(-time.Minute))}, wantErr: "ExpiresAt: the deadline"},
		{name: "max retry", payload: good, opts: []Option{MaxRetry(-1)}, wantErr: "MaxRetry: must be >= 0"},
		{name: "queue", payload: good, opts: []Option{Queue(" ")}, wantErr: "Queue: must not be empty"},
		{name: "key", payload: good, opts: []Option{Key("")}, wantErr: "Key: must be 1 to 1024 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := c.Check(TypeSendMessage, tt.payload, tt.opts...)
			if tt.wantErr == "" {
				require.NoError(t, err)
				return
			}
			require.ErrorContains(t, err, tt.wantErr)
		})
	}
	require.Empty(t, b.db.Keys(t), "Check writes nothing to Redis")

	ac := asynq.NewClient(b.db.Opt)
	t.Cleanup(func() { require.NoError(t, ac.Close()) })
	require.ErrorIs(t, NewClientFromAsynq(ac, ClientConfig{}).Check(TypeSendMessage, good, Key("k")), ErrNoKeyStore)
	require.ErrorContains(t, NewClientFromAsynq(ac, ClientConfig{DefaultMaxRetry: -2}).Check(TypeSendMessage, good),
		"ClientConfig.DefaultMaxRetry")
}

func TestClient_Enqueued(t *testing.T) {
	t.Parallel()
	b := setupKeyed(t)
	c := b.client(t, ClientConfig{})
	ctx := context.Background()
	_, ok, err := c.Enqueued(ctx, TypeDeleteGroup, "k")
	require.NoError(t, err)
	require.False(t, ok)
	id, err := c.DeleteGroup(ctx, DeleteGroup{GroupID: "1"}, Key("k"))
	require.NoError(t, err)
	got, ok, err := c.Enqueued(ctx, TypeDeleteGroup, "k")
	require.NoError(t, err)
	require.True(t, ok)
	require.Equal(t, id, got)
	_, ok, err = c.Enqueued(ctx, TypeCreateGroup, "k")
	require.NoError(t, err)
	require.False(t, ok, "keys are per task type")

	require.NoError(t, b.db.Client.Set(ctx, idemKey(TypeDeleteGroup, "pending"), pendingMark+"x", time.Minute).Err())
	_, ok, err = c.Enqueued(ctx, TypeDeleteGroup, "pending")
	require.NoError(t, err)
	require.False(t, ok, "an enqueue that may not have finished is not reported")
}
