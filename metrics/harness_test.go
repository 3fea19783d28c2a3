package metrics_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/chatq/chatq/dispatcher"
	"github.com/chatq/chatq/internal/e2etest"
	"github.com/chatq/chatq/metrics"
)

// testBundle is a real worker on a leased Redis database against the
// sandbox over HTTP (e2etest.Harness), observed by Metrics.
type testBundle struct {
	*e2etest.Harness
	metrics *metrics.Metrics
}

func setup(t *testing.T) *testBundle {
	t.Helper()
	p, err := e2etest.FastPolicy(0)
	require.NoError(t, err)
	m := metrics.New(p.Table())
	h := e2etest.NewHarness(t, func(o *e2etest.Options) {
		o.Worker.Concurrency = 5
		o.Policy = p
		o.Observers = []dispatcher.Observer{m} // before the recorder: counted by the time a wait returns
	})
	return &testBundle{Harness: h, metrics: m}
}
