package cli

import (
	"fmt"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/chatq/chatq/ordering"
	"github.com/chatq/chatq/tasks"
)

// producerConfig is the tasks.ClientConfig of every producer the CLI makes.
func (c Config) producerConfig() tasks.ClientConfig {
	expiry, _ := parseExpiryDefaults(c.ExpiryDefaults) // validate checked it
	return tasks.ClientConfig{Limits: c.limits(), DefaultMaxRetry: c.MaxRetry,
		IdempotencyWindow: c.IdempotencyWindow, ExpiryDefaults: expiry}
}

// parseExpiryDefaults parses CHATQ_EXPIRY_DEFAULTS: comma-separated
// "<task type>:<duration>" pairs, e.g. "message:send:2h,group:create:30m".
// The duration follows the type's last colon. "" means no defaults.
func parseExpiryDefaults(s string) (map[string]time.Duration, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	out := map[string]time.Duration{}
	for pair := range strings.SplitSeq(s, ",") {
		pair = strings.TrimSpace(pair)
		i := strings.LastIndexByte(pair, ':')
		if i < 0 {
			return nil, fmt.Errorf(`must be "<task type>:<duration>" pairs such as "message:send:2h", got %q`, pair)
		}
		typ, ds := pair[:i], pair[i+1:]
		if tasks.QueueFor(typ) == "" {
			return nil, fmt.Errorf("unknown task type %q (want one of %s)", typ, strings.Join(tasks.Types(), ", "))
		}
		d, err := time.ParseDuration(ds)
		if err != nil || d <= 0 {
			return nil, fmt.Errorf("%s: must be a positive duration such as 90s or 2h, got %q", typ, ds)
		}
		out[typ] = d
	}
	return out, nil
}

func (o *enqueueOpts) bindGuarantees(fl *pflag.FlagSet) {
	fl.StringVar(&o.key, "key", "", "idempotency key: the same key within CHATQ_IDEMPOTENCY_WINDOW enqueues once (not with -f: a line has its own \"key\")")
	fl.DurationVar(&o.ttl, "ttl", 0, "dead-letter the task as expired if it is not sent within this time")
	fl.StringVar(&o.expiresAt, "expires-at", "", "dead-letter the task as expired if it is not sent by this RFC 3339 time")
	fl.StringVar(&o.orderKey, "order-key", "", "deliver the tasks of this order key one at a time, in enqueue order (with -f: every line without its own)")
	fl.BoolVar(&o.ordered, "ordered", false, "order the task within its conversation (a one-to-one chat, a group, a room)")
}

// guaranteeOptions checks --key, --ttl and --expires-at (a deadline must
// still be ahead at now) and appends their options to opts.
func (o *enqueueOpts) guaranteeOptions(fl *pflag.FlagSet, opts []tasks.Option, now time.Time) ([]tasks.Option, error) {
	if fl.Changed("key") {
		if o.key == "" || len(o.key) > maxKeyBytes {
			return nil, usagef("--key: must be 1 to %d bytes, got %d", maxKeyBytes, len(o.key))
		}
		opts = append(opts, tasks.Key(o.key))
	}
	if fl.Changed("ttl") && fl.Changed("expires-at") {
		return nil, usagef("--ttl and --expires-at: give at most one")
	}
	if fl.Changed("ttl") {
		if o.ttl <= 0 {
			return nil, usagef("--ttl: must be a positive duration such as 90s or 2h, got %v", o.ttl)
		}
		opts = append(opts, tasks.TTL(o.ttl))
	}
	if fl.Changed("expires-at") {
		t, err := time.Parse(time.RFC3339, o.expiresAt)
		if err != nil {
			return nil, usagef("--expires-at: must be an RFC 3339 time such as 2026-01-02T15:04:05Z, got %q", o.expiresAt)
		}
		if !t.After(now) {
			return nil, usagef("--expires-at: must be in the future, got %s (already passed)", o.expiresAt)
		}
		opts = append(opts, tasks.ExpiresAt(t))
	}
	return o.orderOptions(fl, opts)
}

// orderOptions checks --order-key and --ordered and appends their option.
func (o *enqueueOpts) orderOptions(fl *pflag.FlagSet, opts []tasks.Option) ([]tasks.Option, error) {
	switch {
	case fl.Changed("order-key") && o.ordered:
		return nil, usagef("--order-key and --ordered: give at most one")
	case fl.Changed("order-key"):
		if err := ordering.CheckKey(o.orderKey); err != nil {
			return nil, usagef("--order-key: %v", err)
		}
		opts = append(opts, tasks.OrderKey(o.orderKey))
	case o.ordered:
		opts = append(opts, tasks.Ordered())
	}
	return opts, nil
}

// maxKeyBytes is tasks.Key's limit on an idempotency key.
const maxKeyBytes = 1024
