package tasks

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"github.com/chatq/chatq/ordering"
)

// ClientConfig configures a Client.
type ClientConfig struct {
	// Limits are the validation limits of every task the Client enqueues,
	// unless WithLimits overrides them. Optional; the zero value means the
	// defaults (DefaultMaxMessageBytes).
	Limits Limits
	// DefaultMaxRetry is the retry budget of every task the Client enqueues,
	// unless MaxRetry overrides it. Optional; 0 means DefaultMaxRetry (25).
	// A task without retries needs MaxRetry(0).
	DefaultMaxRetry int
	// IdempotencyWindow is how long an idempotency key (Key) is remembered
	// from the first enqueue with it. Optional; 0 means
	// DefaultIdempotencyWindow (24h). Keyed tasks are also kept this long
	// after completion (asynq Retention).
	IdempotencyWindow time.Duration
	// ExpiryDefaults maps a task type to the TTL its tasks get when neither
	// ExpiresAt nor TTL is given. Optional; types not listed never expire
	// by default.
	ExpiryDefaults map[string]time.Duration
	// Redis is where idempotency keys are kept. Optional for NewClient,
	// which otherwise opens a client on its RedisConnOpt; required by
	// NewClientFromAsynq for Key. Close does not close it.
	Redis redis.UniversalClient
}

// Client enqueues validated chatq tasks. It is safe for concurrent use.
type Client struct {
	ac       *asynq.Client
	owned    bool                  // Close closes ac
	rdb      redis.UniversalClient // idempotency keys; nil => Key unsupported
	ownsRDB  bool                  // Close closes rdb
	window   time.Duration         // idempotency window
	defaults options               // from ClientConfig
	order    *ordering.Queue       // ordered tasks; nil => OrderKey unsupported
	err      error                 // invalid ClientConfig, returned by every call
}

// NewClient returns a Client that enqueues through a new asynq client on r.
// Like asynq.NewClient, it panics on an unsupported RedisConnOpt type. An
// invalid cfg is reported by every enqueue call.
func NewClient(r asynq.RedisConnOpt, cfg ClientConfig) *Client {
	c := newClient(asynq.NewClient(r), cfg)
	c.owned = true
	if c.rdb == nil {
		if rdb, ok := r.MakeRedisClient().(redis.UniversalClient); ok {
			c.rdb, c.ownsRDB = rdb, true
			c.order = ordering.New(rdb, c.ac)
		}
	}
	return c
}

// NewClientFromAsynq returns a Client that enqueues through c. Close does not
// close c.
func NewClientFromAsynq(c *asynq.Client, cfg ClientConfig) *Client {
	out := newClient(c, cfg)
	if c == nil {
		out.err = errors.New("tasks: nil asynq client")
	}
	return out
}

// newClient applies the defaults of cfg: the one place where they are.
func newClient(ac *asynq.Client, cfg ClientConfig) *Client {
	c := &Client{ac: ac, rdb: cfg.Redis, window: cfg.IdempotencyWindow,
		defaults: options{budget: cfg.DefaultMaxRetry, limits: cfg.Limits, expiry: cfg.ExpiryDefaults}}
	switch {
	case cfg.DefaultMaxRetry < 0:
		c.err = fmt.Errorf("ClientConfig.DefaultMaxRetry: must be >= 0, got %d", cfg.DefaultMaxRetry)
	case cfg.DefaultMaxRetry > maxBudget:
		c.err = fmt.Errorf("ClientConfig.DefaultMaxRetry: must be <= %d, got %d", maxBudget, cfg.DefaultMaxRetry)
	case cfg.DefaultMaxRetry == 0:
		c.defaults.budget = DefaultMaxRetry
	}
	if err := cfg.Limits.check(); err != nil && c.err == nil {
		c.err = fmt.Errorf("ClientConfig.Limits.%w", err)
	}
	c.checkGuarantees(cfg)
	if cfg.Redis != nil && ac != nil {
		c.order = ordering.New(cfg.Redis, ac)
	}
	return c
}

// Close closes the underlying asynq client if the Client created it.
func (c *Client) Close() error {
	var err error
	if c.ownsRDB {
		err = c.rdb.Close()
	}
	if !c.owned {
		return err
	}
	return errors.Join(c.ac.Close(), err)
}

// SendMessage validates p and enqueues a TypeSendMessage task. It returns the
// asynq task id.
func (c *Client) SendMessage(ctx context.Context, p SendMessage, opts ...Option) (string, error) {
	return c.enqueue(ctx, p, opts)
}

