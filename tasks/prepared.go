package tasks

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/hibiken/asynq"
)

// Prepared is a task that passed every check of an enqueue (Prepare),
// built and ready to be enqueued by EnqueuePrepared. Its enqueue time —
// the start of a TTL, the enqueued-at header — is when it was prepared.
type Prepared struct {
	typ    string
	task   *asynq.Task
	key    string
	retain time.Duration
	ord    *orderSpec // nil unless ordered
}

// Type is the task's type.
func (p *Prepared) Type() string { return p.typ }

// Prepare runs every check Enqueue runs (see Check) and returns the built
// task, so a caller that checks a whole batch before its first enqueue
// (the ingest API) decodes, validates and encodes each task once.
func (c *Client) Prepare(taskType string, payload json.RawMessage, opts ...Option) (*Prepared, error) {
	p, err := c.decode(taskType, payload, opts)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	task, o, err := buildTask(p, true, c.defaults, opts, now)
	if err != nil {
		return nil, err
	}
	if o.key != "" && c.rdb == nil {
		return nil, ErrNoKeyStore
	}
	ord := orderSpecOf(task, o, now)
	if ord != nil && c.order == nil {
		return nil, ErrNoOrderStore
	}
	return &Prepared{typ: taskType, task: task, key: o.key, retain: o.retain, ord: ord}, nil
}

// EnqueuePrepared enqueues a task Prepare built, as Enqueue would have:
// with its idempotency key, if any. It returns the asynq task id.
func (c *Client) EnqueuePrepared(ctx context.Context, p *Prepared) (string, error) {
	if c.err != nil {
		return "", c.err
	}
	if p.key != "" {
		return c.enqueueKeyed(ctx, p.task, p.key, p.retain, p.ord)
	}
	if p.ord != nil {
		return c.enqueueOrdered(ctx, p.ord)
	}
	info, err := c.ac.EnqueueContext(ctx, p.task)
	if err != nil {
		return "", fmt.Errorf("enqueuing %s: %w", p.typ, err)
	}
	return info.ID, nil
}
