package deadletter

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
)

// archivePage is how many archived tasks one Inspector call lists.
const archivePage = 500

// importArchive walks every queue's archive and records the tasks that
// have no record, and deletes the copies of tombstoned ones.
func (r *Reconciler) importArchive(ctx context.Context, rep *ReconcileReport) error {
	queues, err := r.p.Inspector.Queues()
	if err != nil {
		return fmt.Errorf("deadletter: reconcile: queues: %w", err)
	}
	for _, q := range queues {
		var stale []string
		for page := 1; ; page++ {
			infos, err := r.p.Inspector.ListArchivedTasks(q, asynq.PageSize(archivePage), asynq.Page(page))
			if err != nil {
				return fmt.Errorf("deadletter: reconcile: archive of %s: %w", q, err)
			}
			gone, err := r.importPage(ctx, infos, rep)
			if err != nil {
				return err
			}
			stale = append(stale, gone...)
			if len(infos) < archivePage || ctx.Err() != nil {
				break
			}
		}
		for _, id := range stale { // after listing: deleting shifts the pages
			if err := r.p.Inspector.DeleteTask(q, id); err == nil {
				rep.ArchiveCleaned++
			}
		}
	}
	return ctx.Err()
}

// importPage records the archived tasks of one page that have neither a
// record nor a tombstone; it returns the tombstoned ones.
func (r *Reconciler) importPage(ctx context.Context, infos []*asynq.TaskInfo, rep *ReconcileReport) ([]string, error) {
	if len(infos) == 0 {
		return nil, nil
	}
	s := r.p.Store
	exists := make([]*redis.IntCmd, len(infos))
	tombs := make([]*redis.FloatCmd, len(infos))
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, ti := range infos {
			exists[i] = p.Exists(ctx, recordKey(ti.ID))
			tombs[i] = p.ZScore(ctx, tombstoneKey, ti.ID)
		}
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("deadletter: reconcile: %w", err)
	}
	var stale []string
	for i, ti := range infos {
		switch {
		case tombs[i].Err() == nil:
			stale = append(stale, ti.ID)
		case exists[i].Val() == 0:
			ok, err := s.putIfAbsent(ctx, recordFromArchive(ti, s.now(), r.p.MaxPayloadBytes))
			if err != nil {
				return nil, fmt.Errorf("deadletter: reconcile: import %s: %w", ti.ID, err)
			}
			if ok {
				rep.Imported++
			}
		}
	}
	return stale, nil
}

// ArchiveRule is the rule name of records the reconciler imports.
const ArchiveRule = "asynq-archived"

// recordFromArchive makes the record of an archived task; a payload over
// maxPayload (one no worker would decode) keeps only its prefix.
func recordFromArchive(ti *asynq.TaskInfo, now time.Time, maxPayload int) Record {
	last := ti.LastFailedAt
	if last.IsZero() {
		last = now
	}
	reason := "archived by asynq without a chatq decision"
	if ti.LastErr != "" {
		reason += ": " + ti.LastErr
	}
	r := Record{
		TaskID: ti.ID, Type: ti.Type, Queue: ti.Queue,
		Rule: ArchiveRule, Action: "dead-letter", Reason: reason,
		Attempts: ti.Retried + 1, FirstFailure: last, LastFailure: last, Source: SourceReconciler,
	}
	keep := len(ti.Payload)
	if keep > maxPayload {
		keep = PayloadPrefixBytes
	}
	r.SetPayloadPrefix(ti.Payload, keep)
	return r
}

// asynqTaskKey is the key of asynq's hash of a task, whose field "state"
// is "pending", "archived" and so on; the key is missing once asynq deleted
// the task. The reconciler reads it directly (asynq:{queue}:t:<id>, field "state", stable since
// asynq 0.18): one pipelined HGET per record instead of an Inspector
// call per record keeps a pass over 100,000 records to a few hundred round
// trips.
func asynqTaskKey(queue, id string) string { return "asynq:{" + queue + "}:t:" + id }

