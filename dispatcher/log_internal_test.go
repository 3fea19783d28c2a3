package dispatcher

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestDeadLettered_ForgetsWhatAsynqNeverLogged: ids asynq never logs a
// "Retry exhausted" for (the worker stopped first) do not pile up.
func TestDeadLettered_ForgetsWhatAsynqNeverLogged(t *testing.T) {
	t.Parallel()
	d := newDeadLettered()
	t0 := time.Unix(1_700_000_000, 0)
	for i := range deadLetteredPrune {
		d.note(fmt.Sprintf("old-%d", i), t0)
	}
	d.note("recent", t0.Add(deadLetteredTTL/2))
	d.note("new", t0.Add(deadLetteredTTL+time.Second))
	require.Len(t, d.ids, 2, "the expired ids were dropped")
	require.False(t, d.take("old-0"))
	require.True(t, d.take("recent"))
	require.False(t, d.take("recent"), "taken once")
	require.True(t, d.take("new"))
}
