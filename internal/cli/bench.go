package cli

import (
	"context"
	"fmt"
	"os"
	"runtime/pprof"
	"time"

	"github.com/hibiken/asynq"
	"github.com/spf13/cobra"

	"github.com/chatq/chatq/bench"
)

type benchFlags struct {
	json       bool
	smoke      bool
	scenarios  []string
	outage     time.Duration
	redis      string
	cpuProfile string
}

func newBenchCmd(env Env) *cobra.Command {
	var f benchFlags
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Benchmark chatq against baselines on the in-process sandbox (Redis database 15)",
		Long: "Runs the benchmark scenarios (" + fmt.Sprint(bench.Names) + ") against the in-process sandbox " +
			"provider and database 15 of CHATQ_REDIS_URL (emptied; refused if it holds anything but demo or bench data), " +
			"each beside its baseline, and prints a table of results.",
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runBench(cmd.Context(), env, f)
		},
	}
	fl := cmd.Flags()
	fl.BoolVar(&f.json, "json", false, "print the results as JSON")
	fl.BoolVar(&f.smoke, "smoke", false, "run each scenario for about a second (checks that they work)")
	fl.StringSliceVar(&f.scenarios, "scenario", nil, "scenarios to run (default all)")
	fl.DurationVar(&f.outage, "outage", 0, "how long the outage scenario's provider answers 503 (default 60s, 2s with --smoke)")
	fl.StringVar(&f.redis, "redis", "", `Redis URL to use instead of database 15 of CHATQ_REDIS_URL, or "memory"`)
	fl.StringVar(&f.cpuProfile, "cpuprofile", "", "write a CPU profile of the whole run to this file (go tool pprof)")
	return cmd
}

func runBench(ctx context.Context, env Env, f benchFlags) error {
	for _, s := range f.scenarios {
		if !bench.Known(s) {
			return usagef("--scenario: unknown scenario %q (want one of %v)", s, bench.Names)
		}
	}
	if f.cpuProfile != "" {
		stop, err := startCPUProfile(f.cpuProfile)
		if err != nil {
			return err
		}
		defer stop()
	}
	c, err := loadConfig()
	if err != nil {
		return err
	}
	r, err := openDemoRedis(ctx, env, c.RedisURL, f.redis)
	if err != nil {
		return err
	}
	defer r.close()
	fmt.Fprintf(env.Stderr, "chatq bench on %s\n", r.describe)
	benv := bench.Env{Redis: r.conn, RDB: r.rdb, RedisURL: connURL(r.conn), Progress: env.Stderr,
		Reset: func(ctx context.Context) error { return claimDemoDB(ctx, r.rdb) }}
	if exe, err := os.Executable(); err == nil {
		benv.WorkerCommand = []string{exe, "worker"}
	}
	rows, err := bench.Run(ctx, benv, bench.Options{Scenarios: f.scenarios, Smoke: f.smoke, Outage: f.outage})
	if err != nil {
		return err
	}
	_ = claimDemoDB(context.WithoutCancel(ctx), r.rdb) // leave the database empty but for the marker
	if f.json {
		return bench.WriteJSON(env.Stdout, rows)
	}
	return bench.WriteTable(env.Stdout, rows)
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

// startCPUProfile profiles the process until the returned stop is called.
func startCPUProfile(path string) (func(), error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, usagef("--cpuprofile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("--cpuprofile: %w", err)
	}
	return func() { pprof.StopCPUProfile(); _ = f.Close() }, nil
}
