package cli

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/chatq/chatq/deadletter"
	"github.com/chatq/chatq/internal/redistest"
	"github.com/chatq/chatq/tasks"
)

func TestConfig_MaxPayloadBytesMustHoldTheLargestValidPayload(t *testing.T) {
	t.Setenv("CHATQ_MAX_PAYLOAD_BYTES", "100000")
	code, _, stderr := run(t, "", "policy")
	require.Equal(t, ExitUsage, code, stderr)
	require.Contains(t, stderr, "CHATQ_MAX_PAYLOAD_BYTES: must be at least 260648")

	t.Setenv("CHATQ_MAX_PAYLOAD_BYTES", "1048576")
	t.Setenv("CHATQ_MAX_MESSAGE_BYTES", "2000000")
	code, _, stderr = run(t, "", "policy")
	require.Equal(t, ExitUsage, code, stderr)
	require.Contains(t, stderr, "CHATQ_MAX_PAYLOAD_BYTES: must be at least 2040712, the largest valid payload with CHATQ_MAX_MESSAGE_BYTES=2000000")
}

// TestDeadLetter_ShowTruncatedPayload: `dlq show` says that a record keeps
// only a prefix of the payload, with its size and hash, and why it cannot
// be replayed; `dlq replay` refuses it.
func TestDeadLetter_ShowTruncatedPayload(t *testing.T) {
	db := redistest.New(t)
	t.Setenv("CHATQ_REDIS_URL", db.URL)
	at := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	r := deadletter.Record{TaskID: "big1", Type: tasks.TypeSendMessage, Queue: tasks.QueueMessages,
		Rule: "payload-too-large", Action: "dead-letter", Reason: "payload of 20000 bytes is over the cap",
		Attempts: 1, FirstFailure: at, LastFailure: at}
	r.SetPayloadPrefix(bytes.Repeat([]byte("z"), 20_000), deadletter.PayloadPrefixBytes)
	require.NoError(t, deadletter.New(db.Client, deadletter.Config{}).Put(context.Background(), r))

	code, out, stderr := run(t, "", "dlq", "show", "big1")
	require.Equal(t, ExitOK, code, stderr)
	require.Contains(t, out, "payload size:")
	require.Contains(t, out, "20000 bytes; only the first 4096 are kept, so it cannot be replayed")
	require.Contains(t, out, "payload sha256:  "+r.PayloadSHA256)
	require.Contains(t, out, "(the first 4096 bytes)")

	code, out, stderr = run(t, "", "dlq", "replay", "--force", "big1")
	require.Contains(t, out+stderr, "skipped-truncated")
	require.Contains(t, out+stderr, "cannot be replayed")
	_ = code // the exit code of a replay that skips is the replay command's to decide (issue 10, item 6)
}
