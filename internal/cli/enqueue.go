package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"time"

	"github.com/spf13/cobra"

	"github.com/chatq/chatq/tasks"
)

// enqueueOpts are the flags every enqueue form shares.
type enqueueOpts struct {
	file      string
	queue     string
	delay     time.Duration
	processAt string
	maxRetry  int
	key       string        // idempotency key
	ttl       time.Duration // time to live
	expiresAt string        // deadline, RFC 3339
}

func (o *enqueueOpts) bind(cmd *cobra.Command, persistent bool) {
	fl := cmd.Flags()
	if persistent {
		fl = cmd.PersistentFlags()
	}
	fl.StringVar(&o.queue, "queue", "", "queue name (default: the task family's queue)")
	fl.DurationVar(&o.delay, "delay", 0, "process no sooner than this from now")
	fl.StringVar(&o.processAt, "process-at", "", "process no sooner than this RFC 3339 time")
	fl.IntVar(&o.maxRetry, "max-retry", -1, "retry budget (default: CHATQ_MAX_RETRY)")
	o.bindGuarantees(fl)
}

func (o *enqueueOpts) options() ([]tasks.Option, error) {
	var opts []tasks.Option
	if o.queue != "" {
		opts = append(opts, tasks.Queue(o.queue))
	}
	if o.delay != 0 {
		opts = append(opts, tasks.Delay(o.delay))
	}
	if o.processAt != "" {
		t, err := time.Parse(time.RFC3339, o.processAt)
		if err != nil {
			return nil, usagef("--process-at: must be an RFC 3339 time such as 2026-01-02T15:04:05Z, got %q", o.processAt)
		}
		opts = append(opts, tasks.ProcessAt(t))
	}
	if o.maxRetry >= 0 {
		opts = append(opts, tasks.MaxRetry(o.maxRetry))
	}
	return o.guaranteeOptions(opts)
}

func newEnqueueCmd(env Env) *cobra.Command {
	var o enqueueOpts
	cmd := &cobra.Command{
		Use:   "enqueue",
		Short: "Enqueue tasks from flags (one subcommand per type) or from JSON lines (-f FILE, - for stdin)",
		Long: `Enqueue tasks and print one task id per line.

With -f, every line is a JSON object {"type":"message:send","payload":{...}},
optionally with "key" (idempotency key), "ttl" ("2h") or "expires_at" (RFC 3339).
All lines are read and validated first; if any is bad, each bad line is
reported with its number, field and rule, nothing is enqueued, and the exit
code is 1. Blank lines and lines starting with # are skipped.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if o.file == "" {
				return usagef("enqueue: give -f FILE (or -f - for stdin) or a subcommand; see chatq enqueue --help")
			}
			return enqueueFile(cmd.Context(), env, o)
		},
	}
	cmd.Flags().StringVarP(&o.file, "file", "f", "", "JSON lines file to enqueue, - for stdin")
	o.bind(cmd, true)
	for _, sub := range payloadCommands() {
		cmd.AddCommand(sub.command(env, &o))
	}
	return cmd
}

// enqueueFile validates every line, then enqueues them in order.
func enqueueFile(ctx context.Context, env Env, o enqueueOpts) error {
	r, closeFn, err := openInput(env, o.file)
	if err != nil {
		return err
	}
	defer closeFn()
	c, err := loadConfig()
	if err != nil {
		return err
	}
	lines, err := tasks.ReadLines(r, c.limits())
	if err != nil {
		return fmt.Errorf("nothing enqueued:\n%w", err)
	}
	opts, err := o.options()
	if err != nil {
		return err
	}
	return withProducer(ctx, c, func(p *tasks.Client) error {
		for i, l := range lines {
			lineOpts, _ := l.Options() // ReadLines checked them
			id, err := p.Enqueue(ctx, l.Type, l.Payload, append(slices.Clone(opts), lineOpts...)...)
			if err != nil {
				return fmt.Errorf("enqueued %d of %d tasks, then: %w", i, len(lines), err)
			}
			fmt.Fprintln(env.Stdout, id)
		}
		return nil
	})
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

// enqueueOne enqueues one payload built from flags.
func enqueueOne(ctx context.Context, env Env, o *enqueueOpts, taskType string, payload any) error {
	c, err := loadConfig()
	if err != nil {
		return err
	}
	b, err := json.Marshal(payload)
	if err != nil {
		return fmt.Errorf("encode payload: %w", err)
	}
	opts, err := o.options()
	if err != nil {
		return err
	}
	return withProducer(ctx, c, func(p *tasks.Client) error {
		id, err := p.Enqueue(ctx, taskType, b, opts...)
		var ve *tasks.ValidationError
		if errors.As(err, &ve) {
			return usagef("%w", err)
		}
		if err != nil {
			return err
		}
		fmt.Fprintln(env.Stdout, id)
		return nil
	})
}
