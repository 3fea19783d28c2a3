package agora

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// ErrInvalidInput is wrapped by the error of a call refused before anything
// was sent: an empty or oversized list, an unknown message target, a body
// that is not valid JSON. Retrying the same input cannot succeed.
var ErrInvalidInput = errors.New("invalid input")

// ErrMalformedResponse is wrapped by the error of a call whose 2xx answer
// could not be decoded. The provider accepted the request, so the operation
// may have taken effect.
var ErrMalformedResponse = errors.New("malformed response")

const (
	// snippetLen bounds the Description taken from a body that is not a JSON
	// error object.
	snippetLen = 200
	// fieldLen bounds each field taken from a JSON error object.
	fieldLen = 1024
	// redacted replaces a secret found in provider-supplied text.
	redacted = "[redacted]"
)

// APIError is a non-2xx answer of the provider.
type APIError struct {
	Status      int           // HTTP status
	Code        string        // the body's "error" field ("" when absent or not JSON)
	Description string        // "error_description"; for a non-JSON body a sanitized snippet or the status text
	Exception   string        // "exception", the provider's exception class
	ErrorCode   int           // Easemob's numeric "error_code" (14007); 0 when absent
	RetryAfter  time.Duration // from the Retry-After header (seconds or HTTP date); 0 when absent
	Op          string        // "POST /messages/users": path without /org/app, never a query or token
}

// Error returns "agora: POST /messages/users: 403 forbidden_op: <description>",
// or "agora: <op>: 502 Bad Gateway" when the body had no error code.
func (e *APIError) Error() string {
	msg := fmt.Sprintf("agora: %s: %d", e.Op, e.Status)
	switch {
	case e.Code != "" && e.Description != "":
		return msg + " " + e.Code + ": " + e.Description
	case e.Code != "":
		return msg + " " + e.Code
	case e.Description != "":
		return msg + " " + e.Description
	}
	return msg
}

// redact replaces every non-empty secret in provider-supplied text: a
// provider (or a proxy) that echoes the request must not leak it into logs.
// It runs before sanitize truncates the text, so a secret cut in half by the
// length limit cannot leave its first half behind.
func redact(text string, secrets []string) string {
	for _, s := range secrets {
		if s != "" {
			text = strings.ReplaceAll(text, s, redacted)
		}
	}
	return text
}

// WithSecrets returns a copy of c that also replaces each non-empty secret
// (the client secret, the app certificate) with "[redacted]" in every
// provider text it reports: the fields of an *APIError (code, description,
// exception, body excerpt), the text of a *NetworkError and of a decode
// error, and the per-user reasons of batch answers. The token of each call
// is always redacted. The wiring gives it every credential it holds; a
// provider (or a proxy, or a fault) that echoes one must not leak it into a
// log, an error or a dead letter.
func (c *Client) WithSecrets(secrets ...string) *Client {
	cp := *c
	cp.secrets = slices.Clone(c.secrets)
	for _, s := range secrets {
		if s != "" {
			cp.secrets = append(cp.secrets, s)
		}
	}
	return &cp
}

// secretsFor lists what is scrubbed from the provider's text about r.
func (c *Client) secretsFor(r request) []string {
	return append(slices.Clip(c.secrets), r.token.Value(), r.secret)
}

// itemReason is a per-user reason of a batch answer, scrubbed of the
// client's secrets and of tok and made safe for one log line.
func (c *Client) itemReason(reason string, tok Token) string {
	return sanitize(redact(reason, append(slices.Clip(c.secrets), tok.Value())), fieldLen)
}

// redactedError is an error whose text held a secret: Error is the
// redacted text, and Is still answers for the original chain (a deadline
// stays a deadline), but neither the original error nor its text is handed
// out (no Unwrap, no As).
type redactedError struct {
	msg  string
	orig error
}

func (e *redactedError) Error() string { return e.msg }

// Is reports whether the original error matches target.
func (e *redactedError) Is(target error) bool { return errors.Is(e.orig, target) }

// scrubError returns err, or a *redactedError when its text holds a secret.
func scrubError(err error, secrets []string) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	if red := redact(msg, secrets); red != msg {
		return &redactedError{msg: red, orig: err}
	}
	return err
}

// NetworkError is a call that got no HTTP answer: connection refused or reset,
// EOF, TLS failure, or a timeout of the client (not of the caller's context,
// which is returned as ctx.Err()).
type NetworkError struct {
	Op      string // as in APIError
	Timeout bool   // a deadline or timeout expired
	Err     error  // the transport's error
}

// Error returns "agora: <op>: network error: <err>" ("timeout" for a timeout).
func (e *NetworkError) Error() string {
	kind := "network error"
	if e.Timeout {
		kind = "timeout"
	}
	if e.Err == nil {
		return fmt.Sprintf("agora: %s: %s", e.Op, kind)
	}
	return fmt.Sprintf("agora: %s: %s: %v", e.Op, kind, e.Err)
}

// Unwrap returns Err.
func (e *NetworkError) Unwrap() error { return e.Err }

// TokenError is a failure of the token endpoint. Err is an *APIError or a
// *NetworkError (or wraps ErrMalformedResponse).
type TokenError struct {
	Err error
}

