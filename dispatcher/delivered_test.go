package dispatcher_test

import (
	"context"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/chatq/chatq/dispatcher"
	"github.com/chatq/chatq/internal/e2etest"
	"github.com/chatq/chatq/internal/redistest"
	"github.com/chatq/chatq/sandbox"
	"github.com/chatq/chatq/tasks"
)

// TestWorker_ReRunOfDeliveredTask runs a delivered task again under its id
// with asynq's retry count raised, as asynq's recoverer does when it lost
// the task's completion (cmd/chatq/chaos_test.go does that with a real
// Redis restart). The re-run's first attempt meets a 503, so the attempt
// after it has retry count 1. With the delivered marker that attempt
// finishes as done without a call; another payload under the same id, or
// markers turned off, is sent again.
func TestWorker_ReRunOfDeliveredTask(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name          string
		ttl           time.Duration // Config.DeliveredTTL
		rerunText     string
		wantOutcomes  []dispatcher.Outcome // of the re-run
		wantDelivered int                  // by the sandbox, both runs
	}{
		{name: "same task: finished by its marker", rerunText: "rerun-same",
			wantOutcomes: []dispatcher.Outcome{retry, done}, wantDelivered: 1},
		{name: "another payload under the same id: sent", rerunText: "rerun-other",
			wantOutcomes: []dispatcher.Outcome{retry, delivered}, wantDelivered: 2},
		{name: "markers off: sent again", ttl: -1, rerunText: "rerun-same",
			wantOutcomes: []dispatcher.Outcome{retry, delivered}, wantDelivered: 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := setup(t, func(o *e2etest.Options) { o.Worker.DeliveredTTL = tc.ttl })
			id := h.Send("rerun-same")
			require.Equal(t, []dispatcher.Outcome{delivered}, e2etest.Outcomes(h.Events.WaitFinal(t, id)))
			if tc.ttl >= 0 {
				h.waitKey(t, "{chatq}:delivered:"+id)
			}

			h.Sandbox.AddFault(sandbox.Fault{Match: tc.rerunText, Times: 1, Status: 503})
			h.enqueueAs(t, id, tc.rerunText)
			evs := h.Events.WaitFor(t, id, func(evs []dispatcher.Event) bool {
				return len(evs) == 1+len(tc.wantOutcomes)
			})
			require.Equal(t, tc.wantOutcomes, e2etest.Outcomes(evs[1:]))
			last := evs[len(evs)-1]
			require.Equal(t, 2, last.Attempt, "the re-run's attempt after the 503")
			if last.Outcome == done {
				require.Equal(t, "already-delivered", last.Rule)
				require.Contains(t, h.Logs.String(), `"msg":"already delivered"`)
			}
			require.Equal(t, tc.wantDelivered, h.Sandbox.Stats().Delivered)
			require.Equal(t, 1+tc.wantDelivered, h.Sandbox.Stats().Calls[sandbox.EndpointSendMessage],
				"calls: the first delivery, the 503, and a second delivery only when sent again")
		})
	}
}

// TestWorker_FirstAttemptReadsNoMarker checks the hot path: a task's first
// attempt (retry count 0) does not look for a marker, so a task enqueued
// again under the id of a delivered one is sent.
func TestWorker_FirstAttemptReadsNoMarker(t *testing.T) {
	t.Parallel()
	h := setup(t)
	id := h.Send("first-attempt")
	h.Events.WaitFinal(t, id)
	h.waitKey(t, "{chatq}:delivered:"+id)
	h.enqueueAs(t, id, "first-attempt")
	h.Events.WaitFor(t, id, func(evs []dispatcher.Event) bool { return len(evs) == 2 })
	require.Equal(t, 2, h.Sandbox.Stats().Delivered)
}

// TestWorker_MarkerWrittenAfterRedisOutage kills the worker's Redis while
// a call is in flight: the task is delivered while Redis is down, so its
// marker cannot be written then (nor can asynq mark it done). The finisher
// keeps it and writes it once Redis is back, before asynq could run the
// task again.
func TestWorker_MarkerWrittenAfterRedisOutage(t *testing.T) {
	t.Parallel()
	srv := redistest.NewServer(t, redistest.ServerOptions{AOF: true})
	h := setup(t, func(o *e2etest.Options) { o.Redis = srv.Opt })
	h.Sandbox.AddFault(sandbox.Fault{Match: "during-outage", Delay: sandbox.Duration(500 * time.Millisecond)})
	id := h.Send("during-outage")
	h.WaitCalls(t, sandbox.EndpointSendMessage, 1)
	srv.Kill()
	h.Events.WaitFinal(t, id)
	h.waitLog(t, "cannot write finished tasks' delivered markers")
	srv.Restart()
	h.waitKey(t, "{chatq}:delivered:"+id)
	ttl, err := h.RDB.TTL(context.Background(), "{chatq}:delivered:"+id).Result()
	require.NoError(t, err)
	require.Greater(t, ttl, dispatcher.MinDeliveredTTL, "the default TTL, 10m")
	require.LessOrEqual(t, ttl, dispatcher.DefaultDeliveredTTL)
	require.Equal(t, 1, h.Sandbox.Stats().Delivered)
}

// TestIsFailure_LeaseExpired pins what the marker check relies on: asynq's
// recoverer hands a task whose lease expired to broker.Retry with
// isFailure = IsFailure(asynq.ErrLeaseExpired), so the task runs again
// with its retry count raised only when that is true.
func TestIsFailure_LeaseExpired(t *testing.T) {
	t.Parallel()
	require.True(t, dispatcher.IsFailure(asynq.ErrLeaseExpired))
}

func TestConfig_DeliveredTTLBelowRecoveryWindow(t *testing.T) {
	t.Parallel()
	_, err := dispatcher.New(dispatcher.Config{DeliveredTTL: time.Minute}, dispatcher.Deps{})
	require.ErrorContains(t, err, "field DeliveredTTL: must be at least 2m0s (asynq's recovery window) or negative (no markers), got 1m0s")
}

// enqueueAs enqueues Message(text) under the given task id, with a retry
// budget, as a producer that chooses ids does.
func (h *harness) enqueueAs(t *testing.T, id, text string) {
	t.Helper()
	task, err := tasks.NewSendMessageTask(e2etest.Message(text))
	require.NoError(t, err)
	c := asynq.NewClient(h.Opt)
	defer func() { _ = c.Close() }()
	_, err = c.Enqueue(task, asynq.TaskID(id), asynq.Queue(tasks.QueueMessages), asynq.MaxRetry(5))
	require.NoError(t, err)
}

// waitLog waits until the worker has logged s; logs signal nothing.
func (h *harness) waitLog(t *testing.T, s string) {
	t.Helper()
	e2etest.Eventually(t, "log "+s, func(c *assert.CollectT) {
		require.Contains(c, h.Logs.String(), s)
	})
}

// waitKey waits until key exists: the finisher writes markers in batches
// and signals nothing.
func (h *harness) waitKey(t *testing.T, key string) {
	t.Helper()
	e2etest.Eventually(t, key+" written", func(c *assert.CollectT) {
		n, err := h.RDB.Exists(context.Background(), key).Result()
		require.NoError(c, err)
		require.Equal(c, int64(1), n)
	})
}
