package ordering

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
)

// Dead-letter modes: what a dead-lettered head does to its key.
const (
	// OnDeadLetterSkip settles the head: the tasks behind it go on.
	OnDeadLetterSkip = "skip"
	// OnDeadLetterBlock holds the key until the dead letter is replayed
	// (it takes back its place) or deleted.
	OnDeadLetterBlock = "block"
)

// CheckMode validates a dead-letter mode.
func CheckMode(mode string) error {
	if mode != OnDeadLetterSkip && mode != OnDeadLetterBlock {
		return fmt.Errorf("must be %q or %q, got %q", OnDeadLetterSkip, OnDeadLetterBlock, mode)
	}
	return nil
}

// SweeperParams configure a Sweeper.
type SweeperParams struct {
	// Queue promotes heads; it needs its asynq client. Required.
	Queue *Queue
	// Inspector reads a head's asynq state. Required.
	Inspector *asynq.Inspector
	// Interval is the time between passes. Default 10s. With several
	// workers, one pass per Interval runs (a lock in Redis picks one).
	Interval time.Duration
	// Grace is how long a head is left alone after it was promoted or
	// last found well, before a pass looks at it. Default 30s; it must
	// exceed the time between a settle and its promotion's enqueue.
	Grace time.Duration
	// OnDeadLetter is OnDeadLetterSkip (default) or OnDeadLetterBlock.
	OnDeadLetter string
	// DeadLettered reports whether a task has an open dead letter.
	// Required.
	DeadLettered func(ctx context.Context, id string) (bool, error)
	// Delivered reports whether a task ended well (its delivered marker).
	// Required.
	Delivered func(ctx context.Context, id string) (bool, error)
	// Batch bounds the keys one pass looks at. Default 1000.
	Batch int64
	// Logger, optional.
	Logger *slog.Logger
}

// Sweeper repairs what a crash leaves between two steps: a head that is
// in no asynq state (its promotion was lost) is enqueued again, one that
// ended without being settled is settled, and a dead-lettered head is
// settled or blocks its key. It looks only at keys whose head has not
// been seen well for Grace, so a healthy key costs it one read per Grace.
type Sweeper struct {
	p    SweeperParams
	done chan struct{}
}

// NewSweeper returns a Sweeper; Start runs it.
func NewSweeper(p SweeperParams) *Sweeper {
	if p.Interval <= 0 {
		p.Interval = 10 * time.Second
	}
	if p.Grace <= 0 {
		p.Grace = 30 * time.Second
	}
	if p.OnDeadLetter == "" {
		p.OnDeadLetter = OnDeadLetterSkip
	}
	if p.Batch <= 0 {
		p.Batch = 1000
	}
	if p.Logger == nil {
		p.Logger = slog.New(slog.DiscardHandler)
	}
	return &Sweeper{p: p, done: make(chan struct{})}
}