// Error returns "agora: token request: <Err without its agora: prefix>".
func (e *TokenError) Error() string {
	if e.Err == nil {
		return "agora: token request failed"
	}
	return "agora: token request: " + strings.TrimPrefix(e.Err.Error(), "agora: ")
}

// Unwrap returns Err.
func (e *TokenError) Unwrap() error { return e.Err }

// errorBody is the provider's error object.
type errorBody struct {
	Code        string `json:"error"`
	Description string `json:"error_description"`
	Exception   string `json:"exception"`
	// ErrorCode is a number in Easemob's bodies; anything else is ignored
	// rather than failing the decode of the fields that matter.
	ErrorCode json.RawMessage `json:"error_code"`
}

// errorCode returns raw as an int when it is a JSON integer, else 0.
func errorCode(raw json.RawMessage) int {
	n, err := strconv.Atoi(strings.TrimSpace(string(raw)))
	if err != nil {
		return 0
	}
	return n
}

// Codes of a RefusedError: chatq's names for the provider's negative 2xx
// answers, used as the "error" code by the policy rows that decide them.
const (
	CodeSuccessFalse    = "success_false"     // DELETE /chatgroups/{g}: data.success false
	CodeNewOwnerFalse   = "newowner_false"    // owner transfer: data.newowner false
	CodeResultFalse     = "result_false"      // add or remove one member: data.result false
	CodeNotInNewMembers = "not_in_newmembers" // batch add: a requested user missing from data.newmembers
	CodeNoResult        = "no_result"         // batch removal: a requested user without a result
	CodeNotRecalled     = "not_recalled"      // message recall: recalled is not "yes" (its value is the Description)
	CodeNotUpdated      = "not_updated"       // group update: a field sent is not answered true
)

// RefusedError is a 2xx answer whose data says the operation did not
// happen (issue #12): the provider said no with a 200. Code is one of the
// Code* constants above, Description what the answer said.
type RefusedError struct {
	Op          string
	Code        string
	Description string
}

// Error returns "agora: <op>: 200 <code>: <description>".
func (e *RefusedError) Error() string {
	return fmt.Sprintf("agora: %s: 200 %s: %s", e.Op, e.Code, e.Description)
}

// checkResponse is the one place where an HTTP answer becomes an error. It
// returns:
//
//   - nil for a 2xx status, leaving the body unread;
//   - *APIError for any other status, whatever the body: the JSON error
//     object's fields when the body is one, otherwise Code "" and a sanitized
//     snippet of the body (or the status text when it is empty) as
//     Description. RetryAfter comes from the Retry-After header.
//
// It returns no other type. It reads at most limit bytes of the body
// (io.LimitReader) and does not close it. op names the call in the error;
// every non-empty secret (the token, the client secret) is replaced in the
// provider's text before it is truncated.
func checkResponse(resp *http.Response, op string, limit int64, secrets ...string) error {
	if resp.StatusCode >= 200 && resp.StatusCode <= 299 {
		return nil
	}
	e := &APIError{
		Status:     resp.StatusCode,
		Op:         op,
		RetryAfter: ParseRetryAfter(resp.Header.Get("Retry-After"), time.Now()),
	}
	var raw []byte
	if resp.Body != nil {
		// A failed or partial read still leaves the status, which is what
		// matters; whatever was read is used.
		raw, _ = io.ReadAll(io.LimitReader(resp.Body, limit))
	}
	var b errorBody
	if json.Unmarshal(raw, &b) == nil && (b.Code != "" || b.Description != "" || b.Exception != "") {
		e.Code = sanitize(redact(b.Code, secrets), fieldLen)
		e.Description = sanitize(redact(b.Description, secrets), fieldLen)
		e.Exception = sanitize(redact(b.Exception, secrets), fieldLen)
		e.ErrorCode = errorCode(b.ErrorCode)
		if e.Code == "" && e.Description == "" {
			e.Description = statusText(resp.StatusCode)
		}
		return e
	}
	e.Description = sanitize(redact(string(raw), secrets), snippetLen)
	if e.Description == "" {
		e.Description = statusText(resp.StatusCode)
	}
	return e
}

// statusText is http.StatusText, or "HTTP <code>" for an unknown status.
func statusText(code int) string {
	if s := http.StatusText(code); s != "" {
		return s
	}
	return "HTTP " + strconv.Itoa(code)
}

// sanitize makes provider text safe for one log line: at most n bytes, valid
// UTF-8, control and format characters turned into spaces, runs of white
// space collapsed.
func sanitize(s string, n int) string {
	if len(s) > n {
		s = s[:n]
	}
	s = strings.ToValidUTF8(s, "")
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
			return ' '
		}
		return r
	}, s)
	return strings.Join(strings.Fields(s), " ")
}

// maxRetryAfterSeconds keeps a Retry-After in seconds from overflowing a
// time.Duration.
const maxRetryAfterSeconds = math.MaxInt64 / int64(time.Second)

// ParseRetryAfter parses a Retry-After header value: delay-seconds or an
// HTTP-date (relative to now). It returns 0 for an empty, negative, past,
// overflowing or unparsable value.
func ParseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if strings.Trim(v, "0123456789") == "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n > maxRetryAfterSeconds {
			return 0
		}
		return time.Duration(n) * time.Second
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0
	}
	if d := t.Sub(now); d > 0 {
		return d
	}
	return 0
}
