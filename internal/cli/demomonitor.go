package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/chatq/chatq/deadletter"
	"github.com/chatq/chatq/dispatcher"
)

// startDemoMonitor serves the monitor over the demo's Redis, with the demo
// worker's readiness.
func startDemoMonitor(ctx context.Context, env Env, c Config, rd *demoRedis, w *dispatcher.Worker) (func(), error) {
	p, err := newPolicy(c)
	if err != nil {
		return nil, err
	}
	mc := monitorConfig(c, rd.conn)
	mc.Rules, mc.DeadLetters, mc.Ready = p.Table().Rules(), deadletter.New(rd.rdb, deadletter.Config{}), w.Ready
	stop, _, err := serveMonitor(ctx, env, mc)
	return stop, err
}

// linger keeps the demo up for d after its report, or until ctx ends
// (Ctrl-C, or the demo's --timeout); either way the demo succeeded.
func linger(ctx context.Context, env Env, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	fmt.Fprintf(env.Stdout, "lingering for %s (Ctrl-C stops)\n", d)
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
	return nil
}
