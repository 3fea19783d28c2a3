package agora

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// fakeClock is a settable clock for ClientCredentialsConfig.Now.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2026, 1, 2, 15, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// credentialsBundle is a ClientCredentials source on a fake clock, whose
// token endpoint counts requests and answers with handle (n = 1, 2, …).
type credentialsBundle struct {
	src      *ClientCredentials
	clock    *fakeClock
	requests *atomic.Int32
}

// tokenOK answers request n with token "tok-n" living expiresIn seconds.
func tokenOK(expiresIn int) func(t *testing.T, w http.ResponseWriter, r *http.Request, n int32) {
	return func(t *testing.T, w http.ResponseWriter, r *http.Request, n int32) {
		writeJSON(t, w, http.StatusOK, fmt.Sprintf(`{"access_token":"tok-%d","expires_in":%d}`, n, expiresIn))
	}
}

func setupCredentials(t *testing.T, cfg ClientCredentialsConfig, handle func(t *testing.T, w http.ResponseWriter, r *http.Request, n int32)) *credentialsBundle {
	t.Helper()
	b := setup(t, Config{})
	var requests atomic.Int32
	b.mux.HandleFunc("/org/app/token", func(w http.ResponseWriter, r *http.Request) {
		testRequest(t, r, "POST", "/org/app/token", false)
		handle(t, w, r, requests.Add(1))
	})
	clock := newFakeClock()
	cfg.ClientID, cfg.ClientSecret, cfg.Now = testClientID, testClientSecret, clock.Now
	src, err := NewClientCredentials(b.client, cfg)
	require.NoError(t, err)
	return &credentialsBundle{src: src, clock: clock, requests: &requests}
}

// requireToken calls Token and checks the value it returns.
func requireToken(t *testing.T, src TokenSource, want string) Token {
	t.Helper()
	tok, err := src.Token(t.Context())
	require.NoError(t, err)
	require.Equal(t, want, tok.Value())
	return tok
}

func TestNewClientCredentials(t *testing.T) {
	t.Parallel()
	c, err := New(Config{BaseURL: "https://h", AppKey: "o#a"})
	require.NoError(t, err)
	tests := []struct {
		name    string
		client  *Client
		cfg     ClientCredentialsConfig
		wantErr string
	}{
		{name: "ok", client: c, cfg: ClientCredentialsConfig{ClientID: "i", ClientSecret: "s"}},
		{name: "nil client", cfg: ClientCredentialsConfig{ClientID: "i", ClientSecret: "s"}, wantErr: "agora: NewClientCredentials: nil Client"},
		{name: "no ClientID", client: c, cfg: ClientCredentialsConfig{ClientSecret: "s"}, wantErr: "agora: ClientID: required"},
		{name: "no ClientSecret", client: c, cfg: ClientCredentialsConfig{ClientID: "i"}, wantErr: "agora: ClientSecret: required"},
		{name: "negative TTL", client: c, cfg: ClientCredentialsConfig{ClientID: "i", ClientSecret: "s", TTL: -1}, wantErr: "agora: TTL: must not be negative"},
		{name: "negative RefreshBefore", client: c, cfg: ClientCredentialsConfig{ClientID: "i", ClientSecret: "s", RefreshBefore: -1},
			wantErr: "agora: RefreshBefore: must not be negative"},
		{name: "negative FailureCooldown", client: c, cfg: ClientCredentialsConfig{ClientID: "i", ClientSecret: "s", FailureCooldown: -1},
			wantErr: "agora: FailureCooldown: must not be negative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			src, err := NewClientCredentials(tt.client, tt.cfg)
			if tt.wantErr != "" {
				require.EqualError(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			require.Equal(t, defaultRefreshBefore, src.cfg.RefreshBefore)
			require.Equal(t, defaultFailureCooldown, src.cfg.FailureCooldown)
			require.NotNil(t, src.cfg.Now)
		})
	}
}

func TestClientCredentials_Token_cached(t *testing.T) {
	t.Parallel()
	b := setupCredentials(t, ClientCredentialsConfig{TTL: time.Hour}, tokenOK(3600))
	start := b.clock.Now()
	tok := requireToken(t, b.src, "tok-1")
	require.Equal(t, start.Add(time.Hour), tok.ExpiresAt)
	b.clock.Advance(30 * time.Minute)
	requireToken(t, b.src, "tok-1")
	require.Equal(t, int32(1), b.requests.Load())
	require.Equal(t, TokenState{Valid: true, ExpiresAt: start.Add(time.Hour), LastRefresh: start, Refreshes: 1}, b.src.State())
}

func TestClientCredentials_Token_noExpiry(t *testing.T) {
	t.Parallel()
	b := setupCredentials(t, ClientCredentialsConfig{}, tokenOK(0))
	tok := requireToken(t, b.src, "tok-1")
	require.True(t, tok.ExpiresAt.IsZero())
	b.clock.Advance(10000 * time.Hour)
	requireToken(t, b.src, "tok-1")
	require.Equal(t, int32(1), b.requests.Load())
	require.True(t, b.src.State().Valid)
}

func TestClientCredentials_Token_refreshBeforeExpiry(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		expiresIn   int
		cfg         ClientCredentialsConfig
		stillCached time.Duration // after the first request: the token is reused
		refreshed   time.Duration // after the first request: a new token is requested
	}{
		{name: "default 5m", expiresIn: 3600, stillCached: 55*time.Minute - time.Second, refreshed: 55 * time.Minute},
		{name: "10% of a short lifetime", expiresIn: 60, stillCached: 53 * time.Second, refreshed: 54 * time.Second},
		{name: "RefreshBefore set", expiresIn: 3600, cfg: ClientCredentialsConfig{RefreshBefore: time.Minute},
			stillCached: 58*time.Minute + 59*time.Second, refreshed: 59 * time.Minute},
		{name: "expired", expiresIn: 3600, stillCached: time.Minute, refreshed: 2 * time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setupCredentials(t, tt.cfg, tokenOK(tt.expiresIn))
			start := b.clock.Now()
			requireToken(t, b.src, "tok-1")
			b.clock.Advance(tt.stillCached)
			requireToken(t, b.src, "tok-1")
			require.Equal(t, int32(1), b.requests.Load())
			b.clock.Advance(tt.refreshed - tt.stillCached)
			tok := requireToken(t, b.src, "tok-2")
			require.Equal(t, int32(2), b.requests.Load())
			require.Equal(t, start.Add(tt.refreshed).Add(time.Duration(tt.expiresIn)*time.Second), tok.ExpiresAt)
		})
	}
}

