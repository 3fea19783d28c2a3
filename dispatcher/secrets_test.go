package dispatcher_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/hibiken/asynq"
	"github.com/stretchr/testify/require"

	"github.com/chatq/chatq/internal/e2etest"
	"github.com/chatq/chatq/sandbox"
	"github.com/chatq/chatq/tasks"
)

// TestWorker_ProviderEchoOfSecretsIsScrubbed has the sandbox answer a
// message send with a documented dead-letter error whose description and
// exception echo the client secret and the app certificate: neither may
// reach the logs, the task's error in asynq, or the dead-letter record.
func TestWorker_ProviderEchoOfSecretsIsScrubbed(t *testing.T) {
	t.Parallel()
	h := setup(t)
	echo := "secret " + e2etest.ClientSecret + " cert " + e2etest.AppCertificate
	h.Sandbox.AddFault(sandbox.Fault{Endpoint: sandbox.EndpointSendMessage, Match: "echo-secrets", Times: 1,
		Status: 400, Code: "illegal_argument", Message: echo + " is not legal.", Exception: "Ex " + echo})
	id := h.Send("echo-secrets")

	evs := h.Events.WaitFinal(t, id)
	require.Equal(t, dead, evs[len(evs)-1].Outcome)
	rec, err := h.Store.Get(context.Background(), id)
	require.NoError(t, err)
	require.Equal(t, "400-username-not-legal", rec.Rule, "the scrubbed description still matches its row")
	require.Contains(t, rec.Description, "[redacted]")
	stored, err := json.Marshal(rec)
	require.NoError(t, err)
	info := h.WaitTaskState(t, tasks.QueueMessages, id, asynq.TaskStateArchived)
	for where, text := range map[string]string{
		"dead-letter record": string(stored), "asynq's last error": info.LastErr, "logs": h.Logs.String(),
	} {
		require.NotContains(t, text, e2etest.ClientSecret, "client secret in the %s", where)
		require.NotContains(t, text, e2etest.AppCertificate, "app certificate in the %s", where)
	}
}
