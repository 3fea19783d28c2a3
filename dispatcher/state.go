package dispatcher

import (
	"context"
	"fmt"
	"strconv"
	"time"

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
