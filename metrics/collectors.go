package metrics

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/hibiken/asynq"
	asynqmetrics "github.com/hibiken/asynq/x/metrics"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/chatq/chatq/agora"
	"github.com/chatq/chatq/deadletter"
)

// DefaultScrapeTimeout bounds the Redis reads a scrape makes.
const DefaultScrapeTimeout = 2 * time.Second

// Counter is what the dead-letter collector reads; *deadletter.Store is one.
type Counter interface {
	Count(ctx context.Context) (int64, error)
}

var _ Counter = (*deadletter.Store)(nil)

// TokenStater is what the token collector reads; *agora.ClientCredentials is one.
type TokenStater interface {
	State() agora.TokenState
}

var _ TokenStater = (*agora.ClientCredentials)(nil)

// AddDeadLetters exports chatq_dead_letters, the store's size read on each
// scrape within timeout (0 = DefaultScrapeTimeout), and
// chatq_dead_letters_scrape_errors_total.
func (m *Metrics) AddDeadLetters(store Counter, timeout time.Duration) {
	if timeout <= 0 {
		timeout = DefaultScrapeTimeout
	}
	m.reg.MustRegister(&deadLetterCollector{store: store, timeout: timeout})
}

type deadLetterCollector struct {
	store   Counter
	timeout time.Duration
	errors  atomic.Int64
}

var (
	deadLettersDesc = prometheus.NewDesc(namespace+"_dead_letters",
		"Dead letters in the store (read on scrape).", nil, nil)
	deadLetterErrorsDesc = prometheus.NewDesc(namespace+"_dead_letters_scrape_errors_total",
		"Scrapes that could not read the dead-letter store's size.", nil, nil)
)

func (c *deadLetterCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- deadLettersDesc
	ch <- deadLetterErrorsDesc
}

func (c *deadLetterCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), c.timeout)
	defer cancel()
	n, err := c.store.Count(ctx)
	if err != nil {
		c.errors.Add(1)
	} else {
		ch <- prometheus.MustNewConstMetric(deadLettersDesc, prometheus.GaugeValue, float64(n))
	}
	ch <- prometheus.MustNewConstMetric(deadLetterErrorsDesc, prometheus.CounterValue, float64(c.errors.Load()))
}

// AddTokens exports the token source's state: successful and failed token
// requests, whether a valid token is cached and when it expires.
func (m *Metrics) AddTokens(src TokenStater) {
	m.reg.MustRegister(
		prometheus.NewCounterFunc(prometheus.CounterOpts{Namespace: namespace, Name: "token_refreshes_total",
			Help: "Successful token requests."}, func() float64 { return float64(src.State().Refreshes) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Namespace: namespace, Name: "token_refresh_failures_total",
			Help: "Failed token requests."}, func() float64 { return float64(src.State().Failures) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Namespace: namespace, Name: "token_valid",
			Help: "1 when a valid token is cached."}, func() float64 { return boolFloat(src.State().Valid) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Namespace: namespace, Name: "token_expiry_timestamp_seconds",
			Help: "When the cached token expires (Unix seconds); 0 when none or no expiry."}, func() float64 {
			if at := src.State().ExpiresAt; !at.IsZero() {
				return float64(at.Unix())
			}
			return 0
		}),
	)
}

// AddReady exports chatq_worker_ready: 1 while ready() returns nil (the
// provider accepts the credentials and the worker is not shutting down).
func (m *Metrics) AddReady(ready func() error) {
	m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Namespace: namespace, Name: "worker_ready",
		Help: "1 when the worker is ready: credentials accepted, not shutting down."},
		func() float64 { return boolFloat(ready() == nil) }))
}

// AddQueues exports asynq's queue gauges (asynq_queue_size,
// asynq_tasks_enqueued_total{queue,state}, asynq_queue_latency_seconds, …)
// through asynq's own collector. The returned function closes its inspector.
func (m *Metrics) AddQueues(conn asynq.RedisConnOpt) (closeFn func() error) {
	insp := asynq.NewInspector(conn)
	m.reg.MustRegister(unchecked{asynqmetrics.NewQueueMetricsCollector(insp)})
	return insp.Close
}

// unchecked hides a collector's descriptors from the registry. asynq's
// collector describes itself by collecting, which would read Redis (and
// block while Redis is down) at registration.
type unchecked struct{ prometheus.Collector }

func (unchecked) Describe(chan<- *prometheus.Desc) {}

func boolFloat(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// AddConnections exports what the provider transport did on the wire:
// chatq_http_connections_opened_total, chatq_http_tls_handshakes_total and
// chatq_http_requests_total. After warm-up, connections opened should stay
// flat while requests grow: each new one is a TCP (and over HTTPS a TLS)
// handshake that a pool sized to the concurrency avoids.
func (m *Metrics) AddConnections(s *agora.ConnStats) {
	counter := func(name, help string, v *atomic.Int64) prometheus.Collector {
		return prometheus.NewCounterFunc(prometheus.CounterOpts{Namespace: namespace, Name: name, Help: help},
			func() float64 { return float64(v.Load()) })
	}
	m.reg.MustRegister(
		counter("http_connections_opened_total", "Connections opened to the provider (TCP connects).", &s.Opened),
		counter("http_tls_handshakes_total", "TLS handshakes with the provider.", &s.TLSHandshakes),
		counter("http_requests_total", "Requests sent to the provider (token requests included).", &s.Requests),
	)
}
