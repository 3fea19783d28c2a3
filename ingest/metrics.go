package ingest

import (
	"strconv"

	"github.com/prometheus/client_golang/prometheus"
)

// serverMetrics count requests by route pattern (never the raw path, whose
// task ids would make a label per task) and status.
type serverMetrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	enqueued *prometheus.CounterVec
}

func newMetrics(reg prometheus.Registerer) (*serverMetrics, error) {
	m := &serverMetrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "chatq_ingest_requests_total", Help: "Ingest API requests by route and HTTP status.",
		}, []string{"route", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "chatq_ingest_request_duration_seconds", Help: "Ingest API request duration by route.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}, []string{"route"}),
		enqueued: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "chatq_ingest_tasks_total", Help: "Tasks accepted over HTTP by type (replayed: an idempotent retry that enqueued nothing).",
		}, []string{"type", "replayed"}),
	}
	for _, c := range []prometheus.Collector{m.requests, m.duration, m.enqueued} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

func (m *serverMetrics) observe(route string, status int, seconds float64) {
	m.requests.WithLabelValues(route, strconv.Itoa(status)).Inc()
	m.duration.WithLabelValues(route).Observe(seconds)
}

func (m *serverMetrics) accepted(typ string, replayed bool) {
	m.enqueued.WithLabelValues(typ, strconv.FormatBool(replayed)).Inc()
}
