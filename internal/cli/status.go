package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
	"github.com/spf13/cobra"

	"github.com/chatq/chatq/deadletter"
	"github.com/chatq/chatq/internal/queuedepth"
	"github.com/chatq/chatq/throttle"
)

func newStatusCmd(env Env) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Show the fleet's limits (as its workers publish them), throttle state, queue depths and open dead letters",
		Long: `Show what the fleet runs with, read from Redis only:
  - the throttle settings every running worker published (limits per API
    family, total cap, pause, breaker), and which worker set them; the
    shell's CHATQ_RATE_* variables play no part;
  - per family: the limit, the effective rate after 429s, the fleet's
    calls/s over the last 5 s, pause and circuit breaker;
  - per queue: pending, active, scheduled, retry and archived tasks;
  - open dead letters, by rule.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, err := readFleetStatus(cmd.Context())
			if err != nil {
				return err
			}
			if asJSON {
				enc := json.NewEncoder(env.Stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(st)
			}
			return writeFleetStatus(env.Stdout, st, time.Now())
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON instead of tables")
	return cmd
}

// fleetStatus is what chatq status shows.
type fleetStatus struct {
	// Workers are the running workers' published throttle settings, the
	// most recently started first.
	Workers []throttle.Settings `json:"workers"`
	// LimitsFrom names the worker whose limits Families are computed with
	// (the most recently started); "" when no worker published any.
	LimitsFrom string      `json:"limits_from"`
	Families   []familyRow `json:"families"`
	Queues     []queueRow  `json:"queues"`
	// OpenDeadLetters counts the open dead letters (total, by rule, …).
	OpenDeadLetters deadletter.Stats `json:"open_dead_letters"`
}

// familyRow is a family's state; Limit and Rate are null when no worker
// published its limits.
type familyRow struct {
	throttle.FamilyStatus
	Limit *float64 `json:"limit"`
	Rate  *float64 `json:"rate"`
}

// queueRow is one asynq queue's depth.
type queueRow struct {
	Queue     string `json:"queue"`
	Pending   int    `json:"pending"`
	Active    int    `json:"active"`
	Scheduled int    `json:"scheduled"`
	Retry     int    `json:"retry"`
	Archived  int    `json:"archived"`
	Paused    bool   `json:"paused"`
	// Latency is the age of the oldest pending task.
	Latency throttle.Duration `json:"latency"`
}

func readFleetStatus(ctx context.Context) (fleetStatus, error) {
	c, err := loadConfig()
	if err != nil {
		return fleetStatus{}, err
	}
	conn, rdb, err := openRedis(ctx, c)
	if err != nil {
		return fleetStatus{}, err
	}
	defer rdb.Close()
	var st fleetStatus
	if err := st.readThrottle(ctx, rdb); err != nil {
		return st, err
	}
	if st.Queues, err = readQueues(conn); err != nil {
		return st, fmt.Errorf("queue depths: %w", err)
	}
	st.OpenDeadLetters, err = deadletter.New(rdb, deadletter.Config{}).Stats(ctx, deadletter.Filter{State: deadletter.StateOpen})
	if err != nil {
		return st, fmt.Errorf("open dead letters: %w", err)
	}
	return st, nil
}

// readThrottle reads the published settings and every family's state,
// computed with the most recently started worker's limits.
func (st *fleetStatus) readThrottle(ctx context.Context, rdb redis.UniversalClient) error {
	var err error
	if st.Workers, err = throttle.ReadSettings(ctx, rdb); err != nil {
		return err
	}
	var cfg throttle.Config
	if len(st.Workers) > 0 {
		st.LimitsFrom, cfg = st.Workers[0].Worker, st.Workers[0].Config()
	}
	fams, err := throttle.ReadStatus(ctx, rdb, cfg)
	if err != nil {
		return err
	}
	st.Families = make([]familyRow, len(fams))
	for i, f := range fams {
		st.Families[i] = familyRow{FamilyStatus: f}
		if st.LimitsFrom != "" {
			st.Families[i].Limit, st.Families[i].Rate = &f.Limit, &f.Rate
		}
	}
	return nil
}

// readQueues returns the depth of chatq's queues and of any other queue
// asynq knows, sorted by name.
func readQueues(conn asynq.RedisConnOpt) ([]queueRow, error) {
	insp := asynq.NewInspector(conn)
	defer insp.Close()
	depths, err := queuedepth.Read(insp)
	if err != nil {
		return nil, err
	}
	rows := make([]queueRow, len(depths))
	for i, d := range depths {
		rows[i] = queueRow{Queue: d.Queue, Pending: d.Pending, Active: d.Active, Scheduled: d.Scheduled,
			Retry: d.Retry, Archived: d.Archived, Paused: d.Paused, Latency: throttle.Duration(d.Latency)}
	}
	return rows, nil
}
