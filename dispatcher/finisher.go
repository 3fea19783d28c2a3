package dispatcher

import (
	"context"
	"errors"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/cenkalti/backoff/v4"
	"github.com/redis/go-redis/v9"

	"github.com/chatq/chatq/taskstatus"
)

// finishedTask is a task that ended well, waiting for the finisher.
type finishedTask struct {
	id     string
	marker taskstatus.Marker
}

// finisher writes, off the hot path, what a task that ended well leaves in
// Redis: it unlinks the task's failure state (a task deferred and then
// delivered has state that asynq's retry count does not reveal, and
// reading it on every delivery would cost a round trip) and sets its
// delivered marker (delivered.go). Finished tasks queue on a channel; each
// batch of up to maxBatch is one pipelined round trip, every interval or
// as soon as a batch is full.
//
// A marker matters most when Redis fails, which is when asynq loses
// completions, so a batch that cannot be written is kept and written again
// with backoff (up to maxPending tasks; beyond, the oldest are dropped and
// counted), and what is left at shutdown is tried once more. Until its
// batch is written a task has no marker: that window (interval, or the
// outage) is the one issue #10 leaves open.
type finisher struct {
	rdb        redis.UniversalClient
	logger     *slog.Logger
	ttl        time.Duration // of the markers; <= 0: none written
	tasks      chan finishedTask
	interval   time.Duration
	maxBatch   int
	maxPending int
	writeWait  time.Duration // bound of one batch's round trip
	stopped    chan struct{}
	full       atomic.Int64 // tasks note found no room for

	// Owned by the loop goroutine.
	pending []finishedTask
	retryAt time.Time
	backoff *backoff.ExponentialBackOff
	failing int // batches failed in a row
	dropped int // tasks dropped beyond maxPending in this outage
}

func newFinisher(rdb redis.UniversalClient, logger *slog.Logger, ttl time.Duration) *finisher {
	b := backoff.NewExponentialBackOff()
	b.InitialInterval, b.MaxInterval, b.MaxElapsedTime = 100*time.Millisecond, 2*time.Second, 0
	return &finisher{rdb: rdb, logger: logger, ttl: ttl, tasks: make(chan finishedTask, 10000),
		interval: 100 * time.Millisecond, maxBatch: 500, maxPending: 100000, writeWait: 2 * time.Second,
		stopped: make(chan struct{}), backoff: b}
}

// note queues a finished task; it never blocks. A task that finds the
// queue full gets no marker, and its failure state expires by itself.
func (f *finisher) note(r run, outcome Outcome) {
	t := finishedTask{id: r.id}
	if f.ttl > 0 {
		t.marker = taskstatus.Marker{Digest: runDigest(r), Outcome: string(outcome), At: time.Now()}
	}
	select {
	case f.tasks <- t:
	default:
		f.full.Add(1)
	}
}

// marked reports whether the task's delivered marker holds digest.
func (f *finisher) marked(ctx context.Context, taskID, digest string) (bool, error) {
	got, err := f.rdb.Get(ctx, deliveredKey(taskID)).Result()
	if errors.Is(err, redis.Nil) {
		return false, nil
	}
	return err == nil && taskstatus.ParseMarker(got).Digest == digest, err
}

// start runs the loop until ctx is done, then writes what is queued.
func (f *finisher) start(ctx context.Context) {
	go func() {
		defer close(f.stopped)
		tick := time.NewTicker(f.interval)
		defer tick.Stop()
		for {
			select {
			case t := <-f.tasks:
				f.add(t)
				if len(f.pending) >= f.maxBatch {
					f.flush()
				}
			case <-tick.C:
				f.flush()
			case <-ctx.Done():
				f.drain()
				return
			}
		}
	}()
}

// wait blocks until the loop has written what it could and stopped.
func (f *finisher) wait() { <-f.stopped }

func (f *finisher) add(t finishedTask) {
	if len(f.pending) >= f.maxPending {
		f.pending = f.pending[1:]
		f.dropped++
	}
	f.pending = append(f.pending, t)
}

// flush writes the pending tasks batch by batch, unless the backoff after
// a failure is still running; it stops at the first failure.
func (f *finisher) flush() {
	if n := f.full.Swap(0); n > 0 {
		f.logger.Warn("finished tasks not queued for their delivered marker: queue full", slog.Int64("tasks", n))
	}
	if len(f.pending) == 0 || time.Now().Before(f.retryAt) {
		return
	}
	for len(f.pending) > 0 {
		n := min(len(f.pending), f.maxBatch)
		if err := f.write(f.pending[:n]); err != nil {
			f.failed(err)
			return
		}
		f.pending = f.pending[n:]
	}
	f.pending = nil
	f.recovered()
}

// write is one pipelined round trip for a batch; every key is in the
// {chatq} slot, so on a cluster it goes to one node.
func (f *finisher) write(batch []finishedTask) error {
	ctx, cancel := context.WithTimeout(context.Background(), f.writeWait)
	defer cancel()
	keys := make([]string, len(batch))
	for i, t := range batch {
		keys[i] = stateKey(t.id)
	}
	_, err := f.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		p.Unlink(ctx, keys...)
		if f.ttl > 0 {
			for _, t := range batch {
				p.Set(ctx, deliveredKey(t.id), t.marker.String(), f.ttl)
			}
		}
		return nil
	})
	return err
}

func (f *finisher) failed(err error) {
	f.failing++
	f.retryAt = time.Now().Add(f.backoff.NextBackOff())
	if f.failing == 1 {
		f.logger.Warn("cannot write finished tasks' delivered markers; retrying until Redis takes them",
			slog.Int("tasks", len(f.pending)), slog.Any("err", err))
	}
}

func (f *finisher) recovered() {
	if f.failing > 0 {
		f.logger.Info("finished tasks' delivered markers written", slog.Int("failed_attempts", f.failing),
			slog.Int("dropped", f.dropped))
	}
	f.failing, f.dropped, f.retryAt = 0, 0, time.Time{}
	f.backoff.Reset()
}

// drain takes what is queued and tries once more, whatever the backoff.
func (f *finisher) drain() {
	for {
		select {
		case t := <-f.tasks:
			f.add(t)
		default:
			f.retryAt = time.Time{}
			f.flush()
			if len(f.pending) > 0 && f.ttl > 0 {
				f.logger.Error("delivered markers not written at shutdown: these tasks are sent again if asynq runs them again",
					slog.Int("tasks", len(f.pending)))
			}
			return
		}
	}
}
