package bench

import (
	"context"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
)

// Env is what the scenarios run on.
type Env struct {
	// Redis and RDB are one database the benchmark may empty (Flush)
	// between runs.
	Redis asynq.RedisConnOpt
	RDB   redis.UniversalClient
	// RedisURL is the same database as a URL, for the worker processes.
	RedisURL string
	// Reset, optional, empties the database before each run; nil = FLUSHDB.
	Reset func(ctx context.Context) error
	// WorkerCommand starts a chatq worker process ([/path/to/chatq worker]):
	// chatq is measured as the process production runs, configured by its
	// environment. Required.
	WorkerCommand []string
	// BaselineCommand starts the baseline worker process
	// ([/path/to/chatq bench baseline-worker], package bench/baseline), which
	// takes the flags baselineWorker gives it. Required.
	BaselineCommand []string
	// Progress, optional, receives one line per run.
	Progress io.Writer
}

// Options selects and sizes the scenarios.
type Options struct {
	// Scenarios to run by name; empty = all.
	Scenarios []string
	// Smoke runs each scenario for about a second.
	Smoke bool
	// WorkerProfileDir, optional, gets a CPU profile of every worker
	// process, chatq's and the baseline's (<run name> <n>.prof).
	WorkerProfileDir string
	// Outage is how long the outage scenario's sandbox answers 503.
	// Default 30s (2s with Smoke).
	Outage time.Duration
}

// Row is one measured quantity of a scenario.
type Row struct {
	Scenario string   `json:"scenario"`
	Metric   string   `json:"metric"`
	Chatq    float64  `json:"chatq"`
	Baseline *float64 `json:"baseline,omitempty"`
	Unit     string   `json:"unit"`
	Target   string   `json:"target,omitempty"`
	Note     string   `json:"note,omitempty"`
}

// Names lists the scenarios in order.
var Names = []string{"overhead", "connections", "at-limit", "unknown-limit", "outage", "token-expiry", "memory", "ingest", "ordered"}

type scenario func(ctx context.Context, b *bencher) ([]Row, error)

func scenarios() map[string]scenario {
	return map[string]scenario{
		"overhead": overhead, "connections": connections, "at-limit": atLimit, "unknown-limit": unknownLimit,
		"outage": outage, "token-expiry": tokenExpiry, "memory": memory, "ingest": ingestScenario, "ordered": ordered,
	}
}

// bencher carries the environment and options through a run.
type bencher struct {
	env  Env
	opts Options
}

// Run runs the selected scenarios one after the other and returns their rows.
func Run(ctx context.Context, env Env, opts Options) ([]Row, error) {
	if len(env.WorkerCommand) == 0 || len(env.BaselineCommand) == 0 || env.RedisURL == "" {
		return nil, errNoBinary
	}
	if opts.Outage == 0 {
		opts.Outage = 30 * time.Second
		if opts.Smoke {
			opts.Outage = 2 * time.Second
		}
	}
	names := opts.Scenarios
	if len(names) == 0 {
		names = Names
	}
	all := scenarios()
	b := &bencher{env: env, opts: opts}
	var rows []Row
	for _, n := range names {
		s, ok := all[n]
		if !ok {
			return rows, fmt.Errorf("bench: unknown scenario %q (want one of %v)", n, Names)
		}
		r, err := s(ctx, b)
		if err != nil {
			return rows, fmt.Errorf("bench: %s: %w", n, err)
		}
		rows = append(rows, r...)
	}
	return rows, nil
}

// size picks the full or the smoke value.
func (b *bencher) size(full, smoke int) int {
	if b.opts.Smoke {
		return smoke
	}
	return full
}

func (b *bencher) progress(format string, args ...any) {
	if b.env.Progress != nil {
		fmt.Fprintf(b.env.Progress, format+"\n", args...)
	}
}

func ptr(v float64) *float64 { return &v }

// Known reports whether name is a scenario.
func Known(name string) bool { return slices.Contains(Names, name) }

func (b *bencher) reset(ctx context.Context) error {
	if b.env.Reset != nil {
		return b.env.Reset(ctx)
	}
	return b.env.RDB.FlushDB(ctx).Err()
}
