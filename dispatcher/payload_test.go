package dispatcher_test

import (
	"context"
	"testing"

	"github.com/hibiken/asynq"
	"github.com/stretchr/testify/require"

	"github.com/chatq/chatq/dispatcher"
	"github.com/chatq/chatq/internal/e2etest"
	"github.com/chatq/chatq/sandbox"
	"github.com/chatq/chatq/tasks"
)

// TestWorker_InvalidUTF8IsDeadLetteredWithoutACall: a foreign producer's
// message whose body or ext holds invalid UTF-8 (kept byte for byte by
// json.RawMessage) is dead-lettered invalid-payload, naming the string,
// and never sent (issue 10, item 2).
func TestWorker_InvalidUTF8IsDeadLetteredWithoutACall(t *testing.T) {
	t.Parallel()
	h := setup(t)
	c := asynq.NewClient(h.DB.Opt)
	t.Cleanup(func() { _ = c.Close() })
	cases := []struct{ payload, wantReason string }{
		{"{\"target\":\"users\",\"to\":[\"bob\"],\"type\":\"txt\",\"body\":{\"msg\":\"caf\xe9\"}}", `field "body.msg": must be valid UTF-8`},
		{"{\"target\":\"users\",\"to\":[\"bob\"],\"type\":\"txt\",\"body\":{\"msg\":\"x\"},\"ext\":{\"k\":[\"\xff\"]}}", `field "ext.k[0]": must be valid UTF-8`},
		{"{\"target\":\"users\",\"to\":[\"bob\"],\"type\":\"txt\",\"body\":{\"msg\":\"x\"},\"ext\":{\"\xff\":1}}", `object key must be valid UTF-8`},
	}
	for _, tc := range cases {
		info, err := c.Enqueue(asynq.NewTask(tasks.TypeSendMessage, []byte(tc.payload)), asynq.Queue(tasks.QueueMessages))
		require.NoError(t, err)
		require.Equal(t, []dispatcher.Outcome{dead}, e2etest.Outcomes(h.Events.WaitFinal(t, info.ID)))
		rec, err := h.Store.Get(context.Background(), info.ID)
		require.NoError(t, err)
		require.Equal(t, "invalid-payload", rec.Rule)
		require.Contains(t, rec.Reason, tc.wantReason)
	}
	require.Zero(t, h.Sandbox.Stats().Calls[sandbox.EndpointSendMessage], "nothing sent")
}
