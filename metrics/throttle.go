package metrics

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/chatq/chatq/throttle"
)

// ThrottleSnapshot is what the throttle collector reads;
// (*throttle.Throttle).Snapshot is one. It must not block: the throttle's
// snapshot is its in-process view, refreshed from Redis by the throttle.
type ThrottleSnapshot func() []throttle.FamilyStatus

// AddThrottle exports, per API family, the configured and effective rate,
// whether the family is paused, the breaker state and the fleet's pause and
// breaker-opening counts.
func (m *Metrics) AddThrottle(snapshot ThrottleSnapshot) {
	m.reg.MustRegister(&throttleCollector{snapshot: snapshot, now: time.Now})
}

var (
	throttleLimit = prometheus.NewDesc(namespace+"_throttle_limit", "Configured calls/s of the API family (0: none).",
		[]string{"family"}, nil)
	throttleRate = prometheus.NewDesc(namespace+"_throttle_rate", "Effective calls/s of the API family after 429s lowered it.",
		[]string{"family"}, nil)
	throttlePaused = prometheus.NewDesc(namespace+"_throttle_paused", "1 while the API family is paused after a 429.",
		[]string{"family"}, nil)
	throttleBreaker = prometheus.NewDesc(namespace+"_throttle_breaker_state", "Circuit breaker of the API family: 0 closed, 1 half-open, 2 open.",
		[]string{"family"}, nil)
	throttlePauses = prometheus.NewDesc(namespace+"_throttle_pauses_total", "Pauses the fleet started for the API family.",
		[]string{"family"}, nil)
	throttleOpens = prometheus.NewDesc(namespace+"_throttle_breaker_opens_total", "Times the fleet opened the API family's breaker.",
		[]string{"family"}, nil)
)

type throttleCollector struct {
	snapshot ThrottleSnapshot
	now      func() time.Time
}

func (c *throttleCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{throttleLimit, throttleRate, throttlePaused, throttleBreaker, throttlePauses, throttleOpens} {
		ch <- d
	}
}

func (c *throttleCollector) Collect(ch chan<- prometheus.Metric) {
	now := c.now()
	for _, s := range c.snapshot() {
		f := string(s.Family)
		ch <- prometheus.MustNewConstMetric(throttleLimit, prometheus.GaugeValue, s.Limit, f)
		ch <- prometheus.MustNewConstMetric(throttleRate, prometheus.GaugeValue, s.Rate, f)
		ch <- prometheus.MustNewConstMetric(throttlePaused, prometheus.GaugeValue, boolFloat(s.Paused(now)), f)
		ch <- prometheus.MustNewConstMetric(throttleBreaker, prometheus.GaugeValue, breakerValue(s.Breaker), f)
		ch <- prometheus.MustNewConstMetric(throttlePauses, prometheus.CounterValue, float64(s.Pauses), f)
		ch <- prometheus.MustNewConstMetric(throttleOpens, prometheus.CounterValue, float64(s.Opens), f)
	}
}

func breakerValue(b throttle.BreakerState) float64 {
	switch b {
	case throttle.HalfOpen:
		return 1
	case throttle.Open:
		return 2
	}
	return 0
}
