package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"github.com/chatq/chatq/console"
	"github.com/chatq/chatq/deadletter"
	"github.com/chatq/chatq/internal/app"
	"github.com/chatq/chatq/metrics"
	"github.com/chatq/chatq/monitor"
	"github.com/chatq/chatq/ordering"
	"github.com/chatq/chatq/policy"
)

// ops is what a worker process exposes besides its work.
type ops struct {
	metrics *metrics.Metrics
	worker  *app.Worker
	rdb     redis.UniversalClient
	conn    asynq.RedisConnOpt
	table   *policy.Table
	logger  *slog.Logger
}

// startOps serves /metrics, /healthz and /readyz on CHATQ_METRICS_ADDR,
// when CHATQ_MONITOR_ENABLED the monitor on CHATQ_MONITOR_ADDR, and when
// CHATQ_INGEST_ENABLED the ingest API on CHATQ_INGEST_ADDR. The returned
// function stops them.
func startOps(ctx context.Context, env Env, c Config, o ops) (stop func(), err error) {
	var stops []func()
	stop = func() {
		for i := len(stops) - 1; i >= 0; i-- {
			stops[i]()
		}
	}
	defer func() {
		if err != nil {
			stop()
		}
	}()
	if c.MetricsAddr != "" {
		s, err := startMetrics(ctx, env, c, o)
		if err != nil {
			return stop, err
		}
		stops = append(stops, s)
	}
	if c.MonitorEnabled {
		s, _, err := startMonitor(ctx, env, c, o)
		if err != nil {
			return stop, err
		}
		stops = append(stops, s)
	}
	if c.IngestEnabled {
		s, err := startIngest(ctx, env, c, o.logger, o.conn, o.rdb, o.metrics.Registry())
		if err != nil {
			return stop, err
		}
		stops = append(stops, s)
	}
	return stop, nil
}

func startMetrics(ctx context.Context, env Env, c Config, o ops) (func(), error) {
	m := o.metrics
	m.AddDeadLetters(o.worker.DeadLetters, 0)
	m.AddOrder(ordering.New(o.rdb, nil), 0)
	if ts, ok := o.worker.Tokens.(metrics.TokenStater); ok {
		m.AddTokens(ts)
	}
	m.AddReady(o.worker.Ready)
	if o.worker.Transport != nil {
		m.AddConnections(o.worker.Transport.Stats())
	}
	closeQueues := m.AddQueues(o.conn)
	h := metrics.NewHealth(0)
	h.Add("redis", func(ctx context.Context) error { return pingRedis(ctx, o.rdb) })
	h.Add("worker", func(context.Context) error { return o.worker.Ready() })
	if o.worker.Throttle != nil {
		m.AddThrottle(o.worker.Throttle.Snapshot)
		// Names each family whose circuit is open; a detail, not a failure:
		// during a provider outage the worker is healthy and deferring.
		h.AddDetail("breakers", o.worker.Throttle.Check)
	}
	addr, stop, err := serveOn(ctx, c.MetricsAddr, metrics.Mux(m, h))
	if err != nil {
		_ = closeQueues()
		return nil, fmt.Errorf("CHATQ_METRICS_ADDR: %w", err)
	}
	fmt.Fprintf(env.Stdout, "metrics on http://%s/metrics (health: /healthz, /readyz)\n", addr)
	return func() { stop(); _ = closeQueues() }, nil
}

// startMonitor serves the monitor; it returns the UI's URL.
func startMonitor(ctx context.Context, env Env, c Config, o ops) (func(), string, error) {
	mc := monitorConfig(c, o.conn)
	mc.Rules = o.table.Rules()
	if o.worker != nil {
		mc.DeadLetters, mc.Ready = o.worker.DeadLetters, o.worker.Ready
		mc.Console = consoleConfig(c, o.conn, o.rdb, o.worker.DeadLetters, o.table)
		if ts, ok := o.worker.Tokens.(monitor.TokenStater); ok {
			mc.Tokens = ts
		}
	}
	return serveMonitor(ctx, env, mc)
}

// monitorConfig maps the CHATQ_MONITOR_* settings.
func monitorConfig(c Config, conn asynq.RedisConnOpt) monitor.Config {
	return monitor.Config{
		Addr: c.MonitorAddr, Path: c.MonitorPath, User: c.MonitorUser, Password: c.MonitorPassword,
		ReadOnly: c.MonitorReadOnly, Insecure: c.MonitorInsecure, Redis: conn,
	}
}

// consoleConfig is the on-call console's configuration, beside asynqmon.
func consoleConfig(c Config, conn asynq.RedisConnOpt, rdb redis.UniversalClient, store *deadletter.Store, t *policy.Table) *console.Config {
	return &console.Config{Store: store, Redis: rdb, Conn: conn, Table: t, MaxRetry: c.MaxRetry, Limits: c.limits()}
}

func serveMonitor(ctx context.Context, env Env, mc monitor.Config) (func(), string, error) {
	m, err := monitor.New(mc)
	if errors.Is(err, monitor.ErrInsecure) {
		return nil, "", &ConfigError{Var: envPrefix + "_MONITOR_ADDR", Rule: err.Error() +
			" (CHATQ_MONITOR_USER and CHATQ_MONITOR_PASSWORD, or CHATQ_MONITOR_INSECURE=true)"}
	}
	if errors.Is(err, monitor.ErrWeakPassword) {
		return nil, "", &ConfigError{Var: envPrefix + "_MONITOR_PASSWORD", Rule: fmt.Sprintf(
			"must be at least %d characters when CHATQ_MONITOR_ADDR (%s) is not a loopback address", monitor.MinPasswordLength, mc.Addr)}
	}
	if err != nil {
		return nil, "", &ConfigError{Var: envPrefix + "_MONITOR_*", Rule: err.Error()}
	}
	addr, stop, err := serveOn(ctx, mc.Addr, m.Handler())
	if err != nil {
		_ = m.Close()
		return nil, "", fmt.Errorf("CHATQ_MONITOR_ADDR: %w", err)
	}
	url := "http://" + addr + m.Path() + "/"
	fmt.Fprintf(env.Stdout, "monitor on %s (chatq API: http://%s%s)\n", url, addr, monitor.APIPath)
	if p := m.ConsolePath(); p != "" {
		fmt.Fprintf(env.Stdout, "console on http://%s%s/\n", addr, p)
	}
	return func() { stop(); _ = m.Close() }, url, nil
}

// serveOn listens on addr and serves h until ctx is done or stop is
// called; it returns the bound address (useful with port 0).
func serveOn(ctx context.Context, addr string, h http.Handler) (string, func(), error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", nil, fmt.Errorf("listen: %w", err)
	}
	hs := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	sctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { _ = serveUntilDone(sctx, hs, ln); close(done) }()
	return ln.Addr().String(), func() { cancel(); <-done }, nil
}
