package tasks

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/stretchr/testify/require"
)

func TestClient_PrepareThenEnqueue(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setupKeyed(t)
	c := b.client(t, ClientConfig{})
	msg := json.RawMessage(`{"target":"users","to":["bob"],"type":"txt","body":{"msg":"hi"}}`)
	cases := []struct {
		name     string
		payload  json.RawMessage
		opts     []Option
		wantErr  string
		wantSame bool // enqueued twice: one task
	}{
		{name: "plain", payload: msg},
		{name: "keyed: twice, one task", payload: msg, opts: []Option{Key("prep-1")}, wantSame: true},
		{name: "retained, named", payload: msg, opts: []Option{Retain(time.Minute), EnqueuedBy("backend")}},
		{name: "bad payload", payload: json.RawMessage(`{"target":"users","to":["Bob"],"type":"txt","body":{"msg":"hi"}}`),
			wantErr: `field "to[0]"`},
		{name: "bad option", payload: msg, opts: []Option{EnqueuedBy("two words")}, wantErr: "EnqueuedBy:"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, err := c.Prepare(TypeSendMessage, tc.payload, tc.opts...)
			require.Equal(t, err, c.Check(TypeSendMessage, tc.payload, tc.opts...), "Check and Prepare agree")
			if tc.wantErr != "" {
				require.ErrorContains(t, err, tc.wantErr)
				return
			}
			require.NoError(t, err)
			require.Equal(t, TypeSendMessage, p.Type())
			id, err := c.EnqueuePrepared(ctx, p)
			require.NoError(t, err)
			info, err := b.insp.GetTaskInfo(QueueFor(TypeSendMessage), id)
			require.NoError(t, err)
			require.JSONEq(t, string(tc.payload), string(info.Payload))
			if tc.wantSame {
				again, err := c.EnqueuePrepared(ctx, p)
				require.NoError(t, err)
				require.Equal(t, id, again)
			}
		})
	}
	ids := b.tasksIn(t, QueueFor(TypeSendMessage))
	require.Len(t, ids, 3, "plain, keyed once, retained")
}

func TestClient_PrepareNeedsKeyStore(t *testing.T) {
	t.Parallel()
	b := setup(t, ClientConfig{})
	ac := asynq.NewClient(b.redis)
	t.Cleanup(func() { _ = ac.Close() })
	c := NewClientFromAsynq(ac, ClientConfig{}) // no Redis for keys
	msg := json.RawMessage(`{"target":"users","to":["bob"],"type":"txt","body":{"msg":"hi"}}`)
	_, err := c.Prepare(TypeSendMessage, msg, Key("k"))
	require.ErrorIs(t, err, ErrNoKeyStore)
	_, err = c.Prepare(TypeSendMessage, msg)
	require.NoError(t, err)
}
