package dispatcher_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"

	"github.com/hibiken/asynq"
	"github.com/stretchr/testify/require"

	"github.com/chatq/chatq/deadletter"
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

// TestWorker_OversizedPayloadIsDeadLetteredSmall: a 20 MB payload put in by
// a plain asynq client is dead-lettered payload-too-large without being
// decoded or sent, and its stored record holds a 4 KiB prefix with the
// payload's size and SHA-256, not the 20 MB (issue 10, item 3). An invalid
// payload under the cap keeps only its prefix too.
func TestWorker_OversizedPayloadIsDeadLetteredSmall(t *testing.T) {
	t.Parallel()
	h := setup(t)
	c := asynq.NewClient(h.DB.Opt)
	t.Cleanup(func() { _ = c.Close() })
	msg := `{"target":"users","to":["bob"],"type":"txt","body":{"msg":"`
	cases := []struct {
		name     string
		payload  []byte
		wantRule string
	}{
		{"20 MB", []byte(msg + strings.Repeat("x", 20<<20) + `"}}`), "payload-too-large"},
		{"100 KB that does not decode", []byte(msg + strings.Repeat("x", 100<<10)), "invalid-payload"},
	}
	for _, tc := range cases {
		info, err := c.Enqueue(asynq.NewTask(tasks.TypeSendMessage, tc.payload), asynq.Queue(tasks.QueueMessages))
		require.NoError(t, err)
		require.Equal(t, []dispatcher.Outcome{dead}, e2etest.Outcomes(h.Events.WaitFinal(t, info.ID)), tc.name)

		stored, err := h.DB.Client.StrLen(context.Background(), "{chatq}:dl:"+info.ID).Result()
		require.NoError(t, err)
		t.Logf("%s payload (%d bytes): stored record of %d bytes", tc.name, len(tc.payload), stored)
		require.Less(t, stored, int64(8<<10), "%s: the stored record is small", tc.name)
		rec, err := h.Store.Get(context.Background(), info.ID)
		require.NoError(t, err)
		require.Equal(t, tc.wantRule, rec.Rule, tc.name)
		require.True(t, rec.PayloadTruncated(), tc.name)
		require.Equal(t, tc.payload[:deadletter.PayloadPrefixBytes], rec.PayloadBytes(), tc.name)
		require.Equal(t, len(tc.payload), rec.PayloadSize, tc.name)
		sum := sha256.Sum256(tc.payload)
		require.Equal(t, hex.EncodeToString(sum[:]), rec.PayloadSHA256, tc.name)
	}
	require.Contains(t, h.Logs.String(), "over the 1048576-byte cap")
	require.Zero(t, h.Sandbox.Stats().Calls[sandbox.EndpointSendMessage], "nothing sent")
}

func TestNew_MaxPayloadBytesBelowTheLargestValidPayload(t *testing.T) {
	t.Parallel()
	least := tasks.LargestPayload(tasks.Limits{})
	_, err := dispatcher.New(dispatcher.Config{MaxPayloadBytes: least - 1}, dispatcher.Deps{})
	require.ErrorContains(t, err, fmt.Sprintf("field MaxPayloadBytes: must be at least %d", least))
}
