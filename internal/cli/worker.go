package cli

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/cenkalti/backoff/v4"
	"github.com/redis/go-redis/v9"
	"github.com/spf13/cobra"

	"github.com/chatq/chatq/activity"
	"github.com/chatq/chatq/dispatcher"
	"github.com/chatq/chatq/metrics"
)

func newWorkerCmd(env Env) *cobra.Command {
	var cpuProfile string
	cmd := &cobra.Command{
		Use:   "worker",
		Short: "Run a worker: deliver queued tasks to the provider until SIGTERM or SIGINT",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if cpuProfile != "" {
				stop, err := startCPUProfile(cpuProfile)
				if err != nil {
					return err
				}
				defer stop()
			}
			return runWorker(cmd.Context(), env)
		},
	}
	cmd.Flags().StringVar(&cpuProfile, "cpuprofile", "", "write a CPU profile of the worker to this file until it stops (go tool pprof)")
	return cmd
}

func runWorker(ctx context.Context, env Env) error {
	c, err := loadConfig()
	if err != nil {
		return err
	}
	logger := newLogger(c, env.Stderr)
	conn, rdb, err := redisConn(c)
	if err != nil {
		return err
	}
	defer rdb.Close()
	if err := c.requireAPI(); err != nil {
		return err
	}
	p, err := newPolicy(c)
	if err != nil {
		return err
	}
	m := metrics.New(p.Table())
	// The console's charts read these per-minute counts from Redis.
	counts := activity.NewRecorder(activity.RecorderParams{Redis: rdb, Logger: logger})
	w, err := newWorker(c, logger, conn, rdb, p, observers{m, dispatcher.ObserverFunc(func(e dispatcher.Event) {
		counts.Add(e.Queue, string(e.Outcome))
	})})
	if err != nil {
		return err
	}
	var countsWG sync.WaitGroup
	counts.Start(&countsWG)
	defer func() { counts.Shutdown(); countsWG.Wait() }()
	stopOps, err := startOps(ctx, env, c, ops{metrics: m, worker: w, rdb: rdb, conn: conn, table: p.Table(), logger: logger})
	if err != nil {
		return err
	}
	defer stopOps()
	if err := waitForRedis(ctx, c, rdb); err != nil {
		return err
	}
	stopPublisher, err := startThrottlePublisher(c.ThrottleSettings, rdb, w.Name(), logger)
	if err != nil {
		return err
	}
	defer stopPublisher()
	logDialect(c, logger)
	if c.usesAppTokens() {
		logger.Info("app tokens are minted locally: " + appTokenVars + " passed their format check, but the provider " +
			"has no endpoint to verify a certificate against; a wrong one shows as the first call's 401 " +
			"(credentials rejected, worker not ready)")
	}
	// A rejection at the start check keeps the worker up, not ready and
	// deferring tasks, as for a rejection later (README "Authentication"):
	// credentials fixed at the provider (an app created late) need no restart.
	return w.Run(ctx)
}

// waitForRedis retries the first ping with backoff for a bounded time: in
// a compose stack the worker may start before Redis does. Its error names
// the last cause seen (a refused connection, a timeout), not the deadline
// that ended the wait.
func waitForRedis(ctx context.Context, c Config, rdb redis.UniversalClient) error {
	wait := c.RedisStartWait
	b := backoff.NewExponentialBackOff()
	b.InitialInterval = 200 * time.Millisecond
	b.MaxInterval = 5 * time.Second
	b.MaxElapsedTime = wait
	// The deadline also bounds a ping in flight (go-redis retries dials).
	wctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	dials := watchDials(rdb)
	var last error
	op := func() error {
		err := rdb.Ping(wctx).Err()
		if err != nil && wctx.Err() == nil {
			last = err // the deadline's own error would hide the cause
		}
		return err
	}
	if err := backoff.Retry(op, backoff.WithContext(b, wctx)); err != nil {
		if ctx.Err() != nil {
			return ctx.Err() // interrupted, not timed out
		}
		if last == nil {
			last = dials.cause(err)
		}
		return &redisDownError{Var: c.redisVar(), Cause: fmt.Errorf("%w (gave up after %s)", last, wait)}
	}
	return nil
}

// observers hands every decision to each of its observers in turn.
type observers []dispatcher.Observer

func (o observers) Observe(e dispatcher.Event) {
	for _, x := range o {
		x.Observe(e)
	}
}
