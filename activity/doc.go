// Package activity keeps per-minute counts of the worker's decisions —
// deliveries, retries, deferrals, dead letters — per queue, in Redis, so the
// console can chart the last hours without Prometheus.
//
// A Recorder is fed by the worker's dispatcher.Observer: Add adds to
// counters in memory (no Redis call on the delivery path) and a loop writes them every
// Interval with one pipelined call, so a worker's counts reach Redis at most
// Interval late; a failed write keeps them for the next one. Read sums what
// every worker wrote.
//
// The package imports nothing of chatq, so the console reads the counts
// without depending on the worker.
//
// Redis layout (the {chatq} hash tag keeps every key in one cluster slot):
//
//	{chatq}:activity:<unix minute>   hash "<queue>|<outcome>" → count, TTL (default 6h)
//
// Counts are approximate in one way only: a worker killed without a
// shutdown loses at most its last Interval of counts.
package activity
