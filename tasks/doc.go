// Package tasks is what applications import to enqueue chatq work: the task
// type constants, the payload structs, their validation and a producer
// [Client] on top of asynq.
//
// Each task kind has one constant (TypeSendMessage, …), one payload struct
// (SendMessage, …) that implements [Payload] — it names its type, as river's
// JobArgs.Kind does, and validates itself — and one validating constructor
// (NewSendMessageTask, …, shorthands for [NewTask]). The JSON field names of
// the payload structs are the public contract shared with the worker and
// with producers written in other languages. [Decode] returns a [Payload];
// payloads whose items the provider applies one by one also implement
// [Batch].
//
// # Adding a task type
//
// A task type is one payload file here: its Type constant, its struct with
// TaskType and Validate (and Items and Subset for a batch), and the line
//
//	var _ = register[DeleteUser](QueueUsers)
//
// which makes it known to Decode, Types, QueueFor, Client.Enqueue,
// Client.EnqueuePayload, NewTask and so to the worker's mux. A typed
// constructor or Client method is optional. The rest lives outside this
// package: the REST call (agora), one case in the dispatcher's callFor, one
// sandbox route, and policy rows for the type's own error codes (README,
// "Adding a task type").
//
// Usage:
//
//	c := tasks.NewClient(asynq.RedisClientOpt{Addr: "localhost:6379"}, tasks.ClientConfig{})
//	defer c.Close()
//	id, err := c.SendMessage(ctx, tasks.SendMessage{
//		Target: "users",
//		To:     []string{"alice"},
//		Type:   "txt",
//		Body:   json.RawMessage(`{"msg":"hello"}`),
//	}, tasks.MaxRetry(5))
//
// Guarantees:
//
//   - Nothing invalid is enqueued. Every constructor and Client method
//     validates the payload and the options first and returns a
//     *[ValidationError] naming the task type, the field (as a JSON path such
//     as "to[3]" or "body.msg") and the rule; callers use errors.As.
//     [Client.Check] runs the same checks without enqueuing, so a batch can
//     be checked whole before its first enqueue.
//   - Every task goes to the queue of its kind ([QueueFor]) unless [Queue]
//     says otherwise.
//   - Every task carries asynq MaxRetry = budget + 1: the extra slot is
//     reserved so that the worker, not asynq, decides when a task is dead
//     (see docs/DESIGN.md, "Retry budget"). The budget defaults to
//     [DefaultMaxRetry] and is set with [MaxRetry].
//   - Validation and [Decode] never panic, whatever the input.
//   - Every string is valid UTF-8, and no username or id is, or decodes to,
//     a dot segment ("." or ".."): ids become segments of the provider's
//     URL path.
//   - A valid payload is at most [LargestPayload] bytes; a worker refuses
//     larger ones without decoding them (its cap defaults to
//     [DefaultMaxPayloadBytes]).
//   - The enqueued payload is the canonical JSON encoding of the payload
//     struct (compact, no HTML escaping), also for [Client.Enqueue], which
//     accepts raw JSON from foreign producers.
//   - With [Key], an enqueue is idempotent: within the idempotency window
//     (ClientConfig.IdempotencyWindow, default 24h) the same task type and
//     key return the first task id and enqueue nothing more, also after the
//     task was delivered, dead-lettered or replayed, and across processes.
//     The provider has no idempotency key of its own, so delivery itself
//     stays at least once (see README, "Guarantees").
//   - With [OrderKey] or [Ordered], a task is ordered: the worker makes the
//     provider calls of one order key one at a time, in the order the
//     enqueues returned, whatever their retries; tasks behind a key's head
//     wait outside asynq (package ordering). [Ordered] derives the key from
//     the payload's conversation ([ConversationKey]).
//   - With [ExpiresAt] or [TTL] (or ClientConfig.ExpiryDefaults), a task
//     carries a deadline in the [HeaderExpiresAt] header; a worker never
//     sends it after that and dead-letters it with the rule "expired".
//
// The package imports asynq, go-redis (for idempotency keys), chatq's
// ordering package (for ordered tasks) and the standard library only.
package tasks
