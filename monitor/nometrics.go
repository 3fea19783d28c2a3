package monitor

import (
	"encoding/json"
	"net/http"
)

// noMetricsReply is the answer to asynqmon's /api/metrics.
const noMetricsReply = "asynqmon's time-series metrics need a Prometheus server and chatq's monitor has none: " +
	"scrape the worker's /metrics (CHATQ_METRICS_ADDR) with Prometheus and chart it there"

// serveNoMetrics answers asynqmon's time-series endpoint. asynqmon
// (v0.7.2, metrics_handler.go) builds it on Options.PrometheusAddress, which
// chatq does not set: it then queries Prometheus at an empty address and
// answers 500 "unsupported protocol scheme", in read-only mode or not. Its
// UI never calls the endpoint without that address (the Metrics page is
// hidden), so only scripts and curious users meet it: they get 501 and
// what to use instead.
func serveNoMetrics(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusNotImplemented)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": noMetricsReply})
}
