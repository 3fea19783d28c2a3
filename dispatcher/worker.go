package dispatcher

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"github.com/chatq/chatq/agora"
	"github.com/chatq/chatq/deadletter"
	"github.com/chatq/chatq/policy"
	"github.com/chatq/chatq/tasks"
)

// Deps are the worker's collaborators. All are required but Logger.
type Deps struct {
	// Redis is where asynq's queues live.
	Redis asynq.RedisConnOpt
	// RDB is a client on the same Redis, for chatq's own keys.
	RDB         redis.UniversalClient
	API         *agora.Client
	Tokens      agora.TokenSource
	Policy      *policy.Policy
	DeadLetters *deadletter.Store
	// Logger receives structured logs; nil discards them.
	Logger *slog.Logger
	// Observer, optional, sees every decision (metrics, progress).
	Observer Observer
	// Throttle, optional, gates calls fleet-wide (rate limits, pause on
	// 429, circuit breakers); nil = none.
	Throttle Throttle
	// OnFinished, optional, is called with the id of every task that ended
	// well (delivered or done). It must not block: chatq passes
	// deadletter.Resolver.Note, which marks dead letters run again from
	// asynqmon resolved without a Redis round trip on this path.
	OnFinished func(taskID string)
}

// Worker is one chatq worker process: an asynq server with chatq's handler.
type Worker struct {
	cfg      Config
	api      *agora.Client
	tokens   agora.TokenSource
	policy   *policy.Policy
	dead     *deadletter.Store
	logger   *slog.Logger
	state    *failureState
	creds    *credentialHealth
	observer Observer
	throttle Throttle
	finished func(taskID string) // Deps.OnFinished
	srvs     servers
	finisher *finisher     // batched writes after a task ended well
	archived *deadLettered // tasks just dead-lettered, for asynqLogger (log.go)
	producer *tasks.Client // enqueues the split-off items of batches (split.go)
	now      func() time.Time
	stopping atomic.Bool
}

// New validates cfg and deps and builds a worker; Run starts it.
func New(cfg Config, d Deps) (*Worker, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, fmt.Errorf("dispatcher: config: %w", err)
	}
	if err := d.validate(); err != nil {
		return nil, fmt.Errorf("dispatcher: deps: %w", err)
	}
	logger := d.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	w := &Worker{
		cfg: cfg, api: d.API, tokens: d.Tokens, policy: d.Policy, dead: d.DeadLetters,
		logger: logger, now: time.Now, observer: d.Observer, throttle: d.Throttle, finished: d.OnFinished,
		state: &failureState{rdb: d.RDB, ttl: cfg.DeferMaxAge + 24*time.Hour},
		creds: &credentialHealth{interval: cfg.CredentialsLogInterval, logger: logger, unchecked: cfg.CheckCredentials},
	}
	w.finisher = newFinisher(d.RDB, logger, cfg.DeliveredTTL)
	w.archived = newDeadLettered()
	srvs, err := w.newServers(d.Redis)
	if err != nil {
		return nil, fmt.Errorf("dispatcher: config: %w", err)
	}
	w.srvs = srvs
	w.producer = tasks.NewClient(d.Redis, tasks.ClientConfig{Limits: cfg.Limits, Redis: d.RDB})
	return w, nil
}

func (d Deps) validate() error {
	var errs []error
	for _, f := range []struct {
		name    string
		missing bool
	}{
		{"Redis", d.Redis == nil}, {"RDB", d.RDB == nil}, {"API", d.API == nil}, {"Tokens", d.Tokens == nil},
		{"Policy", d.Policy == nil}, {"DeadLetters", d.DeadLetters == nil},
	} {
		if f.missing {
			errs = append(errs, fmt.Errorf("field %s: required", f.name))
		}
	}
	return errors.Join(errs...)
}

func (w *Worker) asynqConfig(queues map[string]int) asynq.Config {
	return asynq.Config{
		Concurrency:              w.cfg.Concurrency,
		Queues:                   queues,
		TaskCheckInterval:        w.cfg.PollInterval,
		DelayedTaskCheckInterval: w.cfg.PollInterval,
		ShutdownTimeout:          w.cfg.ShutdownTimeout,
		IsFailure:                policy.IsFailure,
		RetryDelayFunc: func(n int, err error, _ *asynq.Task) time.Duration {
			return policy.RetryDelay(err, w.policy.BackoffDelay(policy.ClassTransient, n))
		},
		Logger:   asynqLogger{l: w.logger, dead: w.archived},
		LogLevel: asynqLevel(w.logger),
	}
}

// Handler returns the asynq handler for every chatq task type. Tasks of an
// unknown type are dead-lettered, not retried forever.
func (w *Worker) Handler() asynq.Handler {
	mux := asynq.NewServeMux()
	for _, typ := range tasks.Types() {
		mux.Handle(typ, taskHandler{w})
	}
	return asynq.HandlerFunc(func(ctx context.Context, t *asynq.Task) error {
		if h, pattern := mux.Handler(t); pattern != "" {
			return h.ProcessTask(ctx, t)
		}
		r := newRun(ctx, t)
		return w.deadLetter(ctx, r, verdict{
			decision: policy.Decision{Action: policy.ActionDeadLetter, Rule: unknownTypeRule},
			reason:   fmt.Sprintf("unknown task type %q", t.Type()),
		})
	})
}

// Run starts the worker and blocks until ctx is done, then shuts down
// gracefully: in-flight tasks get ShutdownTimeout to finish, and asynq puts
// back in their queue the ones that do not, so nothing is lost.
func (w *Worker) Run(ctx context.Context) error {
	finishCtx, stopFinisher := context.WithCancel(context.Background())
	w.finisher.start(finishCtx)
	defer func() { stopFinisher(); w.finisher.wait() }()
	if w.cfg.CheckCredentials {
		w.checkCredentials(ctx)
	}
	if err := w.srvs.start(w.Handler()); err != nil {
		return fmt.Errorf("dispatcher: start: %w", err)
	}
	w.logger.Info("worker started", "concurrency", w.cfg.Concurrency, "queues", w.cfg.Queues,
		"queue_mode", w.cfg.QueueMode, "worker", w.cfg.WorkerName)
	<-ctx.Done()
	w.stopping.Store(true)
	w.logger.Info("worker stopping", "shutdown_timeout", w.cfg.ShutdownTimeout)
	w.srvs.shutdown()
	_ = w.producer.Close()
	w.logger.Info("worker stopped")
	return nil
}

// Ready reports whether the worker can deliver: not shutting down, the
// start check of the credentials done (Config.CheckCredentials) and the
// provider accepting them.
func (w *Worker) Ready() error {
	if w.stopping.Load() {
		return errors.New("dispatcher: shutting down")
	}
	return w.creds.err()
}

// Name is the worker's name (Config.WorkerName, default host:pid), as its
// dead letters and published settings carry it.
func (w *Worker) Name() string { return w.cfg.WorkerName }

func defaultWorkerName() string {
	host, err := os.Hostname()
	if err != nil {
		host = "unknown"
	}
	return host + ":" + strconv.Itoa(os.Getpid())
}
