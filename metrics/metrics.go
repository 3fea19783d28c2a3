package metrics

import (
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/chatq/chatq/dispatcher"
	"github.com/chatq/chatq/policy"
	"github.com/chatq/chatq/tasks"
)

const namespace = "chatq"

// Label values for the cases that are not a number or a known name.
const (
	LabelOther   = "other"   // a provider code not in the policy table
	LabelNone    = "none"    // a failure without a provider code
	LabelUnknown = "unknown" // a task type chatq does not handle
)

// Metrics turns dispatcher events into Prometheus metrics. It is safe for
// concurrent use. Register more collectors on Registry().
type Metrics struct {
	reg        *prometheus.Registry
	knownCodes map[string]bool
	knownTypes map[string]bool

	attempts    *prometheus.CounterVec
	callLatency *prometheus.HistogramVec
	e2eLatency  *prometheus.HistogramVec
	finished    *prometheus.CounterVec
	deferrals   *prometheus.CounterVec
	exhausted   *prometheus.CounterVec
}

var _ dispatcher.Observer = (*Metrics)(nil)

// New builds the metrics of one worker process on a fresh registry (with
// the Go and process collectors). table gives the known provider codes;
// nil makes every code "other".
func New(table *policy.Table) *Metrics {
	m := &Metrics{
		reg:        prometheus.NewRegistry(),
		knownCodes: knownCodes(table),
		knownTypes: map[string]bool{},
	}
	for _, t := range tasks.Types() {
		m.knownTypes[t] = true
	}
	m.attempts = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: namespace, Name: "attempts_total",
		Help: "Handler attempts by task type, provider status (0 = no HTTP answer), provider code and the action taken.",
	}, []string{"type", "status", "code", "action"})
	m.callLatency = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Namespace: namespace, Name: "provider_call_duration_seconds",
		Help:    "Duration of one provider call (token request included) by task type.",
		Buckets: prometheus.DefBuckets,
	}, []string{"type"})
	m.e2eLatency = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Namespace: namespace, Name: "task_latency_seconds",
		Help:    "Time from enqueue to the task's end (delivered, done or dead-lettered), for tasks carrying the enqueue-time header.",
		Buckets: prometheus.ExponentialBuckets(0.05, 2.5, 12),
	}, []string{"type", "outcome"})
	m.finished = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: namespace, Name: "tasks_finished_total",
		Help: "Tasks that ended, by type, outcome (delivered, done, dead-letter) and the policy rule that decided.",
	}, []string{"type", "outcome", "rule"})
	m.deferrals = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: namespace, Name: "deferrals_total",
		Help: "Deferrals (rate limits and credential problems; no retry budget spent) by type and rule.",
	}, []string{"type", "rule"})
	m.exhausted = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: namespace, Name: "budget_exhausted_total",
		Help: "Tasks dead-lettered because a budget ran out, by type and budget (retries, deferrals).",
	}, []string{"type", "budget"})
	m.reg.MustRegister(m.attempts, m.callLatency, m.e2eLatency, m.finished, m.deferrals, m.exhausted,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

func knownCodes(t *policy.Table) map[string]bool {
	out := map[string]bool{}
	if t == nil {
		return out
	}
	for _, r := range t.Rules() {
		if r.Code != "" && r.Code != policy.CodeNone {
			out[r.Code] = true
		}
	}
	return out
}

// Registry is where the metrics live; add collectors to it.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Handler serves the registry in the Prometheus exposition format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg, Timeout: 10 * time.Second})
}

// Observe implements dispatcher.Observer.
func (m *Metrics) Observe(e dispatcher.Event) {
	typ := m.typeLabel(e.Type)
	m.attempts.WithLabelValues(typ, statusLabel(e), m.codeLabel(e.Code), string(e.Outcome)).Inc()
	if e.CallLatency > 0 {
		m.callLatency.WithLabelValues(typ).Observe(e.CallLatency.Seconds())
	}
	switch {
	case e.Outcome == dispatcher.OutcomeDeferred:
		m.deferrals.WithLabelValues(typ, e.Rule).Inc()
	case e.Outcome.Final():
		m.finished.WithLabelValues(typ, string(e.Outcome), e.Rule).Inc()
		if !e.EnqueuedAt.IsZero() {
			m.e2eLatency.WithLabelValues(typ, string(e.Outcome)).Observe(max(time.Since(e.EnqueuedAt), 0).Seconds())
		}
	}
	if e.Exhausted != "" {
		m.exhausted.WithLabelValues(typ, e.Exhausted).Inc()
	}
}

func (m *Metrics) typeLabel(t string) string {
	if m.knownTypes[t] {
		return t
	}
	return LabelUnknown
}

func (m *Metrics) codeLabel(c string) string {
	switch {
	case c == "" || c == policy.CodeNone:
		return LabelNone
	case m.knownCodes[c]:
		return c
	}
	return LabelOther
}

// statusLabel is the HTTP status as a number; a delivery is "200" and a
// failure without an HTTP answer "0".
func statusLabel(e dispatcher.Event) string {
	if e.Outcome == dispatcher.OutcomeDelivered && e.Status == 0 {
		return "200"
	}
	return strconv.Itoa(e.Status)
}

// KnownCodes lists the provider codes that appear as themselves in the
// code label, sorted.
func (m *Metrics) KnownCodes() []string {
	out := make([]string, 0, len(m.knownCodes))
	for c := range m.knownCodes {
		out = append(out, c)
	}
	slices.Sort(out)
	return out
}