func TestClientCredentials_Token_singleflight(t *testing.T) {
	t.Parallel()
	const callers = 50
	arrived, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	b := setupCredentials(t, ClientCredentialsConfig{}, func(t *testing.T, w http.ResponseWriter, r *http.Request, n int32) {
		once.Do(func() { close(arrived) })
		<-release // hold the first request until every caller is waiting
		tokenOK(3600)(t, w, r, n)
	})
	releaseOnce := sync.OnceFunc(func() { close(release) })
	t.Cleanup(releaseOnce) // a failed test must not leave the handler blocked
	var ready, done sync.WaitGroup
	ready.Add(callers)
	tokens := make([]Token, callers)
	errs := make([]error, callers)
	for i := range callers {
		done.Go(func() {
			ready.Done()
			tokens[i], errs[i] = b.src.Token(t.Context())
		})
	}
	ready.Wait()
	<-arrived
	releaseOnce()
	done.Wait()
	for i := range callers {
		require.NoError(t, errs[i], "caller %d", i)
		require.Equal(t, "tok-1", tokens[i].Value(), "caller %d", i)
	}
	require.Equal(t, int32(1), b.requests.Load(), "token requests")
}

func TestClientCredentials_Token_sharedFetchOutlivesCaller(t *testing.T) {
	t.Parallel()
	arrived, release := make(chan struct{}), make(chan struct{})
	b := setupCredentials(t, ClientCredentialsConfig{}, func(t *testing.T, w http.ResponseWriter, r *http.Request, n int32) {
		close(arrived)
		<-release
		tokenOK(3600)(t, w, r, n)
	})
	releaseOnce := sync.OnceFunc(func() { close(release) })
	t.Cleanup(releaseOnce) // a failed test must not leave the handler blocked
	ctx, cancel := context.WithCancel(t.Context())
	errc := make(chan error, 1)
	go func() {
		_, err := b.src.Token(ctx)
		errc <- err
	}()
	<-arrived
	cancel()
	require.ErrorIs(t, <-errc, context.Canceled, "the first caller returns on its own ctx")
	releaseOnce()
	requireToken(t, b.src, "tok-1")
	require.Equal(t, int32(1), b.requests.Load())
	require.Equal(t, 1, b.src.State().Refreshes, "the shared request completed")
}

func TestClientCredentials_Token_cancelledBeforeCall(t *testing.T) {
	t.Parallel()
	b := setupCredentials(t, ClientCredentialsConfig{}, tokenOK(3600))
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := b.src.Token(ctx)
	require.ErrorIs(t, err, context.Canceled)
	require.Equal(t, int32(0), b.requests.Load())
}

