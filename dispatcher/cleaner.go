package dispatcher

import (
	"context"
	"log/slog"
	"time"

	"github.com/redis/go-redis/v9"
)

// stateCleaner deletes the failure state of finished tasks in batches. A
// task deferred and then delivered has state that asynq's retry count does
// not reveal, and reading it on every delivery would cost the hot path a
// Redis round trip; so finished ids are queued here and their keys unlinked
// together, one round trip per batch. Ids that do not fit in the buffer, or
// are pending at a crash, expire with the key's TTL.
type stateCleaner struct {
	rdb      redis.UniversalClient
	logger   *slog.Logger
	ids      chan string
	interval time.Duration
	maxBatch int
	stopped  chan struct{}
}

func newStateCleaner(rdb redis.UniversalClient, logger *slog.Logger) *stateCleaner {
	return &stateCleaner{rdb: rdb, logger: logger, ids: make(chan string, 10000),
		interval: 100 * time.Millisecond, maxBatch: 500, stopped: make(chan struct{})}
}

// note queues the task's state for deletion; it never blocks.
func (c *stateCleaner) note(taskID string) {
	select {
	case c.ids <- taskID:
	default: // full: the key expires by itself
	}
}

// start runs the loop until ctx is done, then flushes what is queued.
func (c *stateCleaner) start(ctx context.Context) {
	go func() {
		defer close(c.stopped)
		tick := time.NewTicker(c.interval)
		defer tick.Stop()
		batch := make([]string, 0, c.maxBatch)
		for {
			select {
			case id := <-c.ids:
				if batch = append(batch, stateKey(id)); len(batch) == c.maxBatch {
					batch = c.flush(batch)
				}
			case <-tick.C:
				batch = c.flush(batch)
			case <-ctx.Done():
				c.drain(batch)
				return
			}
		}
	}()
}

// wait blocks until the loop has flushed and stopped.
func (c *stateCleaner) wait() { <-c.stopped }

func (c *stateCleaner) drain(batch []string) {
	for {
		select {
		case id := <-c.ids:
			batch = append(batch, stateKey(id))
		default:
			c.flush(batch)
			return
		}
	}
}

// flush unlinks the keys (all in the {chatq} slot) and returns the emptied batch.
func (c *stateCleaner) flush(batch []string) []string {
	if len(batch) == 0 {
		return batch
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := c.rdb.Unlink(ctx, batch...).Err(); err != nil {
		c.logger.Warn("cannot delete finished tasks' failure state; it expires by itself",
			slog.Int("keys", len(batch)), slog.Any("err", err))
	}
	return batch[:0]
}
