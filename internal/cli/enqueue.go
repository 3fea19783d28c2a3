package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/chatq/chatq/tasks"
)

// enqueueOpts are the flags every enqueue form shares.
type enqueueOpts struct {
	file       string
	noFileKeys bool // -f: no idempotency keys derived from the file
	queue      string
	delay      time.Duration
	processAt  string
	maxRetry   int
	key        string        // idempotency key
	ttl        time.Duration // time to live
	expiresAt  string        // deadline, RFC 3339
	orderKey   string        // order key (tasks.OrderKey)
	ordered    bool          // order by conversation (tasks.Ordered)
}

func (o *enqueueOpts) bind(cmd *cobra.Command, persistent bool) {
	fl := cmd.Flags()
	if persistent {
		fl = cmd.PersistentFlags()
	}
	fl.StringVar(&o.queue, "queue", "", "queue name, one of CHATQ_QUEUES (default: the task family's queue)")
	fl.DurationVar(&o.delay, "delay", 0, "process no sooner than this from now")
	fl.StringVar(&o.processAt, "process-at", "", "process no sooner than this RFC 3339 time")
	fl.IntVar(&o.maxRetry, "max-retry", 0, fmt.Sprintf("retry budget, 0 to %d (default: CHATQ_MAX_RETRY)", maxRetryLimit))
	o.bindGuarantees(fl)
}

// options turns the flags set on the command line into task options,
// checking each as strictly as the environment is checked: a bad flag is a
// usage error naming it (exit 2), before anything is read or enqueued.
func (o *enqueueOpts) options(fl *pflag.FlagSet, c Config) ([]tasks.Option, error) {
	var opts []tasks.Option
	if fl.Changed("queue") {
		if _, ok := c.Queues[o.queue]; !ok {
			return nil, usagef("--queue: must be a queue chatq serves (CHATQ_QUEUES: %s), got %q", queueNames(c.Queues), o.queue)
		}
		opts = append(opts, tasks.Queue(o.queue))
	}
	if o.delay < 0 {
		return nil, usagef("--delay: must not be negative, got %v", o.delay)
	}
	if o.delay > 0 {
		opts = append(opts, tasks.Delay(o.delay))
	}
	if o.processAt != "" {
		t, err := time.Parse(time.RFC3339, o.processAt)
		if err != nil {
			return nil, usagef("--process-at: must be an RFC 3339 time such as 2026-01-02T15:04:05Z, got %q", o.processAt)
		}
		opts = append(opts, tasks.ProcessAt(t))
	}
	if fl.Changed("max-retry") {
		if o.maxRetry < 0 || o.maxRetry > maxRetryLimit {
			return nil, usagef("--max-retry: must be between 0 and %d (like CHATQ_MAX_RETRY), got %d", maxRetryLimit, o.maxRetry)
		}
		opts = append(opts, tasks.MaxRetry(o.maxRetry))
	}
	return o.guaranteeOptions(fl, opts, time.Now())
}

func queueNames(q map[string]int) string {
	names := make([]string, 0, len(q))
	for name := range q {
		names = append(names, name)
	}
	slices.Sort(names)
	return strings.Join(names, ", ")
}

func newEnqueueCmd(env Env) *cobra.Command {
	var o enqueueOpts
	cmd := &cobra.Command{
		Use:   "enqueue",
		Short: "Enqueue tasks from flags (one subcommand per type) or from JSON lines (-f FILE, - for stdin)",
		Long: `Enqueue tasks and print one task id per line.

With -f, every line is a JSON object {"type":"message:send","payload":{...}},
optionally with "key" (idempotency key), "ttl" ("2h") or "expires_at" (RFC 3339),
and "order_key" or "ordered": true (delivered in order within the key).
Every line is read and checked first, with the flags (payload, key, deadline,
queue, retry budget); if any is bad, each bad line is reported with its number,
field and rule, nothing is enqueued, and the exit code is 1. Each line without
its own "key" gets one derived from the file's content and its line number, so
running the same file again (after a Redis error midway, say) enqueues only the
lines not enqueued yet, within CHATQ_IDEMPOTENCY_WINDOW; --no-file-keys turns
that off. Blank lines and lines starting with # are skipped.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if o.file == "" {
				return usagef("enqueue: give -f FILE (or -f - for stdin) or a subcommand; see chatq enqueue --help")
			}
			return enqueueFile(cmd.Context(), env, cmd.Flags(), o)
		},
	}
	cmd.Flags().StringVarP(&o.file, "file", "f", "", "JSON lines file to enqueue, - for stdin")
	cmd.Flags().BoolVar(&o.noFileKeys, "no-file-keys", false,
		`-f: no idempotency key for lines without "key"; running the same file again enqueues every line again`)
	o.bind(cmd, true)
	for _, sub := range payloadCommands() {
		cmd.AddCommand(sub.command(env, &o))
	}
	return cmd
}

func openInput(env Env, name string) (io.Reader, func(), error) {
	if name == "-" {
		return env.Stdin, func() {}, nil
	}
	f, err := os.Open(name)
	if err != nil {
		return nil, nil, usagef("-f: %w", err)
	}
	return f, func() { _ = f.Close() }, nil
}

// withProducer runs fn with a producer on CHATQ_REDIS_URL, once Redis has
// answered a ping; Redis going away during fn is reported as such.
func withProducer(ctx context.Context, c Config, fn func(*tasks.Client) error) error {
	conn, rdb, err := openRedis(ctx, c)
	if err != nil {
		return err
	}
	_ = rdb.Close()
	p := tasks.NewClient(conn, c.producerConfig())
	defer p.Close()
	return asRedisDown(c, fn(p))
}

// enqueueOne enqueues one payload built from flags. Every check runs before
// Redis is touched; a bad flag or field is a usage error.
func enqueueOne(ctx context.Context, env Env, fl *pflag.FlagSet, o *enqueueOpts, taskType string, payload any) error {
	c, err := loadConfig()
	if err != nil {
		return err
	}
	opts, err := o.options(fl, c)
	if err != nil {
		return err
	}
	b, err := json.Marshal(payload)
	if err != nil {
		return fmt.Errorf("encode payload: %w", err)
	}
	return withProducer(ctx, c, func(p *tasks.Client) error {
		if err := p.Check(taskType, b, opts...); err != nil {
			return usagef("%w", err)
		}
		id, err := p.Enqueue(ctx, taskType, b, opts...)
		if err != nil {
			return err
		}
		fmt.Fprintln(env.Stdout, id)
		return nil
	})
}
