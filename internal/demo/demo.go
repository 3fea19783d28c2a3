package demo

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/chatq/chatq/internal/app"
	"github.com/chatq/chatq/sandbox"
	"github.com/chatq/chatq/tasks"
)

// Config is a demo run.
type Config struct {
	// Worker is the production worker configuration. The demo points it at
	// its sandbox with the sandbox's credentials and makes it fast (polls,
	// concurrency, shutdown, HTTP timeout); everything else, the throttle
	// included, runs as configured.
	Worker app.Config
	// Policy is the production policy configuration (its overrides); the
	// demo shortens the transient backoff to 100ms..1s.
	Policy app.PolicyConfig
	// Limits are the producer's payload limits.
	Limits tasks.Limits
	// Redis is where the demo runs (OpenRedis). Required.
	Redis *Redis
	// Timeout bounds the workload: the demo fails if it has not settled by
	// then. Default 2m.
	Timeout time.Duration
	// Linger keeps the worker (and the monitor) up this long after the
	// report, or until ctx ends.
	Linger time.Duration
	// Logger, optional, receives the worker's decision log; nil discards it.
	Logger *slog.Logger
	// Monitor, optional, serves the web UI over the demo's Redis while the
	// demo runs; it returns the function that stops it.
	Monitor func(ctx context.Context, r *Redis, w *app.Worker) (stop func(), err error)
	// Out receives the progress and the report. Required.
	Out io.Writer
}

// Credentials the demo's sandbox accepts and its worker uses.
const (
	ClientID     = "sandbox-client-id"
	ClientSecret = "sandbox-client-secret"
)

// Run runs the demo: sandbox, worker, workload, report.
func Run(ctx context.Context, cfg Config) error {
	if cfg.Timeout <= 0 {
		cfg.Timeout = 2 * time.Minute
	}
	ctx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	defer cancel()

	sb := sandbox.New(sandboxConfig())
	seed(sb)
	apiURL, stopSandbox, err := serveLoopback(sb)
	if err != nil {
		return err
	}
	defer stopSandbox()
	fmt.Fprintf(cfg.Out, "sandbox provider on %s, Redis %s\n", apiURL, cfg.Redis.Describe)

	tally := newTally()
	w, err := newWorker(cfg, apiURL, tally)
	if err != nil {
		return err
	}
	wctx, stopWorker := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(wctx) }()
	defer func() { stopWorker(); <-done }()
	if cfg.Monitor != nil {
		stopMonitor, err := cfg.Monitor(ctx, cfg.Redis, w)
		if err != nil {
			return err
		}
		defer stopMonitor()
	}

	wl := &workload{sb: sb, tally: tally, producer: tasks.NewClient(cfg.Redis.Conn, tasks.ClientConfig{Limits: cfg.Limits}), redis: cfg.Redis}
	defer wl.producer.Close()
	if err := wl.run(ctx, cfg.Out); err != nil {
		return err
	}
	if err := printReport(ctx, cfg.Out, tally, w.DeadLetters, sb); err != nil {
		return err
	}
	return linger(ctx, cfg.Out, cfg.Linger)
}

func sandboxConfig() sandbox.Config {
	return sandbox.Config{
		ClientID: ClientID, ClientSecret: ClientSecret,
		// The current provider docs say 5 KB for body+ext; chatq's own
		// default limit is the 40 KB of the status-code page, so a 10 KB
		// message passes chatq and is refused by the provider.
		MaxMessageBytes: 5 * 1024,
	}
}

// newWorker builds the production worker (app.New) against the sandbox,
// with client_credentials shared through Redis like a real fleet's token.
func newWorker(cfg Config, apiURL string, obs *tally) (*app.Worker, error) {
	pc := cfg.Policy
	pc.RetryBaseDelay, pc.RetryMaxDelay = 100*time.Millisecond, time.Second
	p, err := app.NewPolicy(pc)
	if err != nil {
		return nil, err
	}
	wc := cfg.Worker
	wc.APIURL, wc.AppKey, wc.APICAFile, wc.HTTPTimeout = apiURL, "org#app", "", 2*time.Second
	wc.ClientID, wc.ClientSecret, wc.AppID, wc.AppCertificate = ClientID, ClientSecret, "", ""
	wc.Policy = p
	wc.Worker.PollInterval, wc.Worker.Concurrency, wc.Worker.ShutdownTimeout = 50*time.Millisecond, 10, 2*time.Second
	return app.New(wc, app.Deps{Redis: cfg.Redis.Conn, RDB: cfg.Redis.RDB, Logger: cfg.Logger, Observer: obs})
}
