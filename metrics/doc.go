// Package metrics exposes a chatq worker to Prometheus and to health probes.
//
// Metrics implements dispatcher.Observer: every decision the worker takes
// becomes counters and histograms (attempts by type, status, code and
// action; provider call latency; end-to-end latency from enqueue to the
// task's end; final outcomes by policy rule; deferrals and exhausted
// budgets). Collectors read the rest on scrape: the dead-letter store's size
// (Store.Count, bounded by a timeout), the token source's state, the
// worker's readiness and asynq's queue gauges.
//
// Label values are bounded: task types outside tasks.Types() become
// "unknown", provider codes outside the policy table's known codes become
// "other", statuses are numbers ("0" when no HTTP answer came), rules are
// policy rule names. No label carries a task id, a user name, a payload or a
// secret.
//
// Health serves /healthz (the process answers) and /readyz (every
// registered check passes: Redis answers, the provider accepts the
// credentials, the worker is not shutting down).
package metrics
