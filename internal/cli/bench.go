package cli

import (
	"context"
	"fmt"
	"os"
	"runtime/pprof"
	"time"

	"github.com/spf13/cobra"

	"github.com/chatq/chatq/bench"
	"github.com/chatq/chatq/bench/baseline"
	"github.com/chatq/chatq/internal/benchcmd"
)

type benchFlags struct {
	json       bool
	smoke      bool
	scenarios  []string
	outage     time.Duration
	redis      string
	cpuProfile string
	workerProf string
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
	fl.StringVar(&f.cpuProfile, "cpuprofile", "", "write a CPU profile of the benchmark process to this file (go tool pprof); profile a worker with CHATQ_CPU_PROFILE")
	fl.StringVar(&f.workerProf, "worker-cpuprofile", "", "write a CPU profile of every chatq worker process into this directory")
	cmd.AddCommand(newBaselineWorkerCmd(env))
	return cmd
}

// newBaselineWorkerCmd runs the benchmark's baseline worker (package
// bench/baseline) as its own process; chatq bench starts it.
func newBaselineWorkerCmd(env Env) *cobra.Command {
	var cfg baseline.Config
	var queue, cpuProfile string
	cmd := &cobra.Command{
		Use:    "baseline-worker",
		Short:  "Run the benchmark's baseline worker (plain asynq, its own HTTP client); started by chatq bench",
		Hidden: true,
		Args:   noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg.ClientSecret = os.Getenv(bench.BaselineSecretVar)
			cfg.Queues = map[string]int{queue: 1}
			if cpuProfile != "" {
				stop, err := startCPUProfile(cpuProfile)
				if err != nil {
					return err
				}
				defer stop()
			}
			return baseline.Run(cmd.Context(), cfg)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&cfg.RedisURL, "redis", "", "redis:// URL of the queues")
	fl.StringVar(&cfg.APIURL, "api-url", "", "provider URL")
	fl.StringVar(&cfg.AppKey, "app-key", "", "org#app")
	fl.StringVar(&cfg.ClientID, "client-id", "", "client_credentials id (the secret comes from "+bench.BaselineSecretVar+")")
	fl.IntVar(&cfg.Concurrency, "concurrency", 20, "tasks in flight")
	fl.StringVar(&queue, "queue", "messages", "the one queue it serves")
	fl.StringVar(&cfg.CAFile, "ca-file", "", "PEM certificate to trust")
	fl.StringVar(&cpuProfile, "cpuprofile", "", "write a CPU profile to this file until it stops")
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
	r, err := openDemoRedis(ctx, env, c, f.redis)
	if err != nil {
		return err
	}
	defer r.Close()
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("bench: the chatq binary runs the workers: %w", err)
	}
	return benchcmd.Run(ctx, benchcmd.Config{Redis: r, Executable: exe, JSON: f.json, Out: env.Stdout, Progress: env.Stderr,
		Options: bench.Options{Scenarios: f.scenarios, Smoke: f.smoke, Outage: f.outage, WorkerProfileDir: f.workerProf}})
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
