package dispatcher

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/cenkalti/backoff/v4"
	"github.com/redis/go-redis/v9"

	"github.com/chatq/chatq/policy"
	"github.com/chatq/chatq/taskstatus"
)

// failureState keeps what asynq does not: when a task first failed and how
// often it was deferred (asynq counts only failures). One small hash per
// failing task, expiring by itself so a crash never leaves it forever.
type failureState struct {
	rdb redis.UniversalClient
	ttl time.Duration
}

type taskState struct {
	Deferrals    int
	FirstFailure time.Time
}

func stateKey(taskID string) string { return taskstatus.StateKey(taskID) }

// noteFailure records the first failure time and the decision, and
// returns the state.
func (s *failureState) noteFailure(ctx context.Context, taskID string, now time.Time, last taskstatus.Decision) (taskState, error) {
	return s.update(ctx, taskID, now, 0, last)
}

// noteDeferral counts one more deferral, records the decision and returns
// the state.
func (s *failureState) noteDeferral(ctx context.Context, taskID string, now time.Time, last taskstatus.Decision) (taskState, error) {
	return s.update(ctx, taskID, now, 1, last)
}

// lastDecision is what the status API shows of a task in retry (issue #14).
// It rides in the write the failure costs anyway, so it adds no round trip.
func lastDecision(f policy.Failure, d policy.Decision, now time.Time) taskstatus.Decision {
	return taskstatus.Decision{Action: d.Action.String(), Rule: d.Rule.Name, Reason: d.Reason,
		Status: f.Status, Code: f.Code, At: now}
}

func (s *failureState) update(ctx context.Context, taskID string, now time.Time, deferrals int64, last taskstatus.Decision) (taskState, error) {
	key := stateKey(taskID)
	var count *redis.IntCmd
	var first *redis.StringCmd
	_, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.HSetNX(ctx, key, "first_failure", now.UnixMilli())
		count = p.HIncrBy(ctx, key, "deferrals", deferrals)
		first = p.HGet(ctx, key, "first_failure")
		p.HSet(ctx, key, last.Fields()...)
		p.Expire(ctx, key, s.ttl)
		return nil
	})
	if err != nil {
		return taskState{}, fmt.Errorf("task state %s: %w", taskID, err)
	}
	ms, _ := strconv.ParseInt(first.Val(), 10, 64)
	return taskState{Deferrals: int(count.Val()), FirstFailure: time.UnixMilli(ms)}, nil
}

// load returns the state, zero when there is none.
func (s *failureState) load(ctx context.Context, taskID string) taskState {
	vals, err := s.rdb.HGetAll(ctx, stateKey(taskID)).Result()
	if err != nil {
		return taskState{}
	}
	n, _ := strconv.Atoi(vals["deferrals"])
	ms, _ := strconv.ParseInt(vals["first_failure"], 10, 64)
	st := taskState{Deferrals: n}
	if ms > 0 {
		st.FirstFailure = time.UnixMilli(ms)
	}
	return st
}

func (s *failureState) clear(ctx context.Context, taskID string) {
	_ = s.rdb.Del(ctx, stateKey(taskID)).Err()
}

// Delivered markers (issue #10). asynq v0.26 marks a task done after the
// handler returns nil; when that Redis write fails (Redis restarting,
// frozen, unreachable), its syncer retries it with a context that is
// already cancelled, so the task stays in asynq's active list and its
// recoverer runs it again once the lease has expired: the message would
// be sent twice. So chatq remembers, for DeliveredTTL, the tasks it
// finished well — "{chatq}:delivered:<task id>" = a digest of type and
// payload, with the outcome and its time for the status API (issue #14,
// taskstatus.Marker) — and a re-run that finds its marker ends without a provider
// call. The markers are written off the hot path, in the finisher's
// batches (the finisher, state.go), and retried until Redis takes them.
//
// Only re-runs with asynq's retry count above zero are checked, so a
// first attempt never pays a Redis read: the recoverer moves a task on
// with broker.Retry(…, isFailure = IsFailure(ErrLeaseExpired)), and
// IsFailure is true for any error that is not a deferral, so every
// recovered task runs again with its count raised. Retries after a failed
// call are checked too; they already cost a Redis write each.

