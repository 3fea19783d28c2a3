package cli

import (
	"context"
	"os"
	"strings"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
	"github.com/spf13/cobra"

	"github.com/chatq/chatq/deadletter"
)

// dlFlags are the filter flags every deadletter subcommand shares.
type dlFlags struct {
	typ, queue, status, code, rule, state, contains string
	since, until                                    string
	limit                                           int
	json                                            bool
}

func (f *dlFlags) bind(cmd *cobra.Command, withLimit bool) {
	fl := cmd.Flags()
	fl.StringVar(&f.typ, "type", "", "task type, e.g. message:send")
	fl.StringVar(&f.queue, "queue", "", "queue name")
	fl.StringVar(&f.status, "status", "", "HTTP status of the last failure: 403, 4xx, or 0 for none")
	fl.StringVar(&f.code, "code", "", "provider error code, e.g. forbidden_op")
	fl.StringVar(&f.rule, "rule", "", "policy rule name, e.g. 404-user-not-found")
	fl.StringVar(&f.state, "state", "", "open or resolved (default: both)")
	fl.StringVar(&f.contains, "contains", "", "substring of the payload, the provider description or the reason")
	fl.StringVar(&f.since, "since", "", "last failure at or after: RFC 3339 time or a duration ago (24h)")
	fl.StringVar(&f.until, "until", "", "last failure at or before: RFC 3339 time or a duration ago")
	if withLimit {
		fl.IntVar(&f.limit, "limit", 0, "show at most this many (0: all)")
	}
	fl.BoolVar(&f.json, "json", false, "one JSON object per line")
}

// filter turns the flags and positional ids into a deadletter.Filter.
func (f *dlFlags) filter(ids []string, now time.Time) (deadletter.Filter, error) {
	out := deadletter.Filter{IDs: dedupe(ids), Type: f.typ, Queue: f.queue, Status: f.status, Code: f.code,
		Rule: f.rule, State: deadletter.State(f.state), Contains: f.contains, Limit: f.limit}
	var err error
	if out.Since, err = parseWhen("--since", f.since, now); err != nil {
		return out, err
	}
	if out.Until, err = parseWhen("--until", f.until, now); err != nil {
		return out, err
	}
	if err := out.Validate(); err != nil {
		return out, usagef("%v", err)
	}
	return out, nil
}

// dedupe drops repeated ids, keeping the first of each: an id given twice
// is one item, not one item and a busy one.
func dedupe(ids []string) []string {
	seen := make(map[string]bool, len(ids))
	out := ids[:0:0]
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

func parseWhen(flag, s string, now time.Time) (time.Time, error) {
	t, err := deadletter.ParseWhen(s, now)
	if err != nil {
		return time.Time{}, usagef("%s: %v", flag, err)
	}
	return t, nil
}

func newDeadLetterCmd(env Env) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "deadletter",
		Aliases: []string{"dlq"},
		Short:   "Look at, replay and delete dead letters",
		Long: `Dead letters are the tasks chatq gave up on, each with the reason. They are
kept until replayed or deleted (CHATQ_DEADLETTER_RETENTION, default forever).

On call: stats -> show ID -> fix the cause -> replay --dry-run -> replay.`,
		Args: cobra.ArbitraryArgs,
		RunE: groupRun,
	}
	cmd.AddCommand(newDLListCmd(env), newDLStatsCmd(env), newDLShowCmd(env), newDLReplayCmd(env), newDLDeleteCmd(env))
	return cmd
}

// dlConn is what a deadletter subcommand works with.
type dlConn struct {
	cfg   Config
	conn  asynq.RedisConnOpt
	rdb   redis.UniversalClient
	store *deadletter.Store
}

// openDL loads the configuration and connects to Redis.
func openDL(ctx context.Context) (*dlConn, error) {
	c, err := loadConfig()
	if err != nil {
		return nil, err
	}
	conn, rdb, err := openRedis(ctx, c)
	if err != nil {
		return nil, err
	}
	store := deadletter.New(rdb, deadletter.Config{AuditMaxLen: c.DeadLetterAuditMaxEntries})
	return &dlConn{cfg: c, conn: conn, rdb: rdb, store: store}, nil
}

func (d *dlConn) Close() error { return d.rdb.Close() }

// currentUser names the operator in audit entries.
func currentUser() string {
	for _, v := range []string{"USER", "LOGNAME", "USERNAME"} {
		if u := strings.TrimSpace(os.Getenv(v)); u != "" {
			return u
		}
	}
	return "unknown"
}

func newDLShowCmd(env Env) *cobra.Command {
	return &cobra.Command{
		Use:   "show ID",
		Short: "Show one dead letter in full, payload pretty-printed",
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usagef("%s: give exactly one task id", cmd.CommandPath())
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			d, err := openDL(cmd.Context())
			if err != nil {
				return err
			}
			defer d.Close()
			rec, err := d.store.Get(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			return printRecord(env.Stdout, rec)
		},
	}
}
