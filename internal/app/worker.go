package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"github.com/chatq/chatq/agora"
	"github.com/chatq/chatq/deadletter"
	"github.com/chatq/chatq/dispatcher"
	"github.com/chatq/chatq/ordering"
	"github.com/chatq/chatq/taskstatus"
	"github.com/chatq/chatq/throttle"
)

// Deps are the worker's connections and optional seams.
type Deps struct {
	// Redis is where asynq's queues live. Required.
	Redis asynq.RedisConnOpt
	// RDB is a client on the same Redis, for chatq's own keys. Required.
	RDB redis.UniversalClient
	// Logger, optional, receives structured logs; nil discards them.
	Logger *slog.Logger
	// Observer, optional, sees every decision (metrics, progress).
	Observer dispatcher.Observer

	// HTTPClient, optional, carries the provider calls; nil: chatq's
	// transport (agora.NewTransport) with a connection per call slot.
	HTTPClient *http.Client
	// Tokens, optional, builds the token source from the REST client; nil:
	// one token per credentials, shared by the fleet through Redis.
	Tokens func(api *agora.Client) (agora.TokenSource, error)
	// DeadLetters, optional, is the dead-letter store; nil: one on RDB.
	DeadLetters *deadletter.Store
	// OnFinished, optional, is called after the resolver has noted a task
	// that ended well (dispatcher.Deps.OnFinished); it must not block.
	OnFinished func(taskID string)
}

// Worker is a wired chatq worker: the dispatcher and the collaborators
// the operations endpoints read. Run runs it with its dead-letter loops.
type Worker struct {
	*dispatcher.Worker
	// API is the REST client; Tokens its token source.
	API    *agora.Client
	Tokens agora.TokenSource
	// DeadLetters is the store; Resolver marks a dead letter resolved when
	// its task, run again from asynqmon, ends well.
	DeadLetters *deadletter.Store
	Resolver    *deadletter.Resolver
	// Throttle is nil when Config.Throttle is.
	Throttle *throttle.Throttle
	// Transport carries every provider call (its counters feed metrics);
	// nil when Deps.HTTPClient was given.
	Transport *agora.Transport

	reconcile deadletter.ReconcilerParams // Inspector is set by Run; zero Store: no reconciler
	sweep     ordering.SweeperParams      // Inspector and Queue are set by Run; zero Interval: no sweeper
	conn      asynq.RedisConnOpt
	rdb       redis.UniversalClient
}

// New builds a worker from cfg and deps; Run starts it. Errors in cfg are
// *ConfigError.
func New(cfg Config, deps Deps) (*Worker, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(deps.Tokens == nil); err != nil {
		return nil, fmt.Errorf("app: %w", err)
	}
	if deps.Redis == nil || deps.RDB == nil {
		return nil, errors.New("app: deps: Redis and RDB are required")
	}
	logger := deps.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	w := &Worker{conn: deps.Redis, rdb: deps.RDB}
	api, err := w.newAPI(cfg, deps)
	if err != nil {
		return nil, err
	}
	if err := w.newTokens(cfg, deps, api, logger); err != nil {
		return nil, err
	}
	if err := w.newThrottle(cfg, deps.RDB, logger); err != nil {
		return nil, err
	}
	p := cfg.Policy
	if p == nil {
		if p, err = NewPolicy(PolicyConfig{}); err != nil {
			return nil, err
		}
	}
	w.newDeadLetters(cfg, deps, logger)
	w.newSweeper(cfg, deps.RDB, logger)
	d := dispatcher.Deps{
		Redis: deps.Redis, RDB: deps.RDB, API: api, Tokens: w.Tokens, Policy: p,
		DeadLetters: w.DeadLetters, Logger: logger, Observer: deps.Observer,
		OnFinished: w.onFinished(deps.OnFinished),
	}
	if w.Throttle != nil {
		d.Throttle = w.Throttle // a nil *throttle.Throttle would be a non-nil interface
	}
	if w.Worker, err = dispatcher.New(cfg.Worker, d); err != nil {
		return nil, err
	}
	return w, nil
}

// newAPI builds the REST client on chatq's transport, sized to the calls
// the worker makes at once: Concurrency, times the queues in dedicated
// mode (each queue its own slots), plus one for the token request.
func (w *Worker) newAPI(cfg Config, deps Deps) (*agora.Client, error) {
	hc := deps.HTTPClient
	if hc == nil {
		slots := cfg.Worker.Slots()
		tr, err := agora.NewTransport(agora.TransportConfig{MaxConns: slots + 1, CAFile: cfg.APICAFile,
			ResponseHeaderTimeout: cfg.HTTPTimeout})
		if err != nil {
			return nil, &ConfigError{Field: "APICAFile", Err: err}
		}
		w.Transport, hc = tr, &http.Client{Transport: tr}
	}
	api, err := agora.New(agora.Config{BaseURL: cfg.APIURL, AppKey: cfg.AppKey, Timeout: cfg.HTTPTimeout, HTTPClient: hc,
		Dialect: cfg.Dialect})
	if err != nil {
		return nil, &ConfigError{Field: "APIURL / AppKey", Err: err}
	}
	w.API = api.WithSecrets(cfg.ClientSecret, cfg.AppCertificate) // whichever pair is set
	return w.API, nil
}

