package tokenstore

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cenkalti/backoff/v4"
	"github.com/redis/go-redis/v9"
	"golang.org/x/sync/singleflight"

	"github.com/chatq/chatq/agora"
)

// FetchFunc gets a new token from the provider, bypassing every cache: a
// token endpoint request (agora.Client.RequestToken) or a freshly minted
// app token (agora.AppTokenSource.Mint). Failures should be
// *agora.TokenError.
type FetchFunc func(ctx context.Context) (agora.Token, error)

// Config configures a Source.
type Config struct {
	// Name identifies the credentials, secret included: CredentialsName
	// of the app key, client id and secret for client_credentials, of the
	// App ID and certificate for app tokens, so that processes with other
	// credentials never share the token. Required. Keys are
	// {chatq}:token:<Name>….
	Name string
	// Fetch gets a new token. Required.
	Fetch FetchFunc
	// RefreshBefore: a token is refreshed when less than this remains of
	// it. Optional; default 5m, capped at 10% of the token's lifetime.
	RefreshBefore time.Duration
	// LockTTL bounds how long a refresh lock outlives a crashed holder.
	// Optional; default 15s.
	LockTTL time.Duration
	// WaitTimeout is how long a process waits for another one's refresh
	// before fetching itself. Optional; default LockTTL.
	WaitTimeout time.Duration
	// PollInterval is how often a waiting process looks for the new token.
	// Optional; default 10ms.
	PollInterval time.Duration
	// RedisTimeout bounds the Redis calls made without a caller context
	// (Invalidate, lock release). Optional; default 2s.
	RedisTimeout time.Duration
	// Backoff is the delay after a failed fetch, during which the whole
	// fleet answers with that failure. Optional; default 1s growing ×2 to
	// 1m with 20% jitter, reset by a success.
	Backoff *backoff.ExponentialBackOff
	// Logger receives warnings; never a token. Optional; nil discards.
	Logger *slog.Logger
	// Now is the clock. Optional; nil = time.Now.
	Now func() time.Time
}

// Source is an agora.TokenSource whose token is shared by every process on
// the same Redis; see the package documentation. It is safe for concurrent
// use.
type Source struct {
	cfg    Config
	rdb    redis.UniversalClient
	keys   keys
	logger *slog.Logger
	now    func() time.Time

	cur   atomic.Pointer[entry] // the hot path's cache
	group singleflight.Group

	mu       sync.Mutex
	rejected agora.Token // the last token a 401 invalidated here
	backoff  *backoff.ExponentialBackOff
	state    agora.TokenState // this process's fetches, for State
	// failed is this process's last fetch failure, answered until
	// failedUntil (the end of its backoff).
	failed      *failure
	failedUntil time.Time
}

var _ agora.TokenSource = (*Source)(nil)

// New validates cfg, applies its defaults and returns a Source that shares
// its token through rdb (required); the caller keeps ownership of rdb.
// Errors name the field.
func New(rdb redis.UniversalClient, cfg Config) (*Source, error) {
	switch {
	case rdb == nil:
		return nil, errors.New("tokenstore: rdb: required")
	case cfg.Name == "":
		return nil, errors.New("tokenstore: Name: required")
	case cfg.Fetch == nil:
		return nil, errors.New("tokenstore: Fetch: required")
	case cfg.RefreshBefore < 0 || cfg.LockTTL < 0 || cfg.WaitTimeout < 0 || cfg.PollInterval < 0 || cfg.RedisTimeout < 0:
		return nil, errors.New("tokenstore: RefreshBefore, LockTTL, WaitTimeout, PollInterval, RedisTimeout: must not be negative")
	}
	cfg = cfg.withDefaults()
	return &Source{cfg: cfg, rdb: rdb, keys: newKeys(cfg.Name), logger: cfg.Logger, now: cfg.Now, backoff: cfg.Backoff}, nil
}

func (cfg Config) withDefaults() Config {
	def := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	def(&cfg.RefreshBefore, 5*time.Minute)
	def(&cfg.LockTTL, 15*time.Second)
	def(&cfg.WaitTimeout, cfg.LockTTL)
	def(&cfg.PollInterval, 10*time.Millisecond)
	def(&cfg.RedisTimeout, 2*time.Second)
	if cfg.Backoff == nil {
		cfg.Backoff = backoff.NewExponentialBackOff(backoff.WithInitialInterval(time.Second),
			backoff.WithMaxInterval(time.Minute), backoff.WithMaxElapsedTime(0))
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return cfg
}

// Token returns the fleet's current token: from the process cache while it
// is fresh (no Redis call), else from Redis, else from a refresh that one
// process in the fleet makes. Failures are *agora.TokenError, or ctx.Err()
// wrapped when ctx ends first.
func (s *Source) Token(ctx context.Context) (agora.Token, error) {
	if e := s.cur.Load(); e.fresh(s.now()) {
		return e.tok, nil
	}
	// A load that started before this goroutine's Invalidate may return the
	// token it rejected; load again then (the next load skips it).
	for range 3 {
		tok, err := s.shared(ctx)
		if err != nil || !s.isRejected(tok) {
			return tok, err
		}
	}
	return agora.Token{}, &agora.TokenError{Err: errors.New("tokenstore: only a rejected token is available")}
}

// shared runs one load per process at a time; each caller still returns
// as soon as its own ctx ends.
func (s *Source) shared(ctx context.Context) (agora.Token, error) {
	if err := ctx.Err(); err != nil {
		return agora.Token{}, fmt.Errorf("tokenstore: waiting for token: %w", err)
	}
	ch := s.group.DoChan("load", func() (any, error) {
		// Made here, not before DoChan: a caller that joins a running load
		// would never cancel its own and leave the timer for its lifetime.
		detached, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.cfg.LockTTL+s.cfg.WaitTimeout)
		defer cancel()
		return s.load(detached)
	})
	select {
	case <-ctx.Done():
		return agora.Token{}, fmt.Errorf("tokenstore: waiting for token: %w", ctx.Err())
	case r := <-ch:
		if r.Err != nil {
			return agora.Token{}, r.Err
		}
		return r.Val.(agora.Token), nil
	}
}

// Invalidate forgets tok in this process and deletes it from Redis if it
// is still the shared token; any other token is left alone.
func (s *Source) Invalidate(tok agora.Token) {
	if tok.IsZero() {
		return
	}
	s.mu.Lock()
	s.rejected = tok
	s.mu.Unlock()
	if e := s.cur.Load(); e != nil && e.tok.Equal(tok) {
		s.cur.CompareAndSwap(e, nil)
	}
	s.deleteShared(tok)
}

// State reports the token this process uses and the fetches it made
// itself (not the fleet's), for metrics and health. It holds no secret.
func (s *Source) State() agora.TokenState {
	s.mu.Lock()
	st := s.state
	s.mu.Unlock()
	e := s.cur.Load()
	st.Valid = e.usable(s.now())
	st.ExpiresAt = time.Time{}
	if e != nil {
		st.ExpiresAt = e.tok.ExpiresAt
	}
	return st
}

func (s *Source) isRejected(tok agora.Token) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return !s.rejected.IsZero() && s.rejected.Equal(tok)
}

// adopt caches e in process and returns its token.
func (s *Source) adopt(e *entry) agora.Token {
	s.cur.Store(e)
	return e.tok
}
