package metrics_test

import (
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/require"

	"github.com/chatq/chatq/metrics"
	"github.com/chatq/chatq/throttle"
)

func TestMetrics_Throttle(t *testing.T) {
	t.Parallel()
	m := metrics.New(nil)
	m.AddThrottle(func() []throttle.FamilyStatus {
		return []throttle.FamilyStatus{
			{Family: throttle.MessagesUsers, Limit: 100, Rate: 80, PausedUntil: time.Now().Add(time.Minute), Pauses: 3},
			{Family: throttle.Groups, Limit: 100, Rate: 100, Breaker: throttle.Open, Opens: 1},
		}
	})
	want := `
# HELP chatq_throttle_breaker_state Circuit breaker of the API family: 0 closed, 1 half-open, 2 open.
# TYPE chatq_throttle_breaker_state gauge
chatq_throttle_breaker_state{family="chatgroups"} 2
chatq_throttle_breaker_state{family="messages/users"} 0
# HELP chatq_throttle_paused 1 while the API family is paused after a 429.
# TYPE chatq_throttle_paused gauge
chatq_throttle_paused{family="chatgroups"} 0
chatq_throttle_paused{family="messages/users"} 1
# HELP chatq_throttle_rate Effective calls/s of the API family after 429s lowered it.
# TYPE chatq_throttle_rate gauge
chatq_throttle_rate{family="chatgroups"} 100
chatq_throttle_rate{family="messages/users"} 80
`
	require.NoError(t, testutil.GatherAndCompare(m.Registry(), strings.NewReader(want),
		"chatq_throttle_breaker_state", "chatq_throttle_paused", "chatq_throttle_rate"))
}