func (w *Worker) newTokens(cfg Config, deps Deps, api *agora.Client, logger *slog.Logger) error {
	if deps.Tokens != nil {
		src, err := deps.Tokens(api)
		if err != nil {
			return fmt.Errorf("app: tokens: %w", err)
		}
		w.Tokens = src
		return nil
	}
	src, err := cfg.credentials().tokenSource(cfg.AppKey, api, deps.RDB, logger)
	if err != nil {
		return err
	}
	w.Tokens = src
	return nil
}

func (w *Worker) newThrottle(cfg Config, rdb redis.UniversalClient, logger *slog.Logger) error {
	if cfg.Throttle == nil {
		return nil
	}
	tc := *cfg.Throttle
	if tc.Logger == nil {
		tc.Logger = logger
	}
	th, err := throttle.New(rdb, tc)
	if err != nil {
		return fmt.Errorf("throttle: %w", err)
	}
	w.Throttle = th
	return nil
}

func (w *Worker) newDeadLetters(cfg Config, deps Deps, logger *slog.Logger) {
	dl := cfg.DeadLetters
	w.DeadLetters = deps.DeadLetters
	if w.DeadLetters == nil {
		w.DeadLetters = deadletter.New(deps.RDB, deadletter.Config{AuditMaxLen: dl.AuditMaxEntries})
	}
	w.Resolver = deadletter.NewResolver(deadletter.ResolverParams{Store: w.DeadLetters, Interval: dl.ResolveInterval,
		Logger: logger})
	if dl.ReconcileInterval > 0 {
		w.reconcile = deadletter.ReconcilerParams{
			Store: w.DeadLetters, Interval: dl.ReconcileInterval, Retention: dl.Retention,
			MaxPayloadBytes: cfg.Worker.MaxPayloadBytes, Logger: logger,
		}
	}
}

// newSweeper keeps the order sweeper's parameters; Run starts it.
func (w *Worker) newSweeper(cfg Config, rdb redis.UniversalClient, logger *slog.Logger) {
	if cfg.Order.SweepInterval < 0 {
		return
	}
	w.sweep = ordering.SweeperParams{
		Interval: cfg.Order.SweepInterval, Grace: cfg.Order.Grace, OnDeadLetter: cfg.Worker.OrderOnDeadLetter,
		Logger: logger,
		DeadLettered: func(ctx context.Context, id string) (bool, error) {
			_, err := w.DeadLetters.Get(ctx, id)
			if errors.Is(err, deadletter.ErrNotFound) {
				return false, nil
			}
			return err == nil, err
		},
		Delivered: func(ctx context.Context, id string) (bool, error) {
			n, err := rdb.Exists(ctx, taskstatus.DeliveredKey(id)).Result()
			return n > 0, err
		},
	}
	if w.sweep.Interval == 0 {
		w.sweep.Interval = 10 * time.Second
	}
}

// onFinished notes a task that ended well for the resolver, then calls next.
func (w *Worker) onFinished(next func(string)) func(string) {
	if next == nil {
		return w.Resolver.Note
	}
	return func(id string) { w.Resolver.Note(id); next(id) }
}

// Run starts the dead-letter resolver and reconciler, runs the dispatcher
// until ctx is done, and stops the loops after the dispatcher has stopped,
// so that the resolver checks the last tasks too.
func (w *Worker) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	w.Resolver.Start(&wg)
	var insp *asynq.Inspector
	if w.reconcile.Store != nil || w.sweep.Interval > 0 {
		insp = asynq.NewInspector(w.conn)
	}
	var rec *deadletter.Reconciler
	if w.reconcile.Store != nil {
		p := w.reconcile
		p.Inspector = insp
		rec = deadletter.NewReconciler(p)
		rec.Start(&wg)
	}
	var sw *ordering.Sweeper
	if w.sweep.Interval > 0 {
		ac := asynq.NewClient(w.conn)
		defer func() { _ = ac.Close() }()
		p := w.sweep
		p.Inspector, p.Queue = insp, ordering.New(w.rdb, ac)
		sw = ordering.NewSweeper(p)
		sw.Start(&wg)
	}
	err := w.Worker.Run(ctx)
	if rec != nil {
		rec.Shutdown()
	}
	if sw != nil {
		sw.Shutdown()
	}
	w.Resolver.Shutdown()
	wg.Wait()
	if insp != nil {
		_ = insp.Close()
	}
	return err
}
