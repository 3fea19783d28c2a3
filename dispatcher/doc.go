// Package dispatcher runs chatq's asynq worker: it decodes each task, calls
// the Agora Chat REST API and applies the policy's decision to the outcome.
//
// One task's path, file by file:
//
//   - worker.go: the Worker, its asynq servers (one per queue in the
//     isolated queue mode) and the health of the credentials;
//   - handler.go: ProcessTask, which decodes the payload once into a job
//     (the call, the throttle family, the batch) and executes it;
//   - decision.go: what each policy decision does, and the asynq glue
//     (DecisionError, IsFailure, RetryDelay);
//   - batch.go: a 200 answer that left items unapplied, decided item by
//     item and split;
//   - deadletter.go: the dead-letter record, written before asynq archives;
//   - state.go: what a task keeps in Redis (failure state, delivered
//     markers and the finisher that writes them);
//   - throttle.go: the fleet-wide throttle around the call;
//   - log.go: logs, asynq's logger and the Observer events.
//
// Decisions and what asynq sees:
//
//   - delivered or done: the handler returns nil and asynq forgets the task.
//   - retry: a failure counted against the task's retry budget; the delay
//     comes from the policy (Retry-After first, then backoff).
//   - defer (rate limits) and credentials (a configuration error): not
//     counted (asynq IsFailure is false), bounded instead by the deferral
//     budget (DeferMaxAttempts, DeferMaxAge), after which the task is
//     dead-lettered with the last reason.
//   - refresh: the token is invalidated (only the one the call used), a new
//     one fetched, and the call made again once, inline; a second 401 means
//     the credentials are rejected.
//   - dead-letter: the record is written to the deadletter store first;
//     only when that write succeeded does the handler return asynq.SkipRetry,
//     so asynq archives the task. A failed write leaves the task retryable.
//
// asynq archives a task on any error once Retried >= MaxRetry. The tasks
// package enqueues with MaxRetry = budget + 1 and only retry decisions count,
// so a deferral never meets that rule; a retry that finds the budget spent is
// dead-lettered here, with its reason.
//
// A task that ended well leaves a delivered marker for Config.DeliveredTTL,
// written in batches off the hot path (the finisher, state.go); when asynq runs such a
// task again because it lost the completion (a Redis restart or freeze),
// the run ends as done without a provider call (alreadyDelivered, state.go).
package dispatcher
