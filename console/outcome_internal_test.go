package console

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/chatq/chatq/dispatcher"
)

// TestOutcomeNames keeps the console's outcome names in step with the
// worker's, which it counts without importing it.
func TestOutcomeNames(t *testing.T) {
	t.Parallel()
	require.Equal(t,
		[]string{string(dispatcher.OutcomeDelivered), string(dispatcher.OutcomeDone), string(dispatcher.OutcomeRetry),
			string(dispatcher.OutcomeDeferred), string(dispatcher.OutcomeDeadLettered)},
		[]string{outDelivered, outDone, outRetry, outDeferred, outDeadLettered})
}