func TestClientCredentials_Invalidate(t *testing.T) {
	t.Parallel()
	b := setupCredentials(t, ClientCredentialsConfig{}, tokenOK(3600))
	stale := requireToken(t, b.src, "tok-1")
	b.src.Invalidate(stale)
	requireToken(t, b.src, "tok-2")
	require.Equal(t, int32(2), b.requests.Load())

	// A second 401 with the stale token must not drop the fresh one.
	b.src.Invalidate(stale)
	b.src.Invalidate(Token{})
	b.src.Invalidate(NewToken("other", time.Time{}))
	requireToken(t, b.src, "tok-2")
	require.Equal(t, int32(2), b.requests.Load())
}

func TestClientCredentials_Token_failureCooldown(t *testing.T) {
	t.Parallel()
	b := setupCredentials(t, ClientCredentialsConfig{FailureCooldown: 10 * time.Second},
		func(t *testing.T, w http.ResponseWriter, r *http.Request, n int32) {
			if n == 1 {
				writeJSON(t, w, http.StatusServiceUnavailable, `{"error":"unavailable","error_description":"try later"}`)
				return
			}
			tokenOK(3600)(t, w, r, n)
		})
	_, err1 := b.src.Token(t.Context())
	var tokErr *TokenError
	require.ErrorAs(t, err1, &tokErr)
	var apiErr *APIError
	require.ErrorAs(t, err1, &apiErr)
	require.Equal(t, 503, apiErr.Status)

	b.clock.Advance(10*time.Second - time.Nanosecond)
	_, err2 := b.src.Token(t.Context())
	require.Same(t, tokErr, err2, "the same error within the cooldown")
	require.Equal(t, int32(1), b.requests.Load())
	st := b.src.State()
	require.Equal(t, 1, st.Failures)
	require.Equal(t, err1.Error(), st.LastError)
	require.False(t, st.Valid)

	b.clock.Advance(time.Nanosecond)
	requireToken(t, b.src, "tok-2")
	require.Equal(t, int32(2), b.requests.Load())
	st = b.src.State()
	require.Empty(t, st.LastError)
	require.True(t, st.Valid)
}

func TestClientCredentials_Token_failedRefreshKeepsValidToken(t *testing.T) {
	t.Parallel()
	b := setupCredentials(t, ClientCredentialsConfig{}, func(t *testing.T, w http.ResponseWriter, r *http.Request, n int32) {
		if n == 2 {
			writeJSON(t, w, http.StatusBadGateway, ``)
			return
		}
		tokenOK(3600)(t, w, r, n)
	})
	requireToken(t, b.src, "tok-1")
	b.clock.Advance(56 * time.Minute) // refresh due, not expired
	requireToken(t, b.src, "tok-1")
	requireToken(t, b.src, "tok-1") // within the cooldown: no request
	require.Equal(t, int32(2), b.requests.Load())
	st := b.src.State()
	require.True(t, st.Valid)
	require.Equal(t, 1, st.Failures)
	require.NotEmpty(t, st.LastError)

	b.clock.Advance(time.Second)
	requireToken(t, b.src, "tok-3")
}

func TestClientCredentials_Token_networkTimeout(t *testing.T) {
	t.Parallel()
	b := setup(t, Config{Timeout: 50 * time.Millisecond})
	b.mux.HandleFunc("/org/app/token", hang(t, nil))
	src, err := NewClientCredentials(b.client, ClientCredentialsConfig{ClientID: testClientID, ClientSecret: testClientSecret})
	require.NoError(t, err)
	_, err = src.Token(t.Context())
	var tokErr *TokenError
	require.ErrorAs(t, err, &tokErr)
	var netErr *NetworkError
	require.ErrorAs(t, err, &netErr)
	require.True(t, netErr.Timeout, "Timeout; err = %v", err)
}

func BenchmarkTokenCached(b *testing.B) {
	c, err := New(Config{BaseURL: "http://127.0.0.1:1", AppKey: testAppKey})
	require.NoError(b, err)
	src, err := NewClientCredentials(c, ClientCredentialsConfig{ClientID: testClientID, ClientSecret: testClientSecret})
	require.NoError(b, err)
	now := time.Now()
	src.tok, src.lifetime, src.lastRefresh = NewToken("tok", now.Add(time.Hour)), time.Hour, now
	ctx := context.Background()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := src.Token(ctx); err != nil {
				b.Fatal(err)
			}
		}
	})
}
