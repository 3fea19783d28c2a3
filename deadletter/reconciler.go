package deadletter

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/hibiken/asynq"

	"github.com/chatq/chatq/internal/testsignal"
	"github.com/chatq/chatq/tasks"
)

// ReconcilerParams configure a Reconciler.
type ReconcilerParams struct {
	// Store is where the records are. Required.
	Store *Store
	// Inspector reads and cleans asynq's archive. Required.
	Inspector *asynq.Inspector
	// Interval is the time between passes. Default 1m. With several
	// workers, one pass per Interval runs (a lock in Redis picks one).
	Interval time.Duration
	// Retention deletes records whose last failure is older than this (and
	// writes an audit entry saying how many). Default 0: keep forever.
	Retention time.Duration
	// RerunGrace is how old a record must be before a live asynq task with
	// its id counts as "run again" (the dispatcher writes the record a few
	// milliseconds before asynq archives the task). Default 30s.
	RerunGrace time.Duration
	// MaxPayloadBytes is the largest payload an imported record keeps
	// whole; a larger one keeps only its first PayloadPrefixBytes, with its
	// size and SHA-256. Default tasks.DefaultMaxPayloadBytes; the worker
	// passes its own cap (dispatcher.Config.MaxPayloadBytes).
	MaxPayloadBytes int
	// Logger, optional.
	Logger *slog.Logger
}

// Reconciler keeps the store complete and current, one pass per Interval:
//
//   - it imports tasks found in asynq's archive without a record (a lease
//     that expired with no retries left, an "archive" pressed in
//     asynqmon), as records with Source "reconciler";
//   - it deletes archived copies of dead letters already replayed or
//     deleted (their tombstones);
//   - it resolves records whose task was seen live again (run from
//     asynqmon) and has since left asynq without a new dead letter: asynq
//     deletes a task only when it succeeds. The Resolver normally does this
//     at once; this is the safety net. A record whose task is simply gone
//     from asynq, never seen running, stays open: a delete in asynqmon and
//     a missed success look the same, and an open dead letter can still be
//     looked at and replayed, while a wrongly resolved one would be lost;
//   - it applies Retention, when set.
type Reconciler struct {
	p    ReconcilerParams
	done chan struct{}

	testSignals reconcilerTestSignals
}

// reconcilerTestSignals tell a test where the loop is (internal/testsignal).
type reconcilerTestSignals struct {
	passed testsignal.Signal[ReconcileReport] // a pass ran (this worker held the lock)
}

// NewReconciler returns a Reconciler; Start runs it.
func NewReconciler(p ReconcilerParams) *Reconciler {
	if p.Interval <= 0 {
		p.Interval = time.Minute
	}
	if p.RerunGrace <= 0 {
		p.RerunGrace = 30 * time.Second
	}
	if p.Logger == nil {
		p.Logger = slog.New(slog.DiscardHandler)
	}
	if p.MaxPayloadBytes <= 0 {
		p.MaxPayloadBytes = tasks.DefaultMaxPayloadBytes
	}
	return &Reconciler{p: p, done: make(chan struct{})}
}

// Start runs a pass now and then every Interval, until Shutdown.
func (r *Reconciler) Start(wg *sync.WaitGroup) {
	ctx, cancel := context.WithCancel(context.Background())
	wg.Go(func() {
		<-r.done
		cancel()
	})
	wg.Go(func() {
		t := time.NewTicker(r.p.Interval)
		defer t.Stop()
		for {
			r.exec(ctx)
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	})
}

// Shutdown stops the loop, cancelling a pass in progress.
func (r *Reconciler) Shutdown() { close(r.done) }

// exec runs one pass unless another worker's pass holds the lock.
func (r *Reconciler) exec(ctx context.Context) {
	ok, err := r.p.Store.rdb.SetNX(ctx, reconcileLock, runToken(), r.p.Interval*9/10).Result()
	if err != nil || !ok {
		return
	}
	rep, err := r.Reconcile(ctx)
	if err != nil && ctx.Err() == nil {
		r.p.Logger.Warn("dead-letter reconciler pass failed", "err", err)
	}
	if rep != (ReconcileReport{}) {
		r.p.Logger.Info("dead-letter reconciler pass", "imported", rep.Imported, "archive_cleaned", rep.ArchiveCleaned,
			"resolved", rep.Resolved, "expired", rep.Expired)
	}
	r.testSignals.passed.Signal(rep)
}

// ReconcileReport counts what one pass did.
type ReconcileReport struct {
	Imported       int // archived tasks without a record, now recorded
	ArchiveCleaned int // archived copies of replayed or deleted dead letters removed
	Resolved       int // records whose re-run task succeeded
	Expired        int // records removed by Retention
}

// Reconcile runs one pass now (tests and the CLI call it directly).
func (r *Reconciler) Reconcile(ctx context.Context) (ReconcileReport, error) {
	var rep ReconcileReport
	if err := r.importArchive(ctx, &rep); err != nil {
		return rep, err
	}
	if err := r.resolveReruns(ctx, &rep); err != nil {
		return rep, err
	}
	if err := r.expire(ctx, &rep); err != nil {
		return rep, err
	}
	return rep, r.pruneTombstones(ctx)
}

// tombstoneTTL outlives asynq's longest archive retention (90 days).
const tombstoneTTL = 91 * 24 * time.Hour

func (r *Reconciler) pruneTombstones(ctx context.Context) error {
	cut := r.p.Store.now().Add(-tombstoneTTL).UnixMilli()
	if err := r.p.Store.rdb.ZRemRangeByScore(ctx, tombstoneKey, "-inf", fmt.Sprint(cut)).Err(); err != nil {
		return fmt.Errorf("deadletter: reconcile: prune tombstones: %w", err)
	}
	return nil
}