// Start runs a pass now and then every Interval, until Shutdown.
func (s *Sweeper) Start(wg *sync.WaitGroup) {
	ctx, cancel := context.WithCancel(context.Background())
	wg.Go(func() {
		<-s.done
		cancel()
	})
	wg.Go(func() {
		t := time.NewTicker(s.p.Interval)
		defer t.Stop()
		for {
			s.exec(ctx)
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	})
}

// Shutdown stops the loop, cancelling a pass in progress.
func (s *Sweeper) Shutdown() { close(s.done) }

func (s *Sweeper) exec(ctx context.Context) {
	ok, err := s.p.Queue.rdb.SetNX(ctx, sweepLock, "1", s.p.Interval*9/10).Result()
	if err != nil || !ok {
		return
	}
	rep, err := s.Sweep(ctx)
	if err != nil && ctx.Err() == nil {
		s.p.Logger.Warn("order sweeper pass failed", "err", err)
	}
	if rep.Promoted+rep.Settled+rep.Blocked > 0 {
		s.p.Logger.Info("order sweeper pass", "checked", rep.Checked, "promoted", rep.Promoted,
			"settled", rep.Settled, "blocked", rep.Blocked)
	}
}

// SweepReport counts what one pass did.
type SweepReport struct {
	Checked  int // keys looked at
	Promoted int // heads in no asynq state, enqueued again
	Settled  int // heads that had ended (or were skipped), settled
	Blocked  int // keys newly blocked by a dead-lettered head
}

// Sweep runs one pass now, whatever the lock (tests and the CLI call it).
func (s *Sweeper) Sweep(ctx context.Context) (SweepReport, error) {
	now := s.p.Queue.now()
	keys, err := s.p.Queue.rdb.ZRangeByScore(ctx, activeKey, &redis.ZRangeBy{
		Min: "-inf", Max: strconv.FormatInt(now.Add(-s.p.Grace).UnixMilli(), 10), Count: s.p.Batch,
	}).Result()
	if err != nil {
		return SweepReport{}, fmt.Errorf("ordering: sweep: %w", err)
	}
	var rep SweepReport
	var errs []error
	for _, key := range keys {
		if ctx.Err() != nil {
			break
		}
		rep.Checked++
		if err := s.check(ctx, key, &rep); err != nil {
			errs = append(errs, err)
		}
	}
	return rep, errors.Join(errs...)
}

// check repairs one key; see Sweeper.
func (s *Sweeper) check(ctx context.Context, key string, rep *SweepReport) error {
	q := s.p.Queue
	id, t, err := q.headOf(ctx, key)
	switch {
	case err != nil && !errors.Is(err, ErrNoTask):
		return fmt.Errorf("ordering: sweep %q: %w", key, err)
	case id == "":
		return dropIfEmptyScript.Run(ctx, q.rdb, []string{seqKey(key), activeKey}, key).Err()
	case err != nil:
		s.p.Logger.Error("ordered key's head has no stored task; the key is stuck until it is repaired by hand",
			"order_key", key, "task_id", id)
		return s.touch(ctx, key)
	}
	st, err := s.stateOf(ctx, t.Queue, id)
	if err != nil {
		return err
	}
	blocked, err := q.rdb.ZScore(ctx, blockedKey, key).Result()
	if err != nil && !errors.Is(err, redis.Nil) {
		return fmt.Errorf("ordering: sweep %q: %w", key, err)
	}
	return s.repair(ctx, key, id, st, blocked > 0, rep)
}

// headState is what the Sweeper knows of a head.
type headState int

const (
	stateLive    headState = iota // pending, active, scheduled, retry: leave it
	stateEnded                    // completed, or delivered marker
	stateDead                     // archived, or an open dead letter
	stateNowhere                  // in no asynq state, no trace of an end
)

func (s *Sweeper) stateOf(ctx context.Context, queue, id string) (headState, error) {
	info, err := s.p.Inspector.GetTaskInfo(queue, id)
	switch {
	case err == nil && info.State == asynq.TaskStateCompleted:
		return stateEnded, nil
	case err == nil && info.State == asynq.TaskStateArchived:
		return stateDead, nil
	case err == nil:
		return stateLive, nil
	case !errors.Is(err, asynq.ErrTaskNotFound) && !errors.Is(err, asynq.ErrQueueNotFound):
		return stateLive, fmt.Errorf("ordering: sweep: asynq state of %s: %w", id, err)
	}
	if dead, err := s.p.DeadLettered(ctx, id); err != nil || dead {
		return stateDead, err
	}
	if ok, err := s.p.Delivered(ctx, id); err != nil || ok {
		return stateEnded, err
	}
	return stateNowhere, nil
}

func (s *Sweeper) repair(ctx context.Context, key, id string, st headState, blocked bool, rep *SweepReport) error {
	q := s.p.Queue
	switch {
	case st == stateLive, st == stateDead && blocked:
		return s.touch(ctx, key)
	case st == stateDead && s.p.OnDeadLetter == OnDeadLetterBlock:
		ok, err := q.Block(ctx, key, id)
		if ok {
			rep.Blocked++
			s.p.Logger.Warn("ordered key blocked by its dead-lettered head", "order_key", key, "task_id", id)
		}
		return errors.Join(err, s.touch(ctx, key))
	case st == stateNowhere && !blocked:
		rep.Promoted++
		s.p.Logger.Warn("ordered key's head was in no asynq state; enqueued again", "order_key", key, "task_id", id)
		return errors.Join(q.promote(ctx, key, id), s.touch(ctx, key))
	}
	// Ended, dead-lettered and skipped, or blocked by a dead letter that is
	// gone (deleted by retention or by hand): the key goes on.
	ok, err := q.Settle(ctx, key, id)
	if ok {
		rep.Settled++
	}
	return err
}

// touch records that key was looked at now.
func (s *Sweeper) touch(ctx context.Context, key string) error {
	return s.p.Queue.rdb.ZAddXX(ctx, activeKey, redis.Z{Score: float64(s.p.Queue.now().UnixMilli()), Member: key}).Err()
}