// asynq v0.26's recovery timing, from its source: a task's lease lasts
// rdb.LeaseDuration (30 s) past the last heartbeat; the recoverer takes
// only leases that expired 30 s ago or more (recoverer.go, for clock skew)
// and runs when a server starts and every minute (server.go). So a task
// whose completion was lost is moved on at most MinDeliveredTTL after its
// marker could be written.
const (
	asynqLeaseDuration     = 30 * time.Second
	asynqRecoverCutoff     = 30 * time.Second
	asynqRecovererInterval = time.Minute
	// MinDeliveredTTL is the shortest Config.DeliveredTTL: asynq's
	// recovery window, 2 minutes.
	MinDeliveredTTL = asynqLeaseDuration + asynqRecoverCutoff + asynqRecovererInterval
	// DefaultDeliveredTTL is MinDeliveredTTL, plus the longest delay
	// asynq gives a recovered task with chatq's defaults (the transient
	// backoff's 5 m cap), plus 3 m for the wait behind a backlog.
	DefaultDeliveredTTL = 10 * time.Minute
)

// alreadyDeliveredRule finishes a re-run whose delivered marker exists.
var alreadyDeliveredRule = policy.Rule{
	Name:   "already-delivered",
	Action: policy.ActionDone,
	Reason: "delivered by an earlier run whose completion asynq lost",
	Doc:    "chatq: a delivered marker ({chatq}:delivered:<task id>) for this task and payload exists",
}

func deliveredKey(taskID string) string { return taskstatus.DeliveredKey(taskID) }

// runDigest identifies what a task sends, so a marker matches only the
// task it was written for, not another task given the same id later.
func runDigest(r run) string {
	h := fnv.New64a()
	_, _ = h.Write([]byte(r.typ))
	_, _ = h.Write([]byte{0})
	_, _ = h.Write(r.payload)
	return strconv.FormatUint(h.Sum64(), 16)
}

// alreadyDelivered finishes a re-run whose delivered marker exists, as
// done and without a call, and reports whether it did. Any doubt (no
// marker, another payload, Redis failing) lets the run go on: a message
// twice is better than none.
func (w *Worker) alreadyDelivered(ctx context.Context, r run) bool {
	if w.cfg.DeliveredTTL <= 0 || r.retried == 0 {
		return false
	}
	ok, err := w.finisher.marked(ctx, r.id, runDigest(r))
	if err != nil {
		w.logger.Warn("cannot read the delivered marker; running the task", slog.String("task_id", r.id), slog.Any("err", err))
	}
	if !ok {
		return false
	}
	w.logger.Info("already delivered", slog.String("task_id", r.id), slog.String("type", r.typ),
		slog.String("queue", r.queue), slog.Int("attempt", r.retried+1),
		slog.String("rule", alreadyDeliveredRule.Name), slog.String("action", policy.ActionDone.String()),
		slog.String("reason", alreadyDeliveredRule.Reason))
	// Observed after the line is written: an observer that sees the outcome
	// finds its log line.
	w.observe(r, policy.Failure{}, alreadyDeliveredRule.Name, OutcomeDone)
	// Observed as done (no call now), but the marker keeps "delivered":
	// an earlier run did deliver it, and that is what its status says.
	w.done(ctx, r, OutcomeDelivered)
	return true
}

// finishedTask is a task that ended well, waiting for the finisher.
type finishedTask struct {
	id     string
	marker taskstatus.Marker
}

// finisher writes, off the hot path, what a task that ended well leaves in
// Redis: it unlinks the task's failure state (a task deferred and then
// delivered has state that asynq's retry count does not reveal, and
// reading it on every delivery would cost a round trip) and sets its
// delivered marker (alreadyDelivered, state.go). Finished tasks queue on a channel; each
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
func (f *finisher) note(r run, outcome Outcome, result string) {
	t := finishedTask{id: r.id}
	if f.ttl > 0 {
		t.marker = taskstatus.Marker{Digest: runDigest(r), Outcome: string(outcome), At: time.Now(), Result: result}
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
