// Package taskline parses tasks written as JSON, one object per task:
//
//	{"type":"message:send","key":"optional","ttl":"2h","payload":{…}}
//
// Read takes a stream of such lines (chatq enqueue -f), Parse one object (a
// request body). Every check the enqueue itself makes runs here first, so
// that a caller can refuse a whole batch before enqueueing any of it.
package taskline
