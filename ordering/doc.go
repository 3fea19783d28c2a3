// Package ordering keeps the tasks of one order key (a conversation) in
// enqueue order and lets only the head of each key into asynq, so that the
// provider sees a key's calls one at a time, in order (issue #13).
//
// Guarantees:
//
//   - Per key, at most one task is in asynq at a time (its head), so at most
//     one call per key is in flight, fleet-wide, whatever the number of
//     workers. A retry or a deferral of the head keeps it the head: asynq
//     retries the same task, and the tasks behind it wait outside asynq.
//     Other keys are not held.
//   - A key's tasks reach asynq in the order their Append calls returned.
//   - Nothing is lost or inverted by a crash (kill -9, SIGTERM, a Redis
//     restart that keeps its data): every step is one Lua script on the
//     key's own Redis keys, conditional on the head being the task that
//     settles, and asynq enqueues use the task id as asynq.TaskID, so a
//     promotion done twice is one task. A crash between settling a head and
//     enqueuing the next one leaves a head in no asynq state: the Sweeper
//     finds it and promotes it.
//   - Every key lives in the {chatq} hash slot, so each script touches one
//     slot: Redis Cluster and Sentinel work as a single server does.
//
// Costs: a task behind a head is not in asynq, so nothing polls for it;
// an ordered task costs one Lua script at enqueue and one when its turn
// ends (Advance, which also returns the next head: the worker runs it at
// once or Promotes it into asynq) and, on a re-run after a crash, one
// LINDEX. A key's throughput is one call at a time. The Sweeper reads
// each active key once per Grace.
//
// Redis layout (key = the order key as given):
//
//	{chatq}:ord:q:<key>    list of task ids in enqueue order; index 0 is the head
//	{chatq}:ord:t:<id>     hash: task (JSON of Task), pos, key; a settled keyed
//	                       task keeps "settled" until its idempotency window ends
//	{chatq}:ord:n:<key>    position counter of the key (7 days idle)
//	{chatq}:ord:active     sorted set: keys with a head, by when it was last seen well
//	{chatq}:ord:blocked    sorted set: keys whose dead-lettered head blocks them, by since
//	{chatq}:ord:sweep:lock one Sweeper pass per interval across workers
package ordering
