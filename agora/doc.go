// Package agora is chatq's client for the Agora Chat (Easemob) REST API, and the
// token sources that authenticate it.
//
// The client reports failures; it never retries and never decides whether a
// failure is worth retrying (package policy does that). A method returns nil or
// exactly one of:
//
//   - *APIError: the provider answered with a non-2xx status. It carries the
//     status, the body's "error", "error_description" and "exception" fields,
//     and the Retry-After header.
//   - *RefusedError: a 2xx answer whose data says the operation did not
//     happen (data.success, data.newowner or data.result false; a deactivated
//     user still "activated", a mute's data.result not "ok", attributes
//     missing from data; issue #12).
//     Its Code (CodeSuccessFalse, …) is what the policy's 200 rows match.
//     Per-user outcomes of batches are not errors: they are in the result,
//     each requested user exactly once (CodeNotInNewMembers, CodeNoResult).
//   - *NetworkError: no HTTP answer (connection refused or reset, TLS failure,
//     EOF, timeout).
//   - *TokenError: the token endpoint failed (RequestToken, ClientCredentials);
//     it wraps an *APIError, a *NetworkError, or (a 2xx answer without a
//     token) an error wrapping ErrMalformedResponse.
//   - the caller's ctx.Err(), wrapped with %w, when the caller's context ended
//     before the answer (never a *NetworkError in that case).
//   - an error wrapping ErrInvalidInput: the request was refused before it was
//     sent.
//   - an error wrapping ErrMalformedResponse: a 2xx answer whose body could not
//     be decoded; the operation may have taken effect.
//
// The client speaks one dialect (Config.Dialect): Agora Chat or Easemob,
// one API family whose differences — a required password, a required
// public, custom group ids, the message size — are one table in
// dialect.go, read by the client and, through DialectRules.Limits, by
// validation.
//
// All requests go to {BaseURL}/{org}/{app}/…, with path segments escaped by
// url.PathEscape. A path with a segment that a server would read as "." or
// ".." (also percent-encoded, or with ";parameters") is refused with
// ErrInvalidInput before anything is sent. An operation is named by its method and its path without
// the /{org}/{app} prefix ("POST /messages/users"), in Op fields and error
// strings.
//
// Secrets: a Token's value is readable only through Token.Value; its String,
// GoString and LogValue methods redact it. No error string contains a token or
// a secret the client was given (Client.WithSecrets: the client secret, the
// app certificate): every provider text the client reports — the fields of an
// *APIError, the text of a *NetworkError or a decode error, the per-user
// reasons of batch answers — is scrubbed of them, and transport errors never
// include request headers or bodies.
package agora
