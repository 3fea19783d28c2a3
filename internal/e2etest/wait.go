package e2etest

import (
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/chatq/chatq/dispatcher"
	"github.com/chatq/chatq/sandbox"
)

// Eventually waits until check passes: it runs check every few
// milliseconds for up to WaitTimeout and otherwise fails the test with
// what and check's last failure. check asserts with require on c, as in
// require.EventuallyWithT, and runs on another goroutine. It is the one
// polling wait of the tests, for what signals nothing (asynq moving a
// task, the sandbox's counters, a batched Redis write, a log line);
// whatever signals (Recorder.WaitFor, the loops' test signals) is waited
// on directly.
func Eventually(t testing.TB, what string, check func(c *assert.CollectT)) {
	t.Helper()
	require.EventuallyWithT(t, check, WaitTimeout, 2*time.Millisecond, what)
}

// WaitTaskState waits until the task is in state: asynq moves a task after
// the handler returns and signals nothing.
func (f *Fleet) WaitTaskState(t *testing.T, queue, id string, state asynq.TaskState) *asynq.TaskInfo {
	t.Helper()
	var info *asynq.TaskInfo
	Eventually(t, "task "+id+" "+state.String(), func(c *assert.CollectT) {
		got, err := f.Inspector.GetTaskInfo(queue, id)
		require.NoError(c, err)
		require.Equal(c, state, got.State)
		info = got
	})
	return info
}

// WaitSandbox waits until cond holds for the sandbox stats; the sandbox
// signals nothing, so it polls its counters.
func (f *Fleet) WaitSandbox(t *testing.T, what string, cond func(sandbox.Stats) bool) {
	t.Helper()
	Eventually(t, "sandbox: "+what, func(c *assert.CollectT) {
		s := f.Sandbox.Stats()
		require.True(c, cond(s), "stats %+v", s)
	})
}

// WaitCalls waits until the sandbox has seen at least n calls to endpoint.
func (f *Fleet) WaitCalls(t *testing.T, endpoint string, n int) {
	t.Helper()
	f.WaitSandbox(t, "calls to "+endpoint, func(s sandbox.Stats) bool { return s.Calls[endpoint] >= n })
}

// WaitOutcome waits for every task to end with want.
func (f *Fleet) WaitOutcome(t *testing.T, ids []string, want dispatcher.Outcome) {
	t.Helper()
	for _, id := range ids {
		evs := f.Events.WaitFinal(t, id)
		require.Equal(t, want, evs[len(evs)-1].Outcome, "task %s: %v", id, Outcomes(evs))
	}
}
