package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/cenkalti/backoff/v4"
	"github.com/redis/go-redis/v9"
	"github.com/spf13/cobra"
)

// redisStartWait bounds how long the worker waits for Redis at start.
const redisStartWait = 30 * time.Second

func newWorkerCmd(env Env) *cobra.Command {
	return &cobra.Command{
		Use:   "worker",
		Short: "Run a worker: deliver queued tasks to the provider until SIGTERM or SIGINT",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runWorker(cmd.Context(), env)
		},
	}
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
	w, err := newWorker(c, logger, conn, rdb)
	if err != nil {
		return err
	}
	if err := waitForRedis(ctx, rdb, redisStartWait); err != nil {
		return err
	}
	return w.Run(ctx)
}

// waitForRedis retries the first ping with backoff for a bounded time: in
// a compose stack the worker may start before Redis does.
func waitForRedis(ctx context.Context, rdb redis.UniversalClient, wait time.Duration) error {
	b := backoff.NewExponentialBackOff()
	b.InitialInterval = 200 * time.Millisecond
	b.MaxInterval = 5 * time.Second
	b.MaxElapsedTime = wait
	op := func() error { return pingRedis(ctx, rdb) }
	if err := backoff.Retry(op, backoff.WithContext(b, ctx)); err != nil {
		return fmt.Errorf("gave up after %s: %w", wait, err)
	}
	return nil
}
