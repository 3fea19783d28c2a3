// Package policy decides what chatq does with a failed provider call: it is
// the pure decision table between an Agora Chat error and a task's fate.
//
// The package has no Redis, HTTP or asynq dependency. Its input is a [Failure]
// (HTTP status, provider "error" code, "error_description", task type, and
// whether the failure was a network error or came from the token endpoint);
// its output is a [Decision] (an [Action], a delay and a one-line reason that
// names the deciding row).
//
// # Rows
//
// The table is data: [DefaultRules] lists one [Rule] per case documented on the
// provider's "HTTP status codes" page and its other public pages, each with a
// Doc field that cites its source. Operators can add or replace rows with a
// JSON or YAML file ([LoadRules], [NewTable]).
//
// A row matches a failure when all of its set fields match:
//
//   - Status: an exact status ("429"), a class ("4xx", "5xx"), "network" (no
//     HTTP answer, or Status 0) or "*" (anything).
//   - Code: the exact provider code; "" matches any code and "N/A" matches only
//     a body without a code.
//   - Message: a case-insensitive substring pattern over the description. Both
//     sides are normalised first (lowercased; whitespace and quote characters
//     dropped; trailing "." and "!" stripped), and a {placeholder} matches any
//     run of characters, so "Users {username} are not members of this group!"
//     matches "users [bob] are not members of this group".
//   - Types: the task types the row applies to; empty means all.
//   - Token: token rows match only failures of the token endpoint, and only
//     token rows and the fallbacks (rows for "4xx", "5xx" or "*" with no code,
//     message or types) match those failures.
//
// When several rows match, an override (a row from the operator's file,
// [NewTable]'s first argument) beats every default row, so a row an operator
// writes is never shadowed by a more specific default it overlaps. Among
// overrides, and among defaults, the most specific wins: an exact status
// beats a class, which beats "*"; then a row with a code beats one without;
// then a row with a message; then a row with types; then the longer message
// pattern; and finally the earlier row. For token failures token rows come
// before any fallback. [Explain] lists the rows that matched in this order,
// each with the reason it loses to the row above. A catch-all "*" row always
// exists, so [Table.Lookup] never fails.
//
// # Actions
//
//   - done: the goal is already reached (user exists, member already added);
//     the task succeeds.
//   - retry: a transient failure; retry after a backoff, counting against the
//     task's retry budget.
//   - defer: the provider is rate limiting; try again later without counting
//     the attempt as a failure.
//   - refresh: the app token was rejected; fetch a new token and retry.
//   - dead-letter: retrying cannot help; store the task as a dead letter.
//   - credentials: the credentials (app key, client secret) were rejected; keep
//     the task and wait for an operator, without counting the attempt.
//
// Delays come from the provider's Retry-After when present (capped), else from
// the exponential backoff of the row's [Class].
package policy
