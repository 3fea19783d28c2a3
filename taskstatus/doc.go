// Package taskstatus says where a chatq task is, from what Redis holds
// about it: asynq's own record (scheduled, pending, active, retry,
// archived, completed), the delivered markers and failure state the
// dispatcher writes ({chatq}:delivered:<id>, {chatq}:task:<id>), and the
// dead-letter store.
//
// The dispatcher writes through this package's key and value formats
// (Marker, Decision) and the ingest API reads through Reader, so neither
// depends on the other. What can be answered, and for how long:
//
//   - scheduled, pending, active: while asynq holds the task;
//   - retry: with asynq's next attempt time and the last decision the
//     dispatcher recorded ({chatq}:task:<id>, kept while the task fails);
//   - delivered, done: for the delivered marker's lifetime (the worker's
//     CHATQ_DELIVERED_TTL, default 10m), or while asynq retains the
//     completed task (idempotency keys, ingest's status window);
//   - dead-lettered, expired: while the dead-letter record exists (until it
//     is replayed or deleted), or while asynq keeps the archived task.
package taskstatus
