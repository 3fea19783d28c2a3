package metrics_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/chatq/chatq/metrics"
)

func TestHealth_DetailIsReportedWithoutFailing(t *testing.T) {
	t.Parallel()
	h := metrics.NewHealth(0)
	h.Add("redis", func(context.Context) error { return nil })
	h.AddDetail("breakers", func(context.Context) error { return errors.New("open: messages/users") })
	ok, results := h.Ready(context.Background())
	require.True(t, ok, "a detail does not fail readiness")
	require.Equal(t, "open: messages/users", results["breakers"])

	h.Add("worker", func(context.Context) error { return errors.New("shutting down") })
	ok, results = h.Ready(context.Background())
	require.False(t, ok)
	require.Equal(t, "shutting down", results["worker"])
}
