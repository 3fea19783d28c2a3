package agora

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"
)

const (
	defaultRefreshBefore   = 5 * time.Minute
	defaultFailureCooldown = time.Second
)

// tokenRequest is the body of POST /token (Easemob client_credentials grant,
// https://doc.easemob.com/product/easemob_app_token.html).
type tokenRequest struct {
	GrantType    string `json:"grant_type"`
	ClientID     string `json:"client_id"`
	ClientSecret string `json:"client_secret"`
	TTL          int64  `json:"ttl,omitempty"` // seconds; omitted = provider default
}

// tokenResponse is the 200 answer of POST /token.
type tokenResponse struct {
	AccessToken string `json:"access_token"`
	ExpiresIn   int64  `json:"expires_in"` // seconds; 0 = no expiry
}

// RequestToken asks the token endpoint for a client_credentials token living
// ttl (rounded up to a second; 0 = provider default). The request carries no
// Authorization header. Failures come back as *TokenError wrapping an
// *APIError, a *NetworkError or ErrMalformedResponse; a cancelled ctx gives
// ctx.Err(), wrapped.
func (c *Client) RequestToken(ctx context.Context, clientID, clientSecret string, ttl time.Duration) (Token, error) {
	start := time.Now()
	resp, err := c.requestToken(ctx, clientID, clientSecret, ttl)
	if err != nil {
		return Token{}, err
	}
	return NewToken(resp.AccessToken, expiry(start, resp.ExpiresIn)), nil
}

// requestToken is RequestToken without the clock, so that ClientCredentials
// can date the token with its own.
func (c *Client) requestToken(ctx context.Context, clientID, clientSecret string, ttl time.Duration) (tokenResponse, error) {
	if clientID == "" || clientSecret == "" || ttl < 0 {
		return tokenResponse{}, fmt.Errorf("agora: token request: client id, client secret and a non-negative ttl are required: %w", ErrInvalidInput)
	}
	var out tokenResponse
	err := c.do(ctx, request{
		method: "POST",
		path:   "/token",
		body:   tokenRequest{GrantType: "client_credentials", ClientID: clientID, ClientSecret: clientSecret, TTL: ttlSeconds(ttl)},
		out:    &out,
		secret: clientSecret,
	})
	if err == nil && out.AccessToken == "" {
		err = fmt.Errorf("agora: POST /token: no access_token in response: %w", ErrMalformedResponse)
	}
	if err != nil {
		if ctx.Err() != nil && errors.Is(err, ctx.Err()) {
			return tokenResponse{}, err
		}
		return tokenResponse{}, &TokenError{Err: err}
	}
	return out, nil
}

// ttlSeconds rounds ttl up to whole seconds.
func ttlSeconds(ttl time.Duration) int64 {
	return int64((ttl + time.Second - 1) / time.Second)
}

// expiry is start+expiresIn seconds, or zero (no expiry) for expiresIn <= 0.
func expiry(start time.Time, expiresIn int64) time.Time {
	if expiresIn <= 0 {
		return time.Time{}
	}
	return start.Add(time.Duration(expiresIn) * time.Second)
}

// ClientCredentialsConfig configures a ClientCredentials token source.
type ClientCredentialsConfig struct {
	// ClientID and ClientSecret are the app's credentials. Required. The
	// secret never appears in an error, State or log.
	ClientID, ClientSecret string
	// TTL is the requested token lifetime. Optional; 0 = provider default.
	TTL time.Duration
	// RefreshBefore: a token is refreshed when less than this remains of it.
	// Optional; default 5m. Capped at 10% of the token's lifetime, so a
	// short-lived token is not refreshed on every call.
	RefreshBefore time.Duration
	// FailureCooldown: after a failed token request, callers within this
	// window get the same error without a new request (the provider bans
	// accounts that ask too often). Optional; default 1s.
	FailureCooldown time.Duration
	// Now is the clock. Optional; nil = time.Now.
	Now func() time.Time
}

// TokenState is a snapshot of a ClientCredentials source, for health checks
// and logs. It holds no secret.
type TokenState struct {
	Valid       bool      // a token is cached and not expired
	ExpiresAt   time.Time // of the cached token; zero when none or no expiry
	LastRefresh time.Time // when the cached token was requested
	LastError   string    // the last failure, cleared by a success
	Refreshes   int       // successful token requests
	Failures    int       // failed token requests
}

// ClientCredentials is a TokenSource that requests client_credentials tokens
// from the token endpoint and caches them. Concurrent callers share one
// request (singleflight). It is safe for concurrent use.
type ClientCredentials struct {
	client *Client
	cfg    ClientCredentialsConfig
	group  singleflight.Group

	mu          sync.Mutex
	tok         Token
	lifetime    time.Duration // of tok, from its request to its expiry
	lastRefresh time.Time
	lastErr     error
	lastErrAt   time.Time
	refreshes   int
	failures    int
}

var _ TokenSource = (*ClientCredentials)(nil)

