package dispatcher_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/chatq/chatq/dispatcher"
	"github.com/chatq/chatq/internal/e2etest"
	"github.com/chatq/chatq/sandbox"
)

// TestWorker_DeferredThenDeliveredLeavesNoState checks that the failure
// state a deferral writes is deleted once the task is delivered (asynq's
// retry count does not show deferrals, so this goes through the finisher).
func TestWorker_DeferredThenDeliveredLeavesNoState(t *testing.T) {
	t.Parallel()
	h := setup(t)
	h.Sandbox.AddFault(sandbox.Fault{Match: "deferred-once", Times: 1, Status: 429, Code: "reach_limit"})
	id := h.Send("deferred-once")
	require.Equal(t, []dispatcher.Outcome{defer_, delivered}, e2etest.Outcomes(h.Events.WaitFinal(t, id)))
	key := "{chatq}:task:" + id
	e2etest.Eventually(t, key+" deleted", func(c *assert.CollectT) {
		n, err := h.DB.Client.Exists(context.Background(), key).Result()
		require.NoError(c, err)
		require.Zero(c, n)
	})
}
