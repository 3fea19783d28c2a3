package agora

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/chatq/chatq/agora/accesstoken"
)

// DefaultAppTokenTTL is the lifetime of a minted app token when
// AppTokenConfig.TTL is zero.
const DefaultAppTokenTTL = time.Hour

// AppTokenConfig configures an AppTokenSource.
type AppTokenConfig struct {
	// AppID and AppCertificate are the project's credentials from the
	// Agora console, 32 hexadecimal characters each. Required. The
	// certificate never appears in an error or log.
	AppID, AppCertificate string
	// TTL is the lifetime of a minted token, whole seconds from 1s to 24h.
	// Optional; default 1h.
	TTL time.Duration
	// RefreshBefore: a token is re-minted when less than this remains of it.
	// Optional; default 5m, capped at 10% of TTL.
	RefreshBefore time.Duration
	// Now is the clock. Optional; nil = time.Now.
	Now func() time.Time
}

// AppTokenSource is a TokenSource that mints Agora chat app tokens
// (AccessToken2, service Chat, privilege ChatApp, empty user id) locally
// from the App ID and certificate: no HTTP request. The token is sent as
// the Bearer token, as Agora's docs show. It is safe for concurrent use.
type AppTokenSource struct {
	cfg AppTokenConfig

	mu    sync.Mutex
	tok   Token
	mints int
}

var _ TokenSource = (*AppTokenSource)(nil)

// NewAppTokenSource validates cfg, applies its defaults and returns the
// source. Errors name the field and never contain the certificate.
func NewAppTokenSource(cfg AppTokenConfig) (*AppTokenSource, error) {
	if cfg.TTL == 0 {
		cfg.TTL = DefaultAppTokenTTL
	}
	switch {
	case cfg.TTL < time.Second || cfg.TTL > accesstoken.MaxChatTTL || cfg.TTL%time.Second != 0:
		return nil, fmt.Errorf("agora: TTL: must be whole seconds between 1s and %s, got %s", accesstoken.MaxChatTTL, cfg.TTL)
	case cfg.RefreshBefore < 0:
		return nil, errors.New("agora: RefreshBefore: must not be negative")
	}
	if cfg.RefreshBefore == 0 {
		cfg.RefreshBefore = defaultRefreshBefore
	}
	cfg.RefreshBefore = min(cfg.RefreshBefore, cfg.TTL/10)
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	// Minting once checks both the App ID and the certificate.
	if _, _, err := accesstoken.BuildChatAppToken(cfg.AppID, cfg.AppCertificate, cfg.TTL, cfg.Now()); err != nil {
		return nil, fmt.Errorf("agora: AppID / AppCertificate: %w", err)
	}
	return &AppTokenSource{cfg: cfg}, nil
}

// Token returns the cached app token, minting a new one when there is
// none, it was invalidated, or less than RefreshBefore remains of it.
func (s *AppTokenSource) Token(ctx context.Context) (Token, error) {
	if err := ctx.Err(); err != nil {
		return Token{}, fmt.Errorf("agora: app token: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.cfg.Now()
	if !s.tok.IsZero() && now.Before(s.tok.ExpiresAt.Add(-s.cfg.RefreshBefore)) {
		return s.tok, nil
	}
	tok, err := s.mint(now)
	if err != nil {
		return Token{}, err
	}
	s.tok = tok
	return tok, nil
}

// Mint returns a new app token, bypassing and not touching the cache; a
// shared token store (package tokenstore) calls it when the fleet needs a
// new token. Failures are *TokenError.
func (s *AppTokenSource) Mint(ctx context.Context) (Token, error) {
	if err := ctx.Err(); err != nil {
		return Token{}, fmt.Errorf("agora: app token: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.mint(s.cfg.Now())
}

// mint builds a token issued at now. s.mu must be held.
func (s *AppTokenSource) mint(now time.Time) (Token, error) {
	v, exp, err := accesstoken.BuildChatAppToken(s.cfg.AppID, s.cfg.AppCertificate, s.cfg.TTL, now)
	if err != nil {
		// Checked by NewAppTokenSource; only the random source can fail.
		return Token{}, &TokenError{Err: fmt.Errorf("agora: minting app token: %w", err)}
	}
	s.mints++
	return NewToken(v, exp), nil
}

// Invalidate forgets tok if it is the cached token (compare and delete),
// so the next Token mints a new one; a stale token is a no-op.
func (s *AppTokenSource) Invalidate(tok Token) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !tok.IsZero() && s.tok.Equal(tok) {
		s.tok = Token{}
	}
}

// Mints returns how many tokens the source has minted.
func (s *AppTokenSource) Mints() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.mints
}

// String describes s without its certificate.
func (s *AppTokenSource) String() string {
	return fmt.Sprintf("agora.AppTokenSource(app_id=%q, certificate redacted, ttl=%s)", s.cfg.AppID, s.cfg.TTL)
}

// GoString is String, for %#v.
func (s *AppTokenSource) GoString() string { return s.String() }

// String describes cfg without its certificate.
func (cfg AppTokenConfig) String() string {
	return fmt.Sprintf("agora.AppTokenConfig(app_id=%q, certificate redacted, ttl=%s)", cfg.AppID, cfg.TTL)
}

// Format implements fmt.Formatter: every verb prints String, so none
// reaches the certificate through reflection.
func (cfg AppTokenConfig) Format(f fmt.State, _ rune) { _, _ = fmt.Fprint(f, cfg.String()) }
