package tasks

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
)

// DefaultIdempotencyWindow is how long an idempotency key is remembered when
// ClientConfig.IdempotencyWindow does not say otherwise.
const DefaultIdempotencyWindow = 24 * time.Hour

// maxKeyBytes bounds an idempotency key; it is hashed, so only the caller's
// memory is at stake.
const maxKeyBytes = 1024

// Redis keys of idempotency keys. The hash tag {chatq} keeps them in the
// slot of chatq's other keys. deadLetterPrefix is the deadletter package's
// record key ({chatq}:dl:<task id>, docs/DESIGN.md); tasks only checks that
// a record exists and does not import the package.
const (
	idemPrefix       = "{chatq}:idem:"
	deadLetterPrefix = "{chatq}:dl:"
	pendingMark      = "p:" // the id was chosen, the enqueue may not have happened
	committedMark    = "c:" // the task was enqueued with this id
)

// ErrNoKeyStore is returned for an enqueue with Key by a Client made with
// NewClientFromAsynq without ClientConfig.Redis.
var ErrNoKeyStore = errors.New("tasks: Key needs ClientConfig.Redis when the Client is made with NewClientFromAsynq")

var errKeyNeedsClient = errors.New("Key: idempotency keys are kept by a Client; NewXxxTask constructors cannot honour them")

// Key makes the enqueue idempotent: within the Client's idempotency window
// (ClientConfig.IdempotencyWindow, default 24h) from the first enqueue,
// every enqueue of the same task type with the same key returns the task id
// of the first one and enqueues nothing more, whatever has become of that
// task (pending, delivered, dead-lettered, replayed). The key is remembered
// in Redis as {chatq}:idem:<sha256(type NUL key)>; the payload of later
// calls is not compared. Only Client methods honour Key.
func Key(k string) Option {
	return optionFunc(func(o *options) error {
		if k == "" || len(k) > maxKeyBytes {
			return fmt.Errorf("Key: must be 1 to %d bytes, got %d", maxKeyBytes, len(k))
		}
		o.key = k
		return nil
	})
}

func idemKey(typ, key string) string {
	sum := sha256.Sum256([]byte(typ + "\x00" + key))
	return idemPrefix + hex.EncodeToString(sum[:])
}

// enqueueKeyed enqueues task at most once per (type, key) and window.
//
// The mapping key → "p:<id>" is set with SET NX before the enqueue, with an
// id chatq chooses (asynq.TaskID), and becomes "c:<id>" after it. A caller
// that finds "c:<id>" gets id and nothing is enqueued. One that finds
// "p:<id>" (another caller is enqueuing right now, or one crashed between
// the two steps) enqueues the task under the same id: asynq refuses a second
// task with an id that exists (ErrTaskIDConflict, counted as success), and
// keyed tasks are retained after completion (asynq.Retention = window) so a
// delivered task still blocks it; a dead letter record for the id also
// counts as enqueued.
func (c *Client) enqueueKeyed(ctx context.Context, task *asynq.Task, key string, retain time.Duration, ord *orderSpec) (string, error) {
	if c.rdb == nil {
		return "", ErrNoKeyStore
	}
	k := idemKey(task.Type(), key)
	for range 3 {
		id := uuid.NewString()
		ok, err := c.rdb.SetNX(ctx, k, pendingMark+id, c.window).Result()
		if err != nil {
			return "", fmt.Errorf("idempotency key: %w", err)
		}
		if ok {
			return id, c.enqueueAs(ctx, k, task, id, retain, ord)
		}
		val, err := c.rdb.Get(ctx, k).Result()
		if errors.Is(err, redis.Nil) {
			continue // expired between SET NX and GET
		}
		if err != nil {
			return "", fmt.Errorf("idempotency key: %w", err)
		}
		if id, ok := strings.CutPrefix(val, committedMark); ok {
			return id, nil
		}
		id = strings.TrimPrefix(val, pendingMark)
		return id, c.recoverPending(ctx, k, task, id, retain, ord)
	}
	return "", errors.New("idempotency key: expired three times while being read")
}

// Enqueued reports whether a task of taskType was enqueued with the
// idempotency key k within the window, and its id: an Enqueue with that key
// would return id and enqueue nothing. An enqueue that began under k but
// may not have finished (a crash, an error midway) is not reported: the
// next Enqueue with k finishes it, under the same id.
func (c *Client) Enqueued(ctx context.Context, taskType, k string) (id string, ok bool, err error) {
	if c.rdb == nil {
		return "", false, ErrNoKeyStore
	}
	val, err := c.rdb.Get(ctx, idemKey(taskType, k)).Result()
	if errors.Is(err, redis.Nil) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("idempotency key: %w", err)
	}
	id, ok = strings.CutPrefix(val, committedMark)
	return id, ok, nil
}

// recoverPending finishes an enqueue another caller began under id.
func (c *Client) recoverPending(ctx context.Context, k string, task *asynq.Task, id string, retain time.Duration, ord *orderSpec) error {
	n, err := c.rdb.Exists(ctx, deadLetterPrefix+id).Result()
	if err != nil {
		return fmt.Errorf("idempotency key: %w", err)
	}
	if n > 0 {
		return c.commit(ctx, k, id)
	}
	return c.enqueueAs(ctx, k, task, id, retain, ord)
}

// enqueueAs enqueues task under id, then marks the mapping committed. A
// task that already has id is the same task: success. It is retained for
// the window, or retain (Retain) when longer. An ordered task (ord) is
// appended to its key under id instead; the key remembers id as long.
func (c *Client) enqueueAs(ctx context.Context, k string, task *asynq.Task, id string, retain time.Duration, ord *orderSpec) error {
	if ord != nil {
		if err := c.appendKeyed(ctx, ord, id, max(c.window, retain)); err != nil {
			return err
		}
		return c.commit(ctx, k, id)
	}
	_, err := c.ac.EnqueueContext(ctx, task, asynq.TaskID(id), asynq.Retention(max(c.window, retain)))
	if err != nil && !errors.Is(err, asynq.ErrTaskIDConflict) {
		return fmt.Errorf("enqueuing %s: %w", task.Type(), err)
	}
	return c.commit(ctx, k, id)
}

func (c *Client) commit(ctx context.Context, k, id string) error {
	err := c.rdb.SetArgs(ctx, k, committedMark+id, redis.SetArgs{Mode: "XX", KeepTTL: true}).Err()
	if err != nil && !errors.Is(err, redis.Nil) { // redis.Nil: the window ended meanwhile
		return fmt.Errorf("idempotency key: commit: %w", err)
	}
	return nil
}

// checkGuarantees applies the defaults of the idempotency and expiry
// settings of cfg and records the first invalid one.
func (c *Client) checkGuarantees(cfg ClientConfig) {
	var err error
	switch {
	case cfg.IdempotencyWindow < 0:
		err = fmt.Errorf("ClientConfig.IdempotencyWindow: must be >= 0, got %v", cfg.IdempotencyWindow)
	case cfg.IdempotencyWindow == 0:
		c.window = DefaultIdempotencyWindow
	}
	if err == nil {
		if e := checkExpiryDefaults(cfg.ExpiryDefaults); e != nil {
			err = fmt.Errorf("ClientConfig.%w", e)
		}
	}
	if err != nil && c.err == nil {
		c.err = err
	}
}
