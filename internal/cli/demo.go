package cli

import (
	"context"
	"errors"
	"time"

	"github.com/spf13/cobra"

	"github.com/chatq/chatq/internal/app"
	"github.com/chatq/chatq/internal/demo"
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
port, a worker built as chatq worker builds it (throttle and dead-letter loops
included), and a producer that enqueues a workload making every action happen
(delivered, done, retried, deferred, token refreshed, dead-lettered).

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
	pc, err := policyConfig(c)
	if err != nil {
		return err
	}
	r, err := openDemoRedis(ctx, env, c, f.redis)
	if err != nil {
		return err
	}
	defer r.Close()
	wc := c
	wc.AppID, wc.AppCertificate = "", "" // the demo's worker uses the sandbox's client credentials
	dc := demo.Config{Worker: appConfig(wc, nil), Policy: pc, Limits: c.limits(), Redis: r,
		Timeout: f.timeout, Linger: f.linger, Out: env.Stdout}
	if f.verbose {
		dc.Logger = newLogger(c, env.Stderr)
	}
	if f.monitor || c.MonitorEnabled {
		dc.Monitor = func(ctx context.Context, r *demo.Redis, w *app.Worker) (func(), error) {
			p, err := newPolicy(c)
			if err != nil {
				return nil, err
			}
			mc := monitorConfig(c, r.Conn)
			mc.Rules, mc.DeadLetters, mc.Ready = p.Table().Rules(), w.DeadLetters, w.Ready
			mc.Console = consoleConfig(c, r.Conn, r.RDB, w.DeadLetters, p.Table())
			stop, _, err := serveMonitor(ctx, env, mc)
			return stop, err
		}
	}
	return configErr(demo.Run(ctx, dc))
}

// openDemoRedis opens the Redis of the demo and the benchmarks: --redis
// as given, else database 15 of CHATQ_REDIS_URL's server (demo.OpenRedis).
func openDemoRedis(ctx context.Context, env Env, c Config, flag string) (*demo.Redis, error) {
	url := flag
	if url == "" {
		u, err := demo.DatabaseURL(c.RedisURL)
		if err != nil {
			return nil, &ConfigError{Var: redisURLVar, Rule: err.Error()}
		}
		url = u
	}
	r, err := demo.OpenRedis(ctx, env.Stdout, url, flag != "")
	if errors.Is(err, demo.ErrBadURL) {
		return nil, usagef("--redis: %w", err)
	}
	return r, err
}
