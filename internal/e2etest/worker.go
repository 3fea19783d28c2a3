package e2etest

import (
	"context"
	"log/slog"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/chatq/chatq/agora"
	"github.com/chatq/chatq/dispatcher"
	"github.com/chatq/chatq/internal/app"
	"github.com/chatq/chatq/throttle"
	"github.com/chatq/chatq/tokenstore"
)

// Worker is one worker "process" of a fleet, built as chatq worker builds
// one (app.New).
type Worker struct {
	*app.Worker
	// Credentials is set for ClientCredentials tokens, Shared for shared
	// ones; Throttle when Options.Throttle was set.
	Credentials *agora.ClientCredentials
	Shared      *tokenstore.Source
	Throttle    *throttle.Throttle

	t    *testing.T
	stop func()
}

// AddWorker builds a worker from the fleet's options changed by opts and
// starts it unless NoStart; it stops at the end of the test.
func (f *Fleet) AddWorker(opts ...Option) *Worker {
	t := f.T
	t.Helper()
	o := f.defaults
	o.Observers = append([]dispatcher.Observer(nil), o.Observers...)
	for _, opt := range opts {
		opt(&o)
	}
	w := &Worker{t: t}
	logger := slog.New(slog.NewJSONHandler(f.Logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	rdb := f.RDB
	if o.OwnRedisClient {
		rdb = f.newRDB()
	}
	cfg := app.Config{
		APIURL: f.URL, AppKey: AppKey, HTTPTimeout: o.HTTPTimeout, Dialect: o.Dialect, Worker: o.Worker, Policy: o.Policy,
		Throttle: o.Throttle,
		// A test worker holds both pairs, and its logs are checked for both.
		ClientID: ClientID, ClientSecret: ClientSecret, AppID: AppID, AppCertificate: AppCertificate,
		// The reconciler's first pass would import archived tasks while
		// tests look at them; deadletter's own tests drive it.
		DeadLetters: app.DeadLetterConfig{ReconcileInterval: -1, ResolveInterval: 10 * time.Millisecond},
		Order:       o.Order,
	}
	if cfg.Policy == nil {
		p, err := FastPolicy(o.MaxRetryAfter)
		require.NoError(t, err)
		cfg.Policy = p
	}
	deps := app.Deps{Redis: f.Opt, RDB: rdb, Logger: logger, Observer: observers(append(o.Observers, f.Events)),
		DeadLetters: o.Store, OnFinished: o.OnFinished,
		Tokens: func(api *agora.Client) (agora.TokenSource, error) { return w.tokens(o, api, rdb, logger), nil }}
	if o.IdleConnsPerHost > 0 {
		deps.HTTPClient = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: o.IdleConnsPerHost}}
	}
	var err error
	w.Worker, err = app.New(cfg, deps)
	require.NoError(t, err)
	w.Throttle = w.Worker.Throttle
	if !o.NoStart {
		w.Start()
	}
	return w
}

func (w *Worker) tokens(o Options, api *agora.Client, rdb redis.UniversalClient, logger *slog.Logger) agora.TokenSource {
	t := w.t
	t.Helper()
	fetch := o.Fetch
	switch {
	case fetch != nil:
	case o.Tokens == SharedClientCredentials:
		fetch = ClientCredentialsFetch
	case o.Tokens == SharedAppTokens:
		fetch = AppTokenFetch(AppCertificate)
	default:
		cc, err := agora.NewClientCredentials(api, agora.ClientCredentialsConfig{
			ClientID: ClientID, ClientSecret: ClientSecret, FailureCooldown: time.Millisecond})
		require.NoError(t, err)
		w.Credentials = cc
		return cc
	}
	fn, name, err := fetch(api)
	require.NoError(t, err)
	src, err := tokenstore.New(rdb, tokenstore.Config{Name: name, Fetch: fn, Logger: logger})
	require.NoError(t, err)
	w.Shared = src
	return src
}

// Start runs the worker until the test ends or Stop is called.
func (w *Worker) Start() {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = w.Run(ctx)
	}()
	var once sync.Once
	w.stop = func() { once.Do(func() { cancel(); <-done }) }
	w.t.Cleanup(w.stop)
}

// Stop cancels the worker's context and waits for Run to return, as
// SIGTERM does in chatq worker.
func (w *Worker) Stop() {
	if w.stop != nil {
		w.stop()
	}
}

// observers fans an event out in order.
type observers []dispatcher.Observer

func (o observers) Observe(e dispatcher.Event) {
	for _, x := range o {
		x.Observe(e)
	}
}
