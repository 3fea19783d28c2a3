package metrics_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/require"

	"github.com/chatq/chatq/metrics"
	"github.com/chatq/chatq/ordering"
	"github.com/chatq/chatq/policy"
)

// blockedKeys is a fixed answer of the order collector's source.
type blockedKeys struct {
	keys []ordering.Blocked
	err  error
}

func (b blockedKeys) BlockedCount(context.Context) (int64, time.Time, error) {
	if len(b.keys) == 0 {
		return 0, time.Time{}, b.err
	}
	return int64(len(b.keys)), b.keys[0].Since, b.err
}

func (b blockedKeys) BlockedKeys(context.Context, int64) ([]ordering.Blocked, error) {
	return b.keys, b.err
}

func TestMetrics_OrderBlockedKeys(t *testing.T) {
	t.Parallel()
	since := time.Unix(1_700_000_000, 0)
	for _, tc := range []struct {
		name string
		src  blockedKeys
		want string
	}{
		{name: "one blocked key", src: blockedKeys{keys: []ordering.Blocked{{Key: "users:a:b", Since: since}}}, want: `
# HELP chatq_order_blocked_keys Order keys held by a dead-lettered head until it is replayed or deleted (read on scrape).
# TYPE chatq_order_blocked_keys gauge
chatq_order_blocked_keys 1
# HELP chatq_order_blocked_since_seconds When the order key was blocked (Unix time), for the 20 oldest blocked keys.
# TYPE chatq_order_blocked_since_seconds gauge
chatq_order_blocked_since_seconds{order_key="users:a:b"} 1.7e+09
# HELP chatq_order_scrape_errors_total Scrapes that could not read the blocked order keys.
# TYPE chatq_order_scrape_errors_total counter
chatq_order_scrape_errors_total 0
`},
		{name: "Redis down", src: blockedKeys{err: errors.New("down")}, want: `
# HELP chatq_order_scrape_errors_total Scrapes that could not read the blocked order keys.
# TYPE chatq_order_scrape_errors_total counter
chatq_order_scrape_errors_total 1
`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tbl, err := policy.NewTable(nil, policy.DefaultRules())
			require.NoError(t, err)
			m := metrics.New(tbl)
			m.AddOrder(tc.src, 0)
			require.NoError(t, testutil.GatherAndCompare(m.Registry(), strings.NewReader(tc.want),
				"chatq_order_blocked_keys", "chatq_order_blocked_since_seconds", "chatq_order_scrape_errors_total"))
		})
	}
}
