package dispatcher_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/hibiken/asynq"
	"github.com/stretchr/testify/require"

	"github.com/chatq/chatq/dispatcher"
	"github.com/chatq/chatq/internal/e2etest"
	"github.com/chatq/chatq/sandbox"
	"github.com/chatq/chatq/tasks"
)

// logLines returns the harness's JSON log lines whose message is msg.
func logLines(t *testing.T, logs, msg string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(logs), "\n") {
		var m map[string]any
		require.NoError(t, json.Unmarshal([]byte(line), &m), "log line %q", line)
		if m["msg"] == msg {
			out = append(out, m)
		}
	}
	return out
}

// TestWorker_PolicyDeadLetterLogsNoRetryExhausted: a task the policy
// dead-letters with its whole retry budget left gets chatq's
// "dead-lettered" warning, and asynq's "Retry exhausted" line about the
// same task is lowered to debug.
func TestWorker_PolicyDeadLetterLogsNoRetryExhausted(t *testing.T) {
	t.Parallel()
	h := setup(t)
	h.Sandbox.AddFault(sandbox.Fault{Match: "forbidden-log", Status: 403, Code: "forbidden_op", Message: "Forbidden operation on group owner!"})
	id := h.Send("forbidden-log")
	require.Equal(t, []dispatcher.Outcome{dead}, e2etest.Outcomes(h.Events.WaitFinal(t, id)))
	h.WaitTaskState(t, tasks.QueueMessages, id, asynq.TaskStateArchived) // asynq logs before it archives

	logs := h.Logs.String()
	dl := logLines(t, logs, "dead-lettered")
	require.Len(t, dl, 1, logs)
	require.Equal(t, "WARN", dl[0]["level"])
	require.Equal(t, id, dl[0]["task_id"])
	exhausted := logLines(t, logs, "Retry exhausted for task id="+id)
	require.Len(t, exhausted, 1, "asynq's line is kept at debug level: %s", logs)
	require.Equal(t, "DEBUG", exhausted[0]["level"])
	require.Equal(t, "dead-lettered", exhausted[0]["replaced_by"])
}

// TestWorker_AsynqArchiveWithoutDeadLetterStillWarns: a task from another
// producer with asynq MaxRetry(0) is archived by asynq on its first
// deferral, without a chatq dead letter; asynq's warning is the only line
// that says so, and stays a warning.
func TestWorker_AsynqArchiveWithoutDeadLetterStillWarns(t *testing.T) {
	t.Parallel()
	h := setup(t)
	h.Sandbox.AddFault(sandbox.Fault{Match: "foreign-zero", Status: 429, Code: "reach_limit"})
	c := asynq.NewClient(h.DB.Opt)
	t.Cleanup(func() { _ = c.Close() })
	payload, err := json.Marshal(e2etest.Message("foreign-zero"))
	require.NoError(t, err)
	info, err := c.Enqueue(asynq.NewTask(tasks.TypeSendMessage, payload), asynq.Queue(tasks.QueueMessages), asynq.MaxRetry(0))
	require.NoError(t, err)
	h.WaitTaskState(t, tasks.QueueMessages, info.ID, asynq.TaskStateArchived)

	logs := h.Logs.String()
	require.Empty(t, logLines(t, logs, "dead-lettered"), "chatq deferred the task; asynq archived it")
	exhausted := logLines(t, logs, "Retry exhausted for task id="+info.ID)
	require.Len(t, exhausted, 1, logs)
	require.Equal(t, "WARN", exhausted[0]["level"])
}
