package metrics

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/chatq/chatq/ordering"
)

// BlockedKeys is what the order collector reads; *ordering.Queue is one.
type BlockedKeys interface {
	BlockedCount(ctx context.Context) (int64, time.Time, error)
	BlockedKeys(ctx context.Context, limit int64) ([]ordering.Blocked, error)
}

var _ BlockedKeys = (*ordering.Queue)(nil)

// maxBlockedKeyLabels bounds the order_key labels a scrape exports, so a
// mass block does not explode the series count: the oldest are named.
const maxBlockedKeyLabels = 20

// AddOrder exports the keys blocked by a dead-lettered head
// (CHATQ_ORDER_ON_DEAD_LETTER=block), read on each scrape within timeout
// (0 = DefaultScrapeTimeout): chatq_order_blocked_keys,
// chatq_order_oldest_blocked_age_seconds, and
// chatq_order_blocked_since_seconds{order_key} for the 20 oldest.
func (m *Metrics) AddOrder(q BlockedKeys, timeout time.Duration) {
	if timeout <= 0 {
		timeout = DefaultScrapeTimeout
	}
	m.reg.MustRegister(&orderCollector{q: q, timeout: timeout, now: time.Now})
}

type orderCollector struct {
	q       BlockedKeys
	timeout time.Duration
	now     func() time.Time
	errors  atomic.Int64
}

var (
	orderBlockedDesc = prometheus.NewDesc(namespace+"_order_blocked_keys",
		"Order keys held by a dead-lettered head until it is replayed or deleted (read on scrape).", nil, nil)
	orderOldestDesc = prometheus.NewDesc(namespace+"_order_oldest_blocked_age_seconds",
		"Age of the oldest block of an order key; 0 when none.", nil, nil)
	orderSinceDesc = prometheus.NewDesc(namespace+"_order_blocked_since_seconds",
		"When the order key was blocked (Unix time), for the 20 oldest blocked keys.", []string{"order_key"}, nil)
	orderErrorsDesc = prometheus.NewDesc(namespace+"_order_scrape_errors_total",
		"Scrapes that could not read the blocked order keys.", nil, nil)
)

func (c *orderCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{orderBlockedDesc, orderOldestDesc, orderSinceDesc, orderErrorsDesc} {
		ch <- d
	}
}

func (c *orderCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), c.timeout)
	defer cancel()
	if err := c.collect(ctx, ch); err != nil {
		c.errors.Add(1)
	}
	ch <- prometheus.MustNewConstMetric(orderErrorsDesc, prometheus.CounterValue, float64(c.errors.Load()))
}

func (c *orderCollector) collect(ctx context.Context, ch chan<- prometheus.Metric) error {
	n, oldest, err := c.q.BlockedCount(ctx)
	if err != nil {
		return err
	}
	keys, err := c.q.BlockedKeys(ctx, maxBlockedKeyLabels)
	if err != nil {
		return err
	}
	age := 0.0
	if !oldest.IsZero() {
		age = c.now().Sub(oldest).Seconds()
	}
	ch <- prometheus.MustNewConstMetric(orderBlockedDesc, prometheus.GaugeValue, float64(n))
	ch <- prometheus.MustNewConstMetric(orderOldestDesc, prometheus.GaugeValue, age)
	for _, k := range keys {
		ch <- prometheus.MustNewConstMetric(orderSinceDesc, prometheus.GaugeValue, float64(k.Since.Unix()), k.Key)
	}
	return nil
}
