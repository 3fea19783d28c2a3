// Package benchcmd runs chatq bench: the benchmark scenarios (package
// bench) on the demo's kind of Redis database, with this binary's chatq
// worker and baseline worker as the measured processes, and prints their
// table.
package benchcmd

import (
	"context"
	"fmt"
	"io"

	"github.com/hibiken/asynq"

	"github.com/chatq/chatq/bench"
	"github.com/chatq/chatq/internal/demo"
)

// Config is one chatq bench run.
type Config struct {
	// Redis is the database the runs may empty (demo.OpenRedis). Required.
	Redis *demo.Redis
	// Executable is the chatq binary: "worker" and "bench baseline-worker"
	// start the measured processes. Required.
	Executable string
	// Options select and size the scenarios.
	Options bench.Options
	// JSON prints the results as JSON instead of a table.
	JSON bool
	// Out receives the results; Progress one line per run.
	Out, Progress io.Writer
}

// Run runs the scenarios and prints their results; the database is left
// empty but for the demo's marker.
func Run(ctx context.Context, cfg Config) error {
	r := cfg.Redis
	fmt.Fprintf(cfg.Progress, "chatq bench on %s\n", r.Describe)
	env := bench.Env{Redis: r.Conn, RDB: r.RDB, RedisURL: connURL(r.Conn), Progress: cfg.Progress,
		Reset:           r.Claim,
		WorkerCommand:   []string{cfg.Executable, "worker"},
		BaselineCommand: []string{cfg.Executable, "bench", "baseline-worker"}}
	rows, err := bench.Run(ctx, env, cfg.Options)
	if err != nil {
		return err
	}
	_ = r.Claim(context.WithoutCancel(ctx))
	if cfg.JSON {
		return bench.WriteJSON(cfg.Out, rows)
	}
	return bench.WriteTable(cfg.Out, rows)
}

// connURL renders a plain Redis option as a URL for a child process; ""
// for other kinds.
func connURL(conn asynq.RedisConnOpt) string {
	o, ok := conn.(asynq.RedisClientOpt)
	if !ok {
		return ""
	}
	if o.Password != "" {
		return fmt.Sprintf("redis://:%s@%s/%d", o.Password, o.Addr, o.DB)
	}
	return fmt.Sprintf("redis://%s/%d", o.Addr, o.DB)
}
