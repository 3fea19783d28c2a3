// Package bench runs chatq's benchmark scenarios against the in-process
// sandbox provider and a real (or in-memory) Redis. Each scenario runs chatq
// and a baseline side by side in the same run, so results are ratios that
// mean something on any machine:
//
//  1. overhead: no faults, the sandbox answering at once; chatq tasks/s
//     against a bare asynq handler making the same HTTP call with the same
//     Redis, concurrency and queue layout; the cost of the three weighted
//     family queues against one queue is reported separately.
//  2. at-limit: the sandbox enforcing 100 calls/s, two workers, a backlog;
//     delivered/s ÷ limit and the share of calls answered 429; baseline:
//     the same workers without the throttle (defer on 429 only).
//  3. unknown-limit: chatq configured for 100/s, the sandbox enforcing 60/s.
//  4. outage: the sandbox answering 503 for Options.Outage with a backlog,
//     then recovering: dead letters, lost tasks, calls/s during the outage,
//     time to drain.
//  5. token-expiry: two workers × 50, every token expires mid-run: token
//     requests after the expiry (fleet-shared tokenstore vs a per-process
//     cache).
//  6. memory: a worker's resident memory at concurrency 100 (a child
//     process's VmHWM when Env.WorkerCommand is set, else this process's Go
//     memory, which includes the sandbox and the producer).
//  7. ingest: the same tasks enqueued over HTTP in batches (POST
//     /v1/tasks/batch, the ingest API served in this process) against the
//     Go client's Enqueue, at the same concurrency; single-task request
//     latency p50/p99 against Client.Enqueue's.
//
// No scenario is a pass/fail test; Options.Smoke shrinks every scenario so
// the smoke test keeps them working.
package bench
