// Package deadletter keeps every task chatq gave up on, with the reason why,
// and lets an operator list, count, replay and delete them.
//
// A dead letter is written before the task leaves asynq's live queues: the
// dispatcher stores the Record first and only then lets asynq archive the
// task, so a failed write leaves the task retryable and nothing is lost.
// asynq's own archive is capped (10,000 tasks, 90 days per queue); this store
// is not: a record stays until it is deleted or replayed, or until an
// explicit Retention (ReconcilerParams, default none) ages it out.
//
// Tasks that reach asynq's archive without chatq's handler (a lease expired
// with no retries left, "archive" pressed in asynqmon) are imported by the
// Reconciler. A dead letter whose task is run again from asynqmon and
// delivered is marked resolved by the Resolver (fed by the worker, no Redis
// round trip on the delivery path), with the Reconciler as safety net.
//
// Replay guarantees: each record is re-checked — skipped when its payload
// itself caused the failure (a payload_fault row of the current policy, or
// one of chatq's payload rules, IsPayloadRule) or its deadline has passed,
// replayed whatever else caused it — claimed (a key with a TTL, set atomically with the record
// check), enqueued with a fresh retry budget through tasks.Client with an
// idempotency key derived from the record, and removed only after the
// enqueue succeeded. Two replays at once, a replay run twice, and a replay
// interrupted and run again never enqueue one record twice. A record that
// keeps only a prefix of its payload (Record.PayloadTruncated: a payload
// refused for its size or as invalid) is never replayed.
//
// Records never hold a secret: the payload is the task's own payload (chatq
// payloads carry no credentials) and the reason is built from the provider's
// status, error code and description only.
//
// Redis layout (the {chatq} hash tag keeps every key in one cluster slot):
//
//	{chatq}:dl:<task id>        one record, JSON
//	{chatq}:dl:index            sorted set of task ids by last failure (unix ms)
//	{chatq}:dl:resolved         sorted set: resolved task ids, by resolution time
//	{chatq}:dl:rerun            sorted set: ids seen run again in asynq
//	{chatq}:dl:tombstones       sorted set: replayed/deleted ids, 91 days
//	{chatq}:dl:claim:<id>       a replay or delete run's claim, TTL
//	{chatq}:dl:patch:<new id>   who patched a replayed task's payload, 90 days
//	{chatq}:dl:audit            stream of replay, delete and retention entries
//	{chatq}:dl:reconcile:lock   one reconciler pass per interval across workers
package deadletter
