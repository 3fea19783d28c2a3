package dispatcher

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"github.com/chatq/chatq/agora"
	"github.com/chatq/chatq/deadletter"
	"github.com/chatq/chatq/ordering"
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
	finisher *finisher       // batched writes after a task ended well
	archived *deadLettered   // tasks just dead-lettered, for asynqLogger (log.go)
	producer *tasks.Client   // enqueues the split-off items of batches (batch.go)
	order    *ordering.Queue // settles ordered heads and promotes the next (order.go)
	orderAC  *asynq.Client   // order's asynq client, closed by Run
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
	w.orderAC = asynq.NewClient(d.Redis)
	w.order = ordering.New(d.RDB, w.orderAC)
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
		IsFailure:                IsFailure,
		RetryDelayFunc: func(n int, err error, _ *asynq.Task) time.Duration {
			return RetryDelay(err, w.policy.BackoffDelay(policy.ClassTransient, n))
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
	_ = w.orderAC.Close()
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

// ErrCredentialsRejected is reported by Worker.Ready while the provider
// rejects chatq's credentials.
var ErrCredentialsRejected = errors.New("dispatcher: credentials rejected")

// ErrCredentialsUnchecked is reported by Worker.Ready until the start check
// of the credentials (Config.CheckCredentials) has run.
var ErrCredentialsUnchecked = errors.New("dispatcher: credentials not checked yet")

// Queue modes: how the worker's asynq servers take tasks from the family
// queues.
const (
	// QueueModeWeighted is one asynq server over every queue, picking a
	// queue per dequeue by weight. Idle slots serve any family, but asynq
	// pays a Redis round trip for each empty queue it tries before a full
	// one (measured: three queues ≈ 0.8× one queue with one family busy).
	QueueModeWeighted = "weighted"
	// QueueModeDedicated is one asynq server per queue, each with the full
	// Concurrency: a dequeue never tries an empty queue of another family,
	// so the layout costs nothing per task; weights are unused and a
	// process may run up to Concurrency tasks per family at once.
	QueueModeDedicated = "dedicated"
)

// servers is the set of asynq servers a worker runs.
type servers []*asynq.Server

// newServers builds the servers of the configured queue mode.
func (w *Worker) newServers(redis asynq.RedisConnOpt) (servers, error) {
	switch w.cfg.QueueMode {
	case QueueModeWeighted:
		return servers{asynq.NewServer(redis, w.asynqConfig(w.cfg.Queues))}, nil
	case QueueModeDedicated:
		names := make([]string, 0, len(w.cfg.Queues))
		for q := range w.cfg.Queues {
			names = append(names, q)
		}
		slices.Sort(names)
		out := make(servers, 0, len(names))
		for _, q := range names {
			out = append(out, asynq.NewServer(redis, w.asynqConfig(map[string]int{q: 1})))
		}
		return out, nil
	}
	return nil, fmt.Errorf("field QueueMode: must be %q or %q, got %q", QueueModeWeighted, QueueModeDedicated, w.cfg.QueueMode)
}

// start starts every server; if one fails, those already started stop.
func (s servers) start(h asynq.Handler) error {
	for i, srv := range s {
		if err := srv.Start(h); err != nil {
			s[:i].shutdown()
			return err
		}
	}
	return nil
}

// shutdown stops the servers at once, so each gets the whole
// ShutdownTimeout for its in-flight tasks.
func (s servers) shutdown() {
	var wg sync.WaitGroup
	for _, srv := range s {
		wg.Add(1)
		go func() {
			defer wg.Done()
			srv.Shutdown()
		}()
	}
	wg.Wait()
}

// credentialHealth remembers whether the provider rejects chatq's
// credentials. A rejection is a configuration error, not a task error: it is
// logged once per interval (naming what to fix) and makes the worker not
// ready, instead of dead-lettering every task one by one.
type credentialHealth struct {
	mu sync.Mutex
	// unchecked: the start check (Config.CheckCredentials) has not run.
	unchecked bool
	rejected  bool
	since     time.Time
	reason    string
	lastLog   time.Time
	interval  time.Duration
	logger    *slog.Logger
}

func (c *credentialHealth) reject(now time.Time, reason, fix string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.rejected {
		c.rejected, c.since = true, now
	}
	c.reason = reason
	if now.Sub(c.lastLog) < c.interval {
		return
	}
	c.lastLog = now
	c.logger.Error("provider rejects chatq's credentials; tasks are deferred until they are fixed",
		slog.String("fix", fix), slog.String("reason", reason), slog.Time("since", c.since))
}

func (c *credentialHealth) accept() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.rejected {
		return
	}
	c.rejected, c.lastLog = false, time.Time{}
	c.logger.Info("provider accepts chatq's credentials again", slog.Time("rejected_since", c.since))
}

// checked records that the start check has run, whatever it found.
func (c *credentialHealth) checked() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.unchecked = false
}

// err reports the rejection, nil when the credentials are accepted.
func (c *credentialHealth) err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.unchecked {
		return ErrCredentialsUnchecked
	}
	if !c.rejected {
		return nil
	}
	return fmt.Errorf("%w since %s: %s", ErrCredentialsRejected, c.since.Format(time.RFC3339), c.reason)
}

// checkCredentials asks the token source for a token once, before the
// worker takes tasks (Config.CheckCredentials), so that credentials the
// provider rejects show at start — logged naming the variables to fix, Ready
// failing — not at the first task, and not an hour later when a token cached
// by others runs out. The policy decides as it does for a task: only a
// credentials decision marks them rejected; a provider that does not answer
// leaves the question to the first tasks. The token obtained is cached, so
// the check costs no extra request.
func (w *Worker) checkCredentials(ctx context.Context) {
	defer w.creds.checked()
	_, err := w.tokens.Token(ctx)
	switch {
	case err == nil:
		w.logger.Info("credentials checked at start: token obtained", slog.String("credentials", w.cfg.CredentialsVars))
		return
	case ctx.Err() != nil:
		return
	}
	f := failureOf(err, "")
	d := w.policy.Decide(f, 0)
	if d.Action == policy.ActionCredentials {
		w.creds.reject(w.now(), d.Reason, w.fixFor(f))
		return
	}
	w.logger.Warn("credentials not checked at start: no answer the policy decides on; the first tasks will tell",
		slog.String("action", d.Action.String()), slog.Any("err", err))
}
