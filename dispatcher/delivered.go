package dispatcher

import (
	"context"
	"hash/fnv"
	"log/slog"
	"strconv"
	"time"

	"github.com/chatq/chatq/policy"
	"github.com/chatq/chatq/taskstatus"
)

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
// batches (finisher.go), and retried until Redis takes them.
//
// Only re-runs with asynq's retry count above zero are checked, so a
// first attempt never pays a Redis read: the recoverer moves a task on
// with broker.Retry(…, isFailure = IsFailure(ErrLeaseExpired)), and
// policy.IsFailure is true for any error that is not a deferral, so every
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
	w.observe(r, policy.Failure{}, alreadyDeliveredRule.Name, OutcomeDone)
	w.logger.Info("already delivered", slog.String("task_id", r.id), slog.String("type", r.typ),
		slog.String("queue", r.queue), slog.Int("attempt", r.retried+1),
		slog.String("rule", alreadyDeliveredRule.Name), slog.String("action", policy.ActionDone.String()),
		slog.String("reason", alreadyDeliveredRule.Reason))
	// Observed as done (no call now), but the marker keeps "delivered":
	// an earlier run did deliver it, and that is what its status says.
	w.done(ctx, r, OutcomeDelivered)
	return true
}
