package tokenstore_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cenkalti/backoff/v4"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/chatq/chatq/agora"
	"github.com/chatq/chatq/internal/redistest"
	"github.com/chatq/chatq/tokenstore"
)

// provider is a fake token endpoint: token n is "tok-n"; fail makes it
// answer errors; gate, when set, holds every fetch until closed.
type provider struct {
	n    atomic.Int32
	fail atomic.Pointer[error]
	gate chan struct{}
	ttl  time.Duration
}

func (p *provider) fetch(ctx context.Context) (agora.Token, error) {
	n := p.n.Add(1)
	if p.gate != nil {
		select {
		case <-p.gate:
		case <-ctx.Done():
			return agora.Token{}, ctx.Err()
		}
	}
	if e := p.fail.Load(); e != nil {
		return agora.Token{}, *e
	}
	return agora.NewToken(fmt.Sprintf("tok-%d", n), time.Now().Add(p.ttl)), nil
}

type testBundle struct {
	db       *redistest.DB
	provider *provider
}

func setup(t *testing.T) *testBundle {
	t.Helper()
	return &testBundle{db: redistest.New(t), provider: &provider{ttl: time.Hour}}
}

// process returns a Source on its own Redis client, as another worker
// process would have.
func (b *testBundle) process(t *testing.T, mutate ...func(*tokenstore.Config)) *tokenstore.Source {
	t.Helper()
	return b.processOn(t, b.client(t), mutate...)
}

// client returns a new Redis client on the bundle's database.
func (b *testBundle) client(t *testing.T) *redis.Client {
	t.Helper()
	rdb := redis.NewClient(&redis.Options{Addr: b.db.Client.Options().Addr, DB: b.db.Client.Options().DB})
	t.Cleanup(func() { _ = rdb.Close() })
	return rdb
}

// processOn is process with the Redis client given.
func (b *testBundle) processOn(t *testing.T, rdb redis.UniversalClient, mutate ...func(*tokenstore.Config)) *tokenstore.Source {
	t.Helper()
	cfg := tokenstore.Config{Name: "org#app", Fetch: b.provider.fetch, PollInterval: 2 * time.Millisecond}
	for _, m := range mutate {
		m(&cfg)
	}
	s, err := tokenstore.New(rdb, cfg)
	require.NoError(t, err)
	return s
}

func TestSource_oneFetchForTheFleet(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.provider.gate = make(chan struct{})
	procs := []*tokenstore.Source{b.process(t), b.process(t)}
	var wg sync.WaitGroup
	got := make(chan agora.Token, 100)
	for _, p := range procs {
		for range 50 {
			wg.Go(func() {
				tok, err := p.Token(t.Context())
				if err == nil {
					got <- tok
				}
			})
		}
	}
	close(b.provider.gate)
	wg.Wait()
	close(got)
	require.Len(t, got, 100, "every caller got a token")
	for tok := range got {
		require.Equal(t, "tok-1", tok.Value())
	}
	require.Equal(t, int32(1), b.provider.n.Load(), "token requests")

	// Both processes see the expired token rejected: one more request.
	b.provider.gate = nil
	old, _ := procs[0].Token(t.Context())
	for _, p := range procs {
		for range 50 {
			wg.Go(func() {
				p.Invalidate(old)
				tok, err := p.Token(t.Context())
				if err != nil || tok.Value() != "tok-2" {
					t.Errorf("after invalidation: %v, %v", tok, err)
				}
			})
		}
	}
	wg.Wait()
	require.Equal(t, int32(2), b.provider.n.Load(), "token requests")
}

func TestSource_staleInvalidateKeepsFresherToken(t *testing.T) {
	t.Parallel()
	b := setup(t)
	a, c := b.process(t), b.process(t)
	t1, err := a.Token(t.Context())
	require.NoError(t, err)

	// c rejects t1 and refreshes: t2 is shared.
	c.Invalidate(t1)
	t2, err := c.Token(t.Context())
	require.NoError(t, err)
	require.Equal(t, "tok-2", t2.Value())

	// a, still on t1, meets its 401 late: t2 must survive in Redis and in c.
	a.Invalidate(t1)
	got, err := a.Token(t.Context())
	require.NoError(t, err)
	require.True(t, t2.Equal(got), "a moves to the shared t2, got %v", got.Value())
	got, err = c.Token(t.Context())
	require.NoError(t, err)
	require.True(t, t2.Equal(got))
	require.Equal(t, int32(2), b.provider.n.Load(), "no request for the stale 401")
	v, err := b.db.Client.Get(t.Context(), "{chatq}:token:org#app").Result()
	require.NoError(t, err)
	require.Contains(t, v, " tok-2")
}

