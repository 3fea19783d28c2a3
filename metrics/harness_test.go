package metrics_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/chatq/chatq/agora"
	"github.com/chatq/chatq/deadletter"
	"github.com/chatq/chatq/dispatcher"
	"github.com/chatq/chatq/internal/redistest"
	"github.com/chatq/chatq/metrics"
	"github.com/chatq/chatq/policy"
	"github.com/chatq/chatq/sandbox"
	"github.com/chatq/chatq/tasks"
)

const (
	testClientID     = "metrics-client-id"
	testClientSecret = "metrics-client-secret-5c4b"
	waitTimeout      = 20 * time.Second
)

// testBundle is a real worker on a leased Redis database against the
// sandbox over HTTP, observed by Metrics.
type testBundle struct {
	db       *redistest.DB
	sb       *sandbox.Server
	worker   *dispatcher.Worker
	metrics  *metrics.Metrics
	tokens   *agora.ClientCredentials
	store    *deadletter.Store
	producer *tasks.Client
	finals   *finalCounter
}

func setup(t *testing.T) *testBundle {
	t.Helper()
	b := &testBundle{db: redistest.New(t), finals: &finalCounter{signal: make(chan struct{})}}
	b.sb = sandbox.New(sandbox.Config{ClientID: testClientID, ClientSecret: testClientSecret})
	srv := httptest.NewServer(b.sb)
	t.Cleanup(srv.Close)
	api, err := agora.New(agora.Config{BaseURL: srv.URL, AppKey: "org#app", Timeout: 2 * time.Second})
	require.NoError(t, err)
	b.tokens, err = agora.NewClientCredentials(api, agora.ClientCredentialsConfig{
		ClientID: testClientID, ClientSecret: testClientSecret, FailureCooldown: time.Millisecond})
	require.NoError(t, err)
	fast := policy.Backoff{Base: 10 * time.Millisecond, Max: 40 * time.Millisecond, Multiplier: 2}
	p, err := policy.New(policy.Config{Backoff: map[policy.Class]policy.Backoff{
		policy.ClassTransient: fast, policy.ClassSlow: fast}})
	require.NoError(t, err)
	b.store = deadletter.NewStore(b.db.Client)
	b.metrics = metrics.New(p.Table())
	b.worker, err = dispatcher.New(dispatcher.Config{
		Concurrency: 5, PollInterval: 20 * time.Millisecond, ShutdownTimeout: 3 * time.Second,
		DeferMaxAttempts: 5, DeferMaxAge: time.Minute, CredentialsLogInterval: time.Hour,
	}, dispatcher.Deps{
		Redis: b.db.Opt, RDB: b.db.Client, API: api, Tokens: b.tokens, Policy: p, DeadLetters: b.store,
		Observer: observers{b.metrics, b.finals}, Logger: slog.New(slog.DiscardHandler),
	})
	require.NoError(t, err)
	b.producer = tasks.NewClient(b.db.Opt, tasks.ClientConfig{})
	t.Cleanup(func() { _ = b.producer.Close() })
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = b.worker.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	return b
}

// send enqueues a txt message to erin whose text is marker.
func (b *testBundle) send(t *testing.T, marker string) {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"msg": marker})
	_, err := b.producer.SendMessage(context.Background(),
		tasks.SendMessage{Target: "users", To: []string{"erin"}, Type: "txt", Body: body})
	require.NoError(t, err)
}

type observers []dispatcher.Observer

func (o observers) Observe(e dispatcher.Event) {
	for _, x := range o {
		x.Observe(e)
	}
}

// finalCounter counts tasks that ended, so tests can wait for n of them.
type finalCounter struct {
	mu     sync.Mutex
	n      int
	signal chan struct{}
}

func (f *finalCounter) Observe(e dispatcher.Event) {
	if !e.Outcome.Final() {
		return
	}
	f.mu.Lock()
	f.n++
	close(f.signal)
	f.signal = make(chan struct{})
	f.mu.Unlock()
}

func (f *finalCounter) wait(t *testing.T, n int) {
	t.Helper()
	deadline := time.After(waitTimeout)
	for {
		f.mu.Lock()
		got, sig := f.n, f.signal
		f.mu.Unlock()
		if got >= n {
			return
		}
		select {
		case <-sig:
		case <-deadline:
			t.Fatalf("%d of %d tasks ended within %s", got, n, waitTimeout)
		}
	}
}
