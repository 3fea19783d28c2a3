package agora

import (
	"context"
	"fmt"
	"log/slog"
	"time"
)

// Token is an app token for the REST API. Its value is readable only through
// Value: String, GoString and LogValue redact it, so %v, %+v, %#v and slog
// never print it. Compare tokens with Equal (== does not compile).
type Token struct {
	// value returns the secret. A func, because fmt prints a func as an
	// address whatever the verb and depth, so even a struct that holds a
	// Token in an unexported field (where fmt cannot call String) does not
	// print the secret.
	value func() string
	// ExpiresAt is when the provider stops accepting the token; zero means
	// no known expiry.
	ExpiresAt time.Time
}

// NewToken returns a Token with the given value and expiry (zero: no known
// expiry). An empty value gives a zero Token.
func NewToken(value string, expiresAt time.Time) Token {
	if value == "" {
		return Token{ExpiresAt: expiresAt}
	}
	return Token{value: func() string { return value }, ExpiresAt: expiresAt}
}

// Value returns the secret value, for the Authorization header. It is the
// only way to read it.
func (t Token) Value() string {
	if t.value == nil {
		return ""
	}
	return t.value()
}

// IsZero reports whether t has no value.
func (t Token) IsZero() bool { return t.Value() == "" }

// Equal reports whether t and o have the same value.
func (t Token) Equal(o Token) bool { return t.Value() == o.Value() }

// String returns "token(redacted, expires 2026-01-02T15:04:05Z)",
// "token(redacted, no expiry)" or "token(empty)"; never the value.
func (t Token) String() string {
	switch {
	case t.IsZero():
		return "token(empty)"
	case t.ExpiresAt.IsZero():
		return "token(redacted, no expiry)"
	}
	return "token(redacted, expires " + t.ExpiresAt.UTC().Format(time.RFC3339) + ")"
}

// GoString is String, for %#v.
func (t Token) GoString() string { return t.String() }

// LogValue is String, for slog.
func (t Token) LogValue() slog.Value { return slog.StringValue(t.String()) }

// Format implements fmt.Formatter so that no verb (%d, %x, …) reaches the
// value through reflection.
func (t Token) Format(f fmt.State, verb rune) {
	if verb == 'v' && f.Flag('#') {
		_, _ = fmt.Fprint(f, t.GoString())
		return
	}
	_, _ = fmt.Fprint(f, t.String())
}

// TokenSource provides tokens for the REST API.
type TokenSource interface {
	// Token returns a valid cached token, fetching one when needed.
	Token(ctx context.Context) (Token, error)
	// Invalidate forgets tok if it is still the current token (compare and
	// delete), typically after a 401; it is a no-op otherwise, so a caller
	// holding a stale token cannot drop a fresh one.
	Invalidate(tok Token)
}

var (
	_ slog.LogValuer = Token{}
	_ fmt.GoStringer = Token{}
	_ fmt.Stringer   = Token{}
	_ fmt.Formatter  = Token{}
)
