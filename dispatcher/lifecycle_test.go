package dispatcher_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/stretchr/testify/require"

	"github.com/chatq/chatq/dispatcher"
	"github.com/chatq/chatq/internal/e2etest"
	"github.com/chatq/chatq/sandbox"
	"github.com/chatq/chatq/tasks"
)

var delivered = dispatcher.OutcomeDelivered

func TestWorker_BurstOnExpiredTokenMakesOneTokenRequest(t *testing.T) {
	t.Parallel()
	h := setup(t, func(o *e2etest.Options) { o.Worker.Concurrency = 50 })
	sendAndWait := func(prefix string) {
		ids := make([]string, 50)
		for i := range ids {
			ids[i] = h.Send(fmt.Sprintf("%s-%d", prefix, i))
		}
		for _, id := range ids {
			evs := h.Events.WaitFinal(t, id)
			require.Equal(t, delivered, evs[len(evs)-1].Outcome)
		}
	}
	sendAndWait("before")
	require.Equal(t, 1, h.Sandbox.Stats().TokenRequests, "first token")
	h.Sandbox.ExpireTokens()
	sendAndWait("after")
	require.Equal(t, 2, h.Sandbox.Stats().TokenRequests, "one refresh for the whole burst")
}

func TestWorker_DeferralBudgetExhaustedDeadLetters(t *testing.T) {
	t.Parallel()
	h := setup(t, func(o *e2etest.Options) { o.Worker.DeferMaxAttempts = 3 })
	h.Sandbox.AddFault(sandbox.Fault{Match: "always-429", Status: 429, Code: "reach_limit", Message: "This request has reached api limit."})
	id := h.Send("always-429")
	evs := h.Events.WaitFinal(t, id)
	require.Equal(t, []dispatcher.Outcome{defer_, defer_, defer_, dead}, e2etest.Outcomes(evs))
	rec, err := h.Store.Get(context.Background(), id)
	require.NoError(t, err)
	require.Contains(t, rec.Reason, "deferral budget exhausted")
	require.Equal(t, 3, rec.Deferrals)
	require.Equal(t, 429, rec.Status)
	require.Equal(t, "reach_limit", rec.Code)
	require.Equal(t, 4, h.Sandbox.Stats().Calls["send_message"])
	h.assertArchived(t, rec)
}

func TestWorker_DefersEvenWithMaxRetryZero(t *testing.T) {
	t.Parallel()
	h := setup(t)
	h.Sandbox.AddFault(sandbox.Fault{Match: "zero-budget", Times: 2, Status: 429, Code: "reach_limit"})
	id := h.Send("zero-budget", tasks.MaxRetry(0))
	require.Equal(t, []dispatcher.Outcome{defer_, defer_, delivered}, e2etest.Outcomes(h.Events.WaitFinal(t, id)))
}

func TestWorker_DefersAfterRetriesAreSpent(t *testing.T) {
	t.Parallel()
	h := setup(t)
	// Faults answer in the order they were added: two 503s, then two 429s.
	h.Sandbox.AddFault(sandbox.Fault{Match: "spent", Times: 2, Status: 503})
	h.Sandbox.AddFault(sandbox.Fault{Match: "spent", Times: 2, Status: 429, Code: "reach_limit"})
	id := h.Send("spent", tasks.MaxRetry(2))
	evs := h.Events.WaitFinal(t, id)
	require.Equal(t, []dispatcher.Outcome{retry, retry, defer_, defer_, delivered}, e2etest.Outcomes(evs))
}

func TestWorker_RetriesExhaustedDeadLetters(t *testing.T) {
	t.Parallel()
	h := setup(t)
	h.Sandbox.AddFault(sandbox.Fault{Match: "always-503", Status: 503})
	id := h.Send("always-503", tasks.MaxRetry(2))
	evs := h.Events.WaitFinal(t, id)
	require.Equal(t, []dispatcher.Outcome{retry, retry, dead}, e2etest.Outcomes(evs))
	rec, err := h.Store.Get(context.Background(), id)
	require.NoError(t, err)
	require.Contains(t, rec.Reason, "retries exhausted (2 of 2)")
	require.Equal(t, 3, rec.Attempts)
	require.Equal(t, 503, rec.Status)
	require.False(t, rec.FirstFailure.After(rec.LastFailure), "first failure before last")
	require.Equal(t, 3, h.Sandbox.Stats().Calls["send_message"])
}

func TestWorker_ForeignPayloadsAreDeadLetteredAndTheWorkerGoesOn(t *testing.T) {
	t.Parallel()
	h := setup(t)
	c := asynq.NewClient(h.DB.Opt)
	t.Cleanup(func() { _ = c.Close() })
	cases := []struct {
		name, typ string
		payload   []byte
		wantRule  string
	}{
		{"not json", tasks.TypeSendMessage, []byte("{not json"), "invalid-payload"},
		{"fails validation", tasks.TypeSendMessage, []byte(`{"target":"users","to":[],"type":"txt","body":{"msg":"x"}}`), "invalid-payload"},
		{"unknown type", "email:send", []byte(`{}`), "unknown-type"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			info, err := c.Enqueue(asynq.NewTask(tc.typ, tc.payload), asynq.Queue(tasks.QueueMessages), asynq.MaxRetry(3))
			require.NoError(t, err)
			evs := h.Events.WaitFinal(t, info.ID)
			require.Equal(t, []dispatcher.Outcome{dead}, e2etest.Outcomes(evs))
			rec, err := h.Store.Get(context.Background(), info.ID)
			require.NoError(t, err)
			require.Equal(t, tc.wantRule, rec.Rule)
			require.Equal(t, tc.payload, rec.PayloadBytes(), "payload kept byte for byte")
			h.assertArchived(t, rec)
		})
	}
	id := h.Send("still-running")
	require.Equal(t, []dispatcher.Outcome{delivered}, e2etest.Outcomes(h.Events.WaitFinal(t, id)))
	require.Zero(t, h.Sandbox.Stats().Calls["send_message"]-1, "foreign payloads made no provider call")
}

