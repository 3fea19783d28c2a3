package deadletter

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/hibiken/asynq"

	"github.com/chatq/chatq/ordering"
)

// DeleteOptions say which dead letters to delete.
type DeleteOptions struct {
	// Filter selects the dead letters, open or resolved (Limit is ignored).
	Filter Filter
	// Inspector, optional, also deletes each task's archived copy in asynq.
	Inspector *asynq.Inspector
	// DryRun reports what would be deleted and changes nothing.
	DryRun bool
	// User is recorded in the audit entry.
	User string
	// Workers is how many items are deleted at once. Default 8.
	Workers int
	// Progress, optional, is called after each item with done and total.
	Progress func(done, total int)
	// Logger, optional, receives one line per failed item.
	Logger *slog.Logger
}

// Delete removes the selected dead letters for good (and their archived
// asynq copies when an Inspector is given), each under the same claim as a
// replay, so a delete and a replay never both act on one record. It writes
// an audit entry unless DryRun. Ids without a record are an
// *UnknownIDsError, unless they were replayed or deleted before
// (skipped-gone).
func (s *Store) Delete(ctx context.Context, o DeleteOptions) (Report, error) {
	if err := o.Filter.Validate(); err != nil {
		return Report{}, fmt.Errorf("deadletter: delete: %w", err)
	}
	if o.Workers <= 0 {
		o.Workers = 8
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	gone, err := s.checkIDs(ctx, o.Filter, true)
	if err != nil {
		return Report{}, err
	}
	items := goneItems(gone)
	err = s.scan(ctx, o.Filter, true, func(page []Record) bool {
		for _, r := range page {
			it := itemOf(r)
			it.Outcome = OutcomeWouldDelete
			items = append(items, it)
		}
		return true
	})
	if err != nil {
		return Report{}, fmt.Errorf("deadletter: delete: %w", err)
	}
	rep := Report{Items: items}
	if o.DryRun {
		rep.count()
		return rep, nil
	}
	token := runToken()
	p := pool{workers: o.Workers, progress: o.Progress}
	rep.Interrupted = p.run(ctx, items, OutcomeWouldDelete, func(it *Item) { s.deleteOne(ctx, &o, token, it) })
	rep.count()
	counts := map[string]int{}
	for k, n := range rep.Counts {
		counts[string(k)] = n
	}
	entry := AuditEntry{Time: s.now(), User: o.User, Op: "delete", Filter: o.Filter, Counts: counts, Failed: failedMap(rep)}
	return rep, s.audit(context.WithoutCancel(ctx), entry)
}

func (s *Store) deleteOne(parent context.Context, o *DeleteOptions, token string, it *Item) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(parent), itemTimeout)
	defer cancel()
	st, rec, err := s.claim(ctx, token, it.TaskID, time.Minute, true)
	if err != nil || st != claimOK {
		it.Outcome, it.Why = claimOutcome(st, err)
		return
	}
	if err := deleteArchived(o.Inspector, rec.Queue, rec.TaskID); err != nil {
		s.release(ctx, token, it.TaskID)
		it.Outcome, it.Why = OutcomeBusy, err.Error()
		return
	}
	if err := s.finish(ctx, token, it.TaskID, "", nil); err != nil {
		it.Outcome, it.Why = OutcomeFailed, err.Error()
		o.Logger.Warn("delete failed", slog.String("task_id", it.TaskID), slog.Any("err", err))
		return
	}
	if rec.OrderKey != "" {
		// A deleted dead letter that blocked its key frees it: the key's
		// next task is promoted by the order sweeper (this process has no
		// asynq client), which a score of 0 makes due at once. Failing
		// here only delays that: the sweeper unblocks a key whose dead
		// letter is gone.
		if _, err := ordering.New(s.rdb, nil).Settle(ctx, rec.OrderKey, rec.TaskID); err != nil {
			o.Logger.Warn("deleted, but its order key not released yet", slog.String("task_id", it.TaskID), slog.Any("err", err))
		}
	}
	it.Outcome = OutcomeDeleted
}
