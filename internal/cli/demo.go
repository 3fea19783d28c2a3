package cli

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/spf13/cobra"

	"github.com/chatq/chatq/agora"
	"github.com/chatq/chatq/deadletter"
	"github.com/chatq/chatq/dispatcher"
	"github.com/chatq/chatq/sandbox"
	"github.com/chatq/chatq/tasks"
)

type demoFlags struct {
	redis   string
	timeout time.Duration
	verbose bool
	monitor bool          // serve the monitor (also CHATQ_MONITOR_ENABLED)
	linger  time.Duration // keep serving after the report
}

func newDemoCmd(env Env) *cobra.Command {
	var f demoFlags
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Run the sandbox provider, a worker and a producer in one process and show every outcome",
		Long: `Run chatq end to end on embedded defaults: the sandbox provider on a loopback
port, a worker, and a producer that enqueues a workload making every action
happen (delivered, done, retried, deferred, token refreshed, dead-lettered).

Redis: database 15 of CHATQ_REDIS_URL's server when it answers and holds
nothing but earlier demo data; otherwise an in-process miniredis.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runDemo(cmd.Context(), env, f)
		},
	}
	cmd.Flags().StringVar(&f.redis, "redis", "", `Redis URL to use as is, or "memory" for miniredis (default: database 15 of CHATQ_REDIS_URL)`)
	cmd.Flags().DurationVar(&f.timeout, "timeout", 2*time.Minute, "give up if the workload has not settled by then")
	cmd.Flags().BoolVar(&f.verbose, "verbose", false, "print the worker's decision log")
	cmd.Flags().BoolVar(&f.monitor, "monitor", false, "serve the web UI on CHATQ_MONITOR_ADDR while the demo runs")
	cmd.Flags().DurationVar(&f.linger, "linger", 0, "after the report, keep the worker and the UI up this long (or until interrupted)")
	return cmd
}

func runDemo(ctx context.Context, env Env, f demoFlags) error {
	c, err := loadConfig()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, f.timeout)
	defer cancel()

	rd, err := openDemoRedis(ctx, env, c.RedisURL, f.redis)
	if err != nil {
		return err
	}
	defer rd.close()

	sb := sandbox.New(demoSandboxConfig())
	seedDemo(sb)
	apiURL, stopSandbox, err := serveLoopback(sb)
	if err != nil {
		return err
	}
	defer stopSandbox()
	fmt.Fprintf(env.Stdout, "sandbox provider on %s, Redis %s\n", apiURL, rd.describe)

	tally := newTally()
	w, err := newDemoWorker(c, env, f, apiURL, rd, tally)
	if err != nil {
		return err
	}
	wctx, stopWorker := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(wctx) }()
	defer func() { stopWorker(); <-done }()
	if f.monitor || c.MonitorEnabled {
		stopMonitor, err := startDemoMonitor(ctx, env, c, rd, w)
		if err != nil {
			return err
		}
		defer stopMonitor()
	}

	wl := &workload{sb: sb, tally: tally, producer: tasks.NewClient(rd.conn, tasks.ClientConfig{Limits: c.limits()}), redis: rd}
	defer wl.producer.Close()
	if err := wl.run(ctx, env.Stdout); err != nil {
		return err
	}
	if err := printReport(ctx, env.Stdout, tally, deadletter.NewStore(rd.rdb), sb); err != nil {
		return err
	}
	return linger(ctx, env, f.linger)
}

func demoSandboxConfig() sandbox.Config {
	return sandbox.Config{
		ClientID: demoClientID, ClientSecret: demoClientSecret,
		Dialect: sandbox.DialectAgora,
		// Stricter than the documented 5 KB chatq checks (a plan's own
		// limit), so a 4.5 KB message passes chatq and the provider
		// refuses it: the demo shows a provider-side payload fault.
		MaxMessageBytes: 4 * 1024,
	}
}

const (
	demoClientID     = "sandbox-client-id"
	demoClientSecret = "sandbox-client-secret"
)

func newDemoWorker(c Config, env Env, f demoFlags, apiURL string, rd *demoRedis, obs dispatcher.Observer) (*dispatcher.Worker, error) {
	c.APIURL, c.AppKey, c.ClientID, c.ClientSecret = apiURL, "org#app", demoClientID, demoClientSecret
	c.Provider = sandbox.DialectAgora // the demo sandbox's dialect, whatever the credentials suggest
	c.PollInterval = 50 * time.Millisecond
	c.RetryBaseDelay, c.RetryMaxDelay = 100*time.Millisecond, time.Second
	c.Concurrency = 10
	p, err := newPolicy(c)
	if err != nil {
		return nil, err
	}
	api, err := agora.New(agora.Config{BaseURL: apiURL, AppKey: c.AppKey, Timeout: 2 * time.Second})
	if err != nil {
		return nil, err
	}
	logger := slog.New(slog.DiscardHandler)
	if f.verbose {
		logger = newLogger(c, env.Stderr)
	}
	// client_credentials against the in-process sandbox, shared through
	// Redis like a real fleet's token.
	c.AppID, c.AppCertificate = "", ""
	tokens, err := newTokenSource(c, api, rd.rdb, logger)
	if err != nil {
		return nil, err
	}
	cfg := workerConfig(c)
	cfg.ShutdownTimeout = 2 * time.Second
	return dispatcher.New(cfg, dispatcher.Deps{
		Redis: rd.conn, RDB: rd.rdb, API: api, Tokens: tokens, Policy: p,
		DeadLetters: deadletter.NewStore(rd.rdb), Logger: logger, Observer: obs,
	})
}

// serveLoopback serves h on a free loopback port.
func serveLoopback(h http.Handler) (string, func(), error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, fmt.Errorf("listen on loopback: %w", err)
	}
	hs := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = serveUntilDone(ctx, hs, ln); close(done) }()
	return "http://" + ln.Addr().String(), func() { cancel(); <-done }, nil
}
