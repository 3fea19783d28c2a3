// Package ingest is chatq's HTTP API for producers in any language: it
// enqueues tasks (one, or a batch validated whole before any is enqueued)
// with the same validation, idempotency keys and expiry as the Go client
// (tasks.Client, and internal/taskline for the shape of a task object), and
// answers where a task is (taskstatus).
//
// Routes: POST /v1/tasks, POST /v1/tasks/batch, GET /v1/tasks/{id}, GET
// /v1/openapi.json (the OpenAPI 3.1 document, embedded, kept true by tests
// that validate real exchanges against it). Errors are
// application/problem+json (RFC 9457) naming the field and the rule.
//
// Authentication is by API keys sent as bearer tokens; the server knows
// only their SHA-256 hashes, each with a name, and records the name in
// every task it enqueues (tasks.HeaderEnqueuedBy). Without keys it serves
// only a loopback address. Request bodies are size-limited, requests time
// out, and a Redis that does not answer is a 503, never a hang. The access
// log and the metrics carry routes, statuses and key names, never a key
// or a payload.
package ingest
