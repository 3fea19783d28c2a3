// Package console is chatq's on-call console: server-rendered pages beside
// asynqmon for what asynqmon cannot show — an overview of the fleet
// (deliveries, queue depths, throttle pauses and breakers, token state,
// workers, open dead letters, per-minute charts from package activity), the
// dead-letter store (filters, paging, a record in full, replay with a dry
// run first, delete, a merge-patch editor, the audit log) and the policy
// table with an explain form.
//
// Everything is served by the binary (html/template, embedded CSS, no
// script, no CDN). Actions are POSTs that carry a CSRF token bound to a
// cookie (and pass net/http's cross-origin protection); every action shows
// what it would do first and acts only on a second, confirming POST. In
// read-only mode the forms are not rendered and POSTs are refused.
// Authentication is the caller's: package monitor serves the console behind
// its own.
//
// Nothing secret reaches a page: payloads go through Config.FormatPayload
// (monitor's redaction), records hold no credentials, and the token state
// shown is validity and times, never a token.
package console