func TestWorker_RejectedCredentialsDeferThenDeadLetter(t *testing.T) {
	t.Parallel()
	h := setup(t, func(o *e2etest.Options) {
		o.Sandbox.ClientSecret = "a-different-secret" // the token endpoint answers 400 invalid_grant
		o.Worker.DeferMaxAttempts = 2
	})
	id := h.Send("bad-credentials")
	evs := h.Events.WaitFinal(t, id)
	require.Equal(t, []dispatcher.Outcome{dispatcher.OutcomeCredentials, dispatcher.OutcomeCredentials, dead}, e2etest.Outcomes(evs))
	require.ErrorIs(t, h.Worker.Ready(), dispatcher.ErrCredentialsRejected)
	require.Contains(t, h.Logs.String(), "check the client id and secret", "the log names what to fix")
	require.Zero(t, h.Sandbox.Stats().Calls["send_message"], "no call without a token")
	rec, err := h.Store.Get(context.Background(), id)
	require.NoError(t, err)
	require.Equal(t, "invalid_grant", rec.Code)
}

func TestWorker_FreshTokenRefusedIsACredentialsProblem(t *testing.T) {
	t.Parallel()
	h := setup(t)
	h.Sandbox.AddFault(sandbox.Fault{Match: "refused-twice", Times: 2, Status: 401, Code: "unauthorized", Message: "Unable to authenticate due to expired access token."})
	id := h.Send("refused-twice")
	evs := h.Events.WaitFinal(t, id)
	require.Equal(t, []dispatcher.Outcome{refresh, dispatcher.OutcomeCredentials, delivered}, e2etest.Outcomes(evs))
	require.Equal(t, "fresh-token-refused", evs[1].Rule)
	require.NoError(t, h.Worker.Ready(), "ready again after a delivery")
}

func TestWorker_UnknownAppIsACredentialsProblem(t *testing.T) {
	t.Parallel()
	h := setup(t)
	h.Sandbox.AddFault(sandbox.Fault{Match: "no-app", Times: 2, Status: 404, Code: "organization_application_not_found", Message: "Could not find application for org from URI: org/app/token"})
	id := h.Send("no-app")
	evs := h.Events.WaitFinal(t, id)
	require.Equal(t, []dispatcher.Outcome{dispatcher.OutcomeCredentials, dispatcher.OutcomeCredentials, delivered}, e2etest.Outcomes(evs))
	require.Equal(t, 1, evs[len(evs)-1].Attempt, "no retry spent on a configuration error")
	require.Contains(t, h.Logs.String(), "check the app key")
}

func TestWorker_TokenEndpointOutageIsRetried(t *testing.T) {
	t.Parallel()
	h := setup(t)
	h.Sandbox.AddFault(sandbox.Fault{Endpoint: "token", Times: 1, Status: 503})
	id := h.Send("token-outage")
	require.Equal(t, []dispatcher.Outcome{retry, delivered}, e2etest.Outcomes(h.Events.WaitFinal(t, id)))
	require.Equal(t, 2, h.Sandbox.Stats().TokenRequests)
}

func TestWorker_NetworkFailuresAreRetried(t *testing.T) {
	t.Parallel()
	h := setup(t, func(o *e2etest.Options) { o.HTTPTimeout = 300 * time.Millisecond })
	h.Sandbox.AddFault(sandbox.Fault{Match: "dropped", Times: 1, Drop: true})
	h.Sandbox.AddFault(sandbox.Fault{Match: "slow", Times: 1, Delay: sandbox.Duration(3 * time.Second)})
	for _, marker := range []string{"dropped", "slow"} {
		id := h.Send(marker)
		evs := h.Events.WaitFinal(t, id)
		require.Equal(t, []dispatcher.Outcome{retry, delivered}, e2etest.Outcomes(evs), marker)
		require.Zero(t, evs[0].Status, "no HTTP status for a network failure")
	}
}

func TestWorker_FailedDeadLetterWriteKeepsTaskRetryable(t *testing.T) {
	t.Parallel()
	h := setup(t)
	// A string where the store keeps its index: every write fails (WRONGTYPE).
	require.NoError(t, h.DB.Client.Set(context.Background(), "{chatq}:dl:index", "sabotaged", 0).Err())
	h.Sandbox.AddFault(sandbox.Fault{Match: "unstorable", Status: 400, Code: "json_parse", Message: "Unexpected character."})
	id := h.Send("unstorable")
	info := h.WaitTaskState(t, tasks.QueueMessages, id, asynq.TaskStateRetry)
	require.Contains(t, info.LastErr, "dead-letter write failed")
	require.Zero(t, info.Retried, "chatq's own storage trouble spends no retry")
	require.Contains(t, h.Logs.String(), "dead-letter write failed; task stays retryable")
}
