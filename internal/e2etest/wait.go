package e2etest

import (
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/stretchr/testify/require"

	"github.com/chatq/chatq/dispatcher"
	"github.com/chatq/chatq/sandbox"
)

// WaitTaskState polls asynq until the task is in state: asynq moves a task
// after the handler returns and signals nothing, so a deadline-bounded poll
// is the only way to wait for it.
func (f *Fleet) WaitTaskState(t *testing.T, queue, id string, state asynq.TaskState) *asynq.TaskInfo {
	t.Helper()
	deadline := time.Now().Add(WaitTimeout)
	for {
		info, err := f.Inspector.GetTaskInfo(queue, id)
		if err == nil && info.State == state {
			return info
		}
		if time.Now().After(deadline) {
			t.Fatalf("task %s: not %s within %s (info %+v, err %v)", id, state, WaitTimeout, info, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// WaitSandbox waits, with a deadline, until cond holds for the sandbox
// stats; the sandbox signals nothing, so it polls its counters.
func (f *Fleet) WaitSandbox(t *testing.T, what string, cond func(sandbox.Stats) bool) {
	t.Helper()
	deadline := time.Now().Add(WaitTimeout)
	for !cond(f.Sandbox.Stats()) {
		if time.Now().After(deadline) {
			t.Fatalf("sandbox: %s not reached within %s: %+v", what, WaitTimeout, f.Sandbox.Stats())
		}
		time.Sleep(2 * time.Millisecond)
	}
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