// RegisterUsers validates p and enqueues a TypeRegisterUser task. It returns
// the asynq task id.
func (c *Client) RegisterUsers(ctx context.Context, p RegisterUsers, opts ...Option) (string, error) {
	return c.enqueue(ctx, p, opts)
}

// CreateGroup validates p and enqueues a TypeCreateGroup task. It returns the
// asynq task id.
func (c *Client) CreateGroup(ctx context.Context, p CreateGroup, opts ...Option) (string, error) {
	return c.enqueue(ctx, p, opts)
}

// DeleteGroup validates p and enqueues a TypeDeleteGroup task. It returns the
// asynq task id.
func (c *Client) DeleteGroup(ctx context.Context, p DeleteGroup, opts ...Option) (string, error) {
	return c.enqueue(ctx, p, opts)
}

// AddGroupMembers validates p and enqueues a TypeAddGroupMembers task. It
// returns the asynq task id.
func (c *Client) AddGroupMembers(ctx context.Context, p AddGroupMembers, opts ...Option) (string, error) {
	return c.enqueue(ctx, p, opts)
}

// RemoveGroupMembers validates p and enqueues a TypeRemoveGroupMembers task.
// It returns the asynq task id.
func (c *Client) RemoveGroupMembers(ctx context.Context, p RemoveGroupMembers, opts ...Option) (string, error) {
	return c.enqueue(ctx, p, opts)
}

// TransferGroupOwner validates p and enqueues a TypeTransferGroupOwner task.
// It returns the asynq task id.
func (c *Client) TransferGroupOwner(ctx context.Context, p TransferGroupOwner, opts ...Option) (string, error) {
	return c.enqueue(ctx, p, opts)
}

// RecallMessage validates p and enqueues a TypeRecallMessage task. It
// returns the asynq task id.
func (c *Client) RecallMessage(ctx context.Context, p RecallMessage, opts ...Option) (string, error) {
	return c.enqueue(ctx, p, opts)
}

// UpdateGroup validates p and enqueues a TypeUpdateGroup task. It returns
// the asynq task id.
func (c *Client) UpdateGroup(ctx context.Context, p UpdateGroup, opts ...Option) (string, error) {
	return c.enqueue(ctx, p, opts)
}

// RestCall validates p and enqueues a TypeRestCall task. It returns the
// asynq task id.
func (c *Client) RestCall(ctx context.Context, p RestCall, opts ...Option) (string, error) {
	return c.enqueue(ctx, p, opts)
}

// Enqueue strictly decodes and validates payload as a taskType payload (see
// Decode) and enqueues its canonical encoding. It returns the asynq task id.
// It is the generic entry point, used for JSON lines.
func (c *Client) Enqueue(ctx context.Context, taskType string, payload json.RawMessage, opts ...Option) (string, error) {
	p, err := c.decode(taskType, payload, opts)
	if err != nil {
		return "", err
	}
	return c.enqueueDecoded(ctx, p, true, opts)
}

// EnqueuePayload validates p and enqueues a task of p's type. It returns
// the asynq task id. It serves every task type; the typed methods
// (SendMessage, …) are shorthands for it.
func (c *Client) EnqueuePayload(ctx context.Context, p Payload, opts ...Option) (string, error) {
	return c.enqueue(ctx, p, opts)
}

// decode strictly decodes payload as a taskType payload with the limits
// opts resolve to.
func (c *Client) decode(taskType string, payload json.RawMessage, opts []Option) (Payload, error) {
	if c.err != nil {
		return nil, c.err
	}
	o, err := c.defaults.resolve(opts)
	if err != nil {
		return nil, err
	}
	return Decode(taskType, payload, o.limits)
}

func (c *Client) enqueue(ctx context.Context, p Payload, opts []Option) (string, error) {
	return c.enqueueDecoded(ctx, p, false, opts)
}

// enqueueDecoded is enqueue; decoded says p comes from c.decode with the
// same opts, already validated (buildTask).
func (c *Client) enqueueDecoded(ctx context.Context, p Payload, decoded bool, opts []Option) (string, error) {
	if c.err != nil {
		return "", c.err
	}
	typ := p.TaskType()
	now := time.Now()
	task, o, err := buildTask(p, decoded, c.defaults, opts, now)
	if err != nil {
		return "", err
	}
	ord := orderSpecOf(task, o, now)
	if o.key != "" {
		return c.enqueueKeyed(ctx, task, o.key, o.retain, ord)
	}
	if ord != nil {
		return c.enqueueOrdered(ctx, ord)
	}
	info, err := c.ac.EnqueueContext(ctx, task)
	if err != nil {
		return "", fmt.Errorf("enqueuing %s: %w", typ, err)
	}
	return info.ID, nil
}
