package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/cenkalti/backoff/v4"
	"github.com/redis/go-redis/v9"
	"github.com/spf13/cobra"

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
	w, err := newWorker(c, logger, conn, rdb, p, m)
	if err != nil {
		return err
	}
	stopOps, err := startOps(ctx, env, c, ops{metrics: m, worker: w, rdb: rdb, conn: conn, rules: p.Table().Rules()})
	if err != nil {
		return err
	}
	defer stopOps()
	if err := waitForRedis(ctx, rdb, c.RedisStartWait); err != nil {
		return err
	}
	defer startDeadLetterLoops(c, logger, conn, w)()
	return w.Run(ctx)
}

// waitForRedis retries the first ping with backoff for a bounded time: in
// a compose stack the worker may start before Redis does.
func waitForRedis(ctx context.Context, rdb redis.UniversalClient, wait time.Duration) error {
	b := backoff.NewExponentialBackOff()
	b.InitialInterval = 200 * time.Millisecond
	b.MaxInterval = 5 * time.Second
	b.MaxElapsedTime = wait
	// The deadline also bounds a ping in flight (go-redis retries dials).
	wctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	var last error
	op := func() error {
		last = pingRedis(wctx, rdb)
		return last
	}
	if err := backoff.Retry(op, backoff.WithContext(b, wctx)); err != nil {
		if ctx.Err() != nil {
			return ctx.Err() // interrupted, not timed out
		}
		if last != nil {
			err = last
		}
		return fmt.Errorf("gave up after %s: %w", wait, err)
	}
	return nil
}