// NewClientCredentials validates cfg, applies its defaults and returns a
// token source that requests tokens through c. Errors name the field.
func NewClientCredentials(c *Client, cfg ClientCredentialsConfig) (*ClientCredentials, error) {
	switch {
	case c == nil:
		return nil, errors.New("agora: NewClientCredentials: nil Client")
	case cfg.ClientID == "":
		return nil, errors.New("agora: ClientID: required")
	case cfg.ClientSecret == "":
		return nil, errors.New("agora: ClientSecret: required")
	case cfg.TTL < 0:
		return nil, errors.New("agora: TTL: must not be negative")
	case cfg.RefreshBefore < 0:
		return nil, errors.New("agora: RefreshBefore: must not be negative")
	case cfg.FailureCooldown < 0:
		return nil, errors.New("agora: FailureCooldown: must not be negative")
	}
	if cfg.RefreshBefore == 0 {
		cfg.RefreshBefore = defaultRefreshBefore
	}
	if cfg.FailureCooldown == 0 {
		cfg.FailureCooldown = defaultFailureCooldown
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &ClientCredentials{client: c, cfg: cfg}, nil
}

// Token returns the cached token, or requests one when there is none, it is
// due for refresh, or it was invalidated. N concurrent callers make one
// request. That request runs on a context detached from the callers' (bounded
// by the client's Timeout), so one caller giving up does not fail the others;
// each caller still returns ctx.Err(), wrapped, as soon as its own ctx ends.
// Within FailureCooldown of a failed request, callers get that *TokenError
// without a new request (or the old token while it has not expired).
func (s *ClientCredentials) Token(ctx context.Context) (Token, error) {
	if tok, answered, err := s.cached(); answered {
		return tok, err
	}
	if err := ctx.Err(); err != nil {
		return Token{}, fmt.Errorf("agora: waiting for token: %w", err)
	}
	detached := context.WithoutCancel(ctx) // keeps the first caller's values
	ch := s.group.DoChan("token", func() (any, error) { return s.fetch(detached) })
	select {
	case <-ctx.Done():
		return Token{}, fmt.Errorf("agora: waiting for token: %w", ctx.Err())
	case r := <-ch:
		if r.Err != nil {
			return Token{}, r.Err
		}
		return r.Val.(Token), nil
	}
}

// cached returns the answer Token can give without a request; answered is
// false when a request is needed.
func (s *ClientCredentials) cached() (tok Token, answered bool, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.cfg.Now()
	if s.usable(now) && !s.refreshDue(now) {
		return s.tok, true, nil
	}
	if s.lastErr != nil && now.Before(s.lastErrAt.Add(s.cfg.FailureCooldown)) {
		if s.usable(now) {
			return s.tok, true, nil
		}
		return Token{}, true, s.lastErr
	}
	return Token{}, false, nil
}

// fetch requests a token, unless one arrived (or failed) since the caller
// looked: singleflight only merges calls that overlap, and a caller may
// arrive just after the previous request finished.
func (s *ClientCredentials) fetch(ctx context.Context) (Token, error) {
	if tok, answered, err := s.cached(); answered {
		return tok, err
	}
	// ctx is detached from the callers; do bounds the request by the
	// client's Timeout. A second deadline here would turn a timeout into a
	// context error instead of a *NetworkError.
	start := s.cfg.Now()
	resp, err := s.client.requestToken(ctx, s.cfg.ClientID, s.cfg.ClientSecret, s.cfg.TTL)
	s.mu.Lock()
	defer s.mu.Unlock()
	if err != nil {
		s.failures++
		s.lastErr, s.lastErrAt = err, s.cfg.Now()
		if now := s.cfg.Now(); s.usable(now) {
			return s.tok, nil // still valid: better than an error
		}
		return Token{}, err
	}
	s.tok = NewToken(resp.AccessToken, expiry(start, resp.ExpiresIn))
	s.lifetime = time.Duration(resp.ExpiresIn) * time.Second
	s.lastRefresh, s.lastErr = start, nil
	s.refreshes++
	return s.tok, nil
}

// usable reports whether the cached token exists and has not expired at now.
// s.mu must be held.
func (s *ClientCredentials) usable(now time.Time) bool {
	return !s.tok.IsZero() && (s.tok.ExpiresAt.IsZero() || now.Before(s.tok.ExpiresAt))
}

// refreshDue reports whether less than the refresh margin remains of the
// cached token at now. s.mu must be held.
func (s *ClientCredentials) refreshDue(now time.Time) bool {
	if s.tok.ExpiresAt.IsZero() {
		return false
	}
	margin := min(s.cfg.RefreshBefore, s.lifetime/10)
	return !now.Before(s.tok.ExpiresAt.Add(-margin))
}

// Invalidate forgets tok if it is the cached token; it is a no-op for any
// other token, so a stale token's 401 cannot drop a fresh one.
func (s *ClientCredentials) Invalidate(tok Token) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !tok.IsZero() && s.tok.Equal(tok) {
		s.tok, s.lifetime = Token{}, 0
	}
}

// State returns a snapshot of the source.
func (s *ClientCredentials) State() TokenState {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := TokenState{
		Valid:       s.usable(s.cfg.Now()),
		ExpiresAt:   s.tok.ExpiresAt,
		LastRefresh: s.lastRefresh,
		Refreshes:   s.refreshes,
		Failures:    s.failures,
	}
	if s.lastErr != nil {
		st.LastError = strings.ReplaceAll(s.lastErr.Error(), s.cfg.ClientSecret, redacted)
	}
	return st
}

// String describes s without its secret, for %v of a *ClientCredentials.
func (s *ClientCredentials) String() string {
	return fmt.Sprintf("agora.ClientCredentials(client_id=%q, secret redacted)", s.cfg.ClientID)
}

// GoString is String, for %#v.
func (s *ClientCredentials) GoString() string { return s.String() }

// String describes cfg without its secret.
func (cfg ClientCredentialsConfig) String() string {
	return fmt.Sprintf("agora.ClientCredentialsConfig(client_id=%q, secret redacted, ttl=%s)", cfg.ClientID, cfg.TTL)
}

// Format implements fmt.Formatter: every verb prints String, so none
// reaches the secret through reflection.
func (cfg ClientCredentialsConfig) Format(f fmt.State, _ rune) { _, _ = fmt.Fprint(f, cfg.String()) }