// resolveReruns pages through the open records and checks their tasks in
// asynq: live again (after RerunGrace) marks them re-run; re-run and then
// gone resolves them.
func (r *Reconciler) resolveReruns(ctx context.Context, rep *ReconcileReport) error {
	s := r.p.Store
	grace := s.now().Add(-r.p.RerunGrace)
	var pageErr error
	err := s.scan(ctx, Filter{State: StateOpen}, false, func(page []Record) bool {
		states := make([]*redis.StringCmd, len(page))
		reruns := make([]*redis.FloatCmd, len(page))
		_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
			for i, rec := range page {
				states[i] = p.HGet(ctx, asynqTaskKey(rec.Queue, rec.TaskID), "state")
				reruns[i] = p.ZScore(ctx, rerunKey, rec.TaskID)
			}
			return nil
		})
		if err != nil && !errors.Is(err, redis.Nil) {
			pageErr = err
			return false
		}
		pageErr = r.settleReruns(ctx, page, states, reruns, grace, rep)
		return pageErr == nil
	})
	if err == nil {
		err = pageErr
	}
	if err != nil {
		return fmt.Errorf("deadletter: reconcile: re-runs: %w", err)
	}
	return nil
}

func (r *Reconciler) settleReruns(ctx context.Context, page []Record, states []*redis.StringCmd,
	reruns []*redis.FloatCmd, grace time.Time, rep *ReconcileReport) error {
	s := r.p.Store
	now := s.now().UnixMilli()
	for i, rec := range page {
		state, seen := states[i].Val(), reruns[i].Err() == nil
		switch {
		case state == "" && seen:
			n, err := s.resolve(ctx, []string{rec.TaskID})
			if err != nil {
				return err
			}
			rep.Resolved += int(n)
			_ = s.rdb.ZRem(ctx, rerunKey, rec.TaskID).Err()
		case state != "" && state != "archived" && !seen && rec.LastFailure.Before(grace):
			if err := s.rdb.ZAdd(ctx, rerunKey, redis.Z{Score: float64(now), Member: rec.TaskID}).Err(); err != nil {
				return err
			}
		}
	}
	return nil
}

// expire applies Retention: records whose last failure is older are
// removed (with their archived copies), and one audit entry says how many,
// also when the pass stops part-way (shutdown, a Redis error): records
// removed without an audit entry would be lost without a trace.
func (r *Reconciler) expire(ctx context.Context, rep *ReconcileReport) (err error) {
	if r.p.Retention <= 0 {
		return nil
	}
	s := r.p.Store
	until := s.now().Add(-r.p.Retention)
	cut := strconv.FormatInt(until.UnixMilli()-1, 10)
	defer func() {
		if rep.Expired == 0 {
			return
		}
		auditErr := s.audit(context.WithoutCancel(ctx), AuditEntry{Time: s.now(), User: "chatq-reconciler", Op: "retention",
			Filter: Filter{Until: until}, Counts: map[string]int{"expired": rep.Expired}})
		err = errors.Join(err, auditErr)
	}()
	for {
		ids, err := s.rdb.ZRangeByScore(ctx, indexKey, &redis.ZRangeBy{Min: "-inf", Max: cut, Count: pageSize}).Result()
		if err != nil {
			return fmt.Errorf("deadletter: retention: %w", err)
		}
		if len(ids) == 0 {
			break
		}
		recs, err := s.getMany(ctx, ids)
		if err != nil {
			return fmt.Errorf("deadletter: retention: %w", err)
		}
		for _, rec := range recs {
			_ = deleteArchived(r.p.Inspector, rec.Queue, rec.TaskID)
		}
		if err := s.remove(ctx, ids); err != nil {
			return fmt.Errorf("deadletter: retention: %w", err)
		}
		rep.Expired += len(ids)
	}
	return nil
}
