// Package deadletter keeps every task chatq gave up on, with the reason why.
//
// A dead letter is written before the task leaves asynq's live queues: the
// dispatcher stores the Record first and only then lets asynq archive the
// task, so a failed write leaves the task retryable and nothing is lost.
// asynq's own archive is capped (10,000 tasks, 90 days per queue); this store
// is not: a record stays until it is deleted or replayed.
//
// Records never hold a secret: the payload is the task's own payload (chatq
// payloads carry no credentials) and the reason is built from the provider's
// status, error code and description only.
//
// Redis layout (the {chatq} hash tag keeps every key in one cluster slot):
//
//	{chatq}:dl:<task id>   one record, JSON
//	{chatq}:dl:index       sorted set of task ids by last failure (unix ms)
package deadletter
