// Package tokenstore shares one provider token across a fleet of chatq
// workers through Redis, so that N processes with M goroutines each cause
// one token request when the token expires or is rejected, not N×M.
//
// A Source implements agora.TokenSource on top of a FetchFunc (a token
// endpoint request, or a locally minted app token):
//
//   - Hot path: the current token is cached in process until its refresh
//     time, so Token costs no Redis round trip.
//   - Shared token: {chatq}:token:<name> holds "<expiry ms> <refresh ms>
//     <token>" with a TTL at the token's expiry. Every process reads it.
//     The name carries a fingerprint of the credentials (CredentialsName),
//     so processes with other credentials never share a token.
//   - Refresh: one process takes {chatq}:token:<name>:lock (SET NX PX, a
//     random fence, released by a Lua compare-and-delete), fetches, and
//     writes the new token; the others poll the key for a bounded time and
//     then make their own attempt. Within a process, one goroutine loads and
//     the others share its result.
//   - Rejection: Invalidate(tok) deletes the shared token only if it is
//     still tok (Lua compare-and-delete) and forgets it in process, so a
//     stale token's 401 cannot drop a fresher one.
//   - Failures: a failed fetch is returned as *agora.TokenError (so the
//     policy's token rows decide) and backs off exponentially
//     (cenkalti/backoff/v4): {chatq}:token:<name>:error holds the failure's
//     status, code and description (never a secret) until the backoff ends,
//     and every process answers with it instead of asking again.
//   - Redis unreachable: the Source fetches on its own, per process, and
//     logs a warning; delivery goes on.
//
// The token in Redis is a secret at rest, as in any shared cache: Redis
// must be protected (network, AUTH/ACL, TLS). The token is never logged.
//
// Only the wiring (internal/cli, tests) imports this package; package tasks
// never does.
package tokenstore