func TestSource_failureIsSharedAndBacksOff(t *testing.T) {
	t.Parallel()
	b := setup(t)
	rejected := error(&agora.TokenError{Err: &agora.APIError{Status: http.StatusBadRequest, Code: "invalid_grant",
		Description: "Invalid username or password.", Op: "POST /token"}})
	b.provider.fail.Store(&rejected)
	quick := func(c *tokenstore.Config) {
		c.Backoff = backoff.NewExponentialBackOff(backoff.WithInitialInterval(300*time.Millisecond),
			backoff.WithRandomizationFactor(0), backoff.WithMaxElapsedTime(0))
	}
	a, c := b.process(t, quick), b.process(t, quick)

	_, err := a.Token(t.Context())
	var tokErr *agora.TokenError
	require.ErrorAs(t, err, &tokErr)
	var apiErr *agora.APIError
	require.ErrorAs(t, err, &apiErr)
	require.Equal(t, "invalid_grant", apiErr.Code)

	_, err = c.Token(t.Context())
	require.ErrorAs(t, err, &apiErr, "the other process gets the shared failure")
	require.Equal(t, http.StatusBadRequest, apiErr.Status)
	require.Equal(t, "Invalid username or password.", apiErr.Description)
	require.Equal(t, int32(1), b.provider.n.Load(), "no second request during the backoff")

	b.provider.fail.Store(nil)
	deadline := time.Now().Add(5 * time.Second)
	for {
		tok, err := c.Token(t.Context())
		if err == nil {
			require.Equal(t, "tok-2", tok.Value())
			break
		}
		require.True(t, time.Now().Before(deadline), "no token after the backoff: %v", err)
		time.Sleep(10 * time.Millisecond) // waiting out a Redis TTL: no signal exists
	}
}

func TestSource_hotPathCostsNoRedisCall(t *testing.T) {
	t.Parallel()
	b := setup(t)
	var calls atomic.Int32
	rdb := b.client(t)
	rdb.AddHook(countHook{&calls})
	s := b.processOn(t, rdb)
	first, err := s.Token(t.Context())
	require.NoError(t, err)
	before := calls.Load()
	for range 100 {
		tok, err := s.Token(t.Context())
		require.NoError(t, err)
		require.True(t, first.Equal(tok))
	}
	require.Equal(t, before, calls.Load(), "Redis calls on the hot path")
}

func TestSource_refreshesBeforeExpiry(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.provider.ttl = 10 * time.Minute
	var offset atomic.Int64
	clock := func(c *tokenstore.Config) {
		c.Now = func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }
	}
	s := b.process(t, clock)
	first, err := s.Token(t.Context())
	require.NoError(t, err)
	offset.Store(int64(8 * time.Minute)) // 2m left: more than 10% of the lifetime
	got, _ := s.Token(t.Context())
	require.True(t, first.Equal(got))
	offset.Store(int64(9*time.Minute + time.Second)) // under 1m left
	got, err = s.Token(t.Context())
	require.NoError(t, err)
	require.Equal(t, "tok-2", got.Value())
}

func TestSource_crashedLockHolder(t *testing.T) {
	t.Parallel()
	b := setup(t)
	require.NoError(t, b.db.Client.Set(t.Context(), "{chatq}:token:org#app:lock", "dead-process", time.Minute).Err())
	s := b.process(t, func(c *tokenstore.Config) { c.WaitTimeout = 100 * time.Millisecond })
	tok, err := s.Token(t.Context())
	require.NoError(t, err, "fetches itself after WaitTimeout")
	require.Equal(t, "tok-1", tok.Value())
	v, err := b.db.Client.Get(t.Context(), "{chatq}:token:org#app:lock").Result()
	require.NoError(t, err)
	require.Equal(t, "dead-process", v, "another process's lock is never released by us")
}

func TestSource_redisDown(t *testing.T) {
	t.Parallel()
	b := setup(t)
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1, DialTimeout: 100 * time.Millisecond})
	t.Cleanup(func() { _ = rdb.Close() })
	s := b.processOn(t, rdb)
	tok, err := s.Token(t.Context())
	require.NoError(t, err, "delivery goes on without Redis")
	require.Equal(t, "tok-1", tok.Value())
}

func TestNew_rejects(t *testing.T) {
	t.Parallel()
	rdb := redis.NewClient(&redis.Options{})
	fetch := func(context.Context) (agora.Token, error) { return agora.Token{}, errors.New("x") }
	tests := []struct {
		name    string
		rdb     redis.UniversalClient
		cfg     tokenstore.Config
		wantErr string
	}{
		{name: "no redis", cfg: tokenstore.Config{Name: "a", Fetch: fetch}, wantErr: "rdb: required"},
		{name: "no name", rdb: rdb, cfg: tokenstore.Config{Fetch: fetch}, wantErr: "Name"},
		{name: "no fetch", rdb: rdb, cfg: tokenstore.Config{Name: "a"}, wantErr: "Fetch"},
		{name: "negative", rdb: rdb, cfg: tokenstore.Config{Name: "a", Fetch: fetch, LockTTL: -1}, wantErr: "negative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := tokenstore.New(tt.rdb, tt.cfg)
			require.ErrorContains(t, err, tt.wantErr)
		})
	}
}

// countHook counts commands sent to Redis.
type countHook struct{ n *atomic.Int32 }

func (h countHook) DialHook(next redis.DialHook) redis.DialHook { return next }
func (h countHook) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error { h.n.Add(1); return next(ctx, cmd) }
}
func (h countHook) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error { h.n.Add(1); return next(ctx, cmds) }
}

func BenchmarkSource_Token(b *testing.B) {
	db := redistest.New(b)
	p := &provider{ttl: time.Hour}
	s, err := tokenstore.New(db.Client, tokenstore.Config{Name: "bench", Fetch: p.fetch})
	require.NoError(b, err)
	ctx := context.Background()
	_, err = s.Token(ctx)
	require.NoError(b, err)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := s.Token(ctx); err != nil {
				b.Fatal(err)
			}
		}
	})
}
