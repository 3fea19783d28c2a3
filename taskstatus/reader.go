package taskstatus

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"github.com/chatq/chatq/deadletter"
	"github.com/chatq/chatq/ordering"
	"github.com/chatq/chatq/tasks"
)

// ErrNotFound is returned by Reader.Get for a task id Redis knows nothing
// about (never enqueued, or past every window).
var ErrNotFound = errors.New("taskstatus: task not found")

// ErrUnavailable wraps a Redis failure: the status cannot be read now.
var ErrUnavailable = errors.New("taskstatus: redis unavailable")

// Reader reads task statuses. It is safe for concurrent use.
type Reader struct {
	// Inspector reads asynq's records. Required.
	Inspector *asynq.Inspector
	// RDB reads the markers and failure state. Required.
	RDB redis.UniversalClient
	// DeadLetters reads dead-letter records. Required.
	DeadLetters *deadletter.Store
	// Queues are the asynq queues to look in, in order. Required.
	Queues []string
	// MarkerWait is how long Get waits for the delivered marker of a task
	// asynq has just completed: the dispatcher writes markers in batches
	// (every 100ms), after asynq's completion. Optional; default 300ms.
	MarkerWait time.Duration
}

// Get returns the status of task id, ErrNotFound, or an error wrapping
// ErrUnavailable (or ctx's error).
func (r *Reader) Get(ctx context.Context, id string) (Status, error) {
	info, err := r.asynqInfo(ctx, id)
	if err != nil {
		return Status{}, err
	}
	if info == nil {
		return r.gone(ctx, id)
	}
	st := Status{ID: id, Type: info.Type, Queue: info.Queue, Retried: info.Retried,
		EnqueuedBy: info.Headers[tasks.HeaderEnqueuedBy]}
	switch info.State {
	case asynq.TaskStateScheduled:
		st.State, st.NextAttemptAt = StateScheduled, timePtr(info.NextProcessAt)
	case asynq.TaskStatePending, asynq.TaskStateAggregating:
		st.State = StatePending
	case asynq.TaskStateActive:
		st.State = StateActive
	case asynq.TaskStateRetry:
		return r.retrying(ctx, st, info)
	case asynq.TaskStateArchived:
		return r.archived(ctx, st, info)
	case asynq.TaskStateCompleted:
		return r.completed(ctx, st, info)
	default:
		return Status{}, fmt.Errorf("taskstatus: task %s in unknown asynq state %v", id, info.State)
	}
	return st, nil
}

// asynqInfo looks for the task in each queue; nil when none has it.
// asynq's Inspector takes no context, so each call runs aside and ctx
// bounds the wait: a frozen Redis must not hang the caller.
func (r *Reader) asynqInfo(ctx context.Context, id string) (*asynq.TaskInfo, error) {
	type result struct {
		info *asynq.TaskInfo
		err  error
	}
	done := make(chan result, 1)
	go func() {
		for _, q := range r.Queues {
			info, err := r.Inspector.GetTaskInfo(q, id)
			if errors.Is(err, asynq.ErrTaskNotFound) || errors.Is(err, asynq.ErrQueueNotFound) {
				continue
			}
			done <- result{info, err}
			return
		}
		done <- result{}
	}()
	select {
	case res := <-done:
		if res.err != nil {
			return nil, fmt.Errorf("%w: reading task %s: %w", ErrUnavailable, id, res.err)
		}
		return res.info, nil
	case <-ctx.Done():
		return nil, fmt.Errorf("%w: reading task %s: %w", ErrUnavailable, id, ctx.Err())
	}
}

func (r *Reader) retrying(ctx context.Context, st Status, info *asynq.TaskInfo) (Status, error) {
	st.State, st.NextAttemptAt = StateRetry, timePtr(info.NextProcessAt)
	h, err := r.RDB.HGetAll(ctx, StateKey(st.ID)).Result()
	if err != nil {
		return Status{}, fmt.Errorf("%w: reading task %s: %w", ErrUnavailable, st.ID, err)
	}
	if st.LastDecision = decisionOf(h); st.LastDecision == nil {
		st.LastError = info.LastErr
	}
	return st, nil
}

func (r *Reader) archived(ctx context.Context, st Status, info *asynq.TaskInfo) (Status, error) {
	rec, found, err := r.deadLetter(ctx, st.ID)
	if err != nil {
		return Status{}, err
	}
	if found {
		return fromRecord(st, rec), nil
	}
	// Archived without a record: by asynq itself (a task of a type no
	// handler serves, or from before dead letters), or the record was
	// deleted.
	st.State = StateDeadLettered
	st.DeadLetter = &DeadLetter{Rule: "archived", Reason: info.LastErr, At: info.LastFailedAt.UTC()}
	return st, nil
}

func (r *Reader) completed(ctx context.Context, st Status, info *asynq.TaskInfo) (Status, error) {
	if len(info.Result) > 0 {
		st.Result = json.RawMessage(info.Result)
	}
	m, found, err := r.waitMarker(ctx, st.ID)
	if err != nil {
		return Status{}, err
	}
	if found && m.Outcome != "" {
		return fromMarker(st, m), nil
	}
	st.State, st.FinishedAt = StateDone, timePtr(info.CompletedAt)
	st.Detail = "finished; whether it was delivered or its goal state already held is not known " +
		"(no delivered marker: the worker's CHATQ_DELIVERED_TTL has passed or is 0)"
	return st, nil
}

// gone answers for a task asynq no longer holds: delivered or done (the
// marker), dead-lettered (the record), or not found.
func (r *Reader) gone(ctx context.Context, id string) (Status, error) {
	st := Status{ID: id}
	m, found, err := r.marker(ctx, id)
	if err != nil {
		return Status{}, err
	}
	if found {
		return fromMarker(st, m), nil
	}
	rec, found, err := r.deadLetter(ctx, id)
	if err != nil {
		return Status{}, err
	}
	if found {
		return fromRecord(st, rec), nil
	}
	return r.waiting(ctx, id)
}

// waiting answers for an ordered task that waits behind the head of its
// order key: it is not in asynq until it is the head (package ordering).
func (r *Reader) waiting(ctx context.Context, id string) (Status, error) {
	key, t, ok, err := ordering.New(r.RDB, nil).Stored(ctx, id)
	if err != nil {
		return Status{}, fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	if !ok {
		return Status{}, ErrNotFound
	}
	return Status{ID: id, State: StatePending, Type: t.Type, Queue: t.Queue,
		EnqueuedBy: t.Headers[tasks.HeaderEnqueuedBy],
		Detail:     fmt.Sprintf("ordered: waits behind the head of its order key %q", key)}, nil
}

// waitMarker reads the marker until it has an outcome or MarkerWait has
// passed (the dispatcher writes it shortly after asynq's completion).
func (r *Reader) waitMarker(ctx context.Context, id string) (Marker, bool, error) {
	wait := r.MarkerWait
	if wait <= 0 {
		wait = 300 * time.Millisecond
	}
	deadline := time.Now().Add(wait)
	for {
		m, found, err := r.marker(ctx, id)
		if err != nil || (found && m.Outcome != "") || time.Now().After(deadline) {
			return m, found, err
		}
		t := time.NewTimer(50 * time.Millisecond)
		select {
		case <-ctx.Done():
			t.Stop()
			return Marker{}, false, fmt.Errorf("%w: reading task %s: %w", ErrUnavailable, id, ctx.Err())
		case <-t.C:
		}
	}
}

func (r *Reader) marker(ctx context.Context, id string) (Marker, bool, error) {
	v, err := r.RDB.Get(ctx, DeliveredKey(id)).Result()
	if errors.Is(err, redis.Nil) {
		return Marker{}, false, nil
	}
	if err != nil {
		return Marker{}, false, fmt.Errorf("%w: reading task %s: %w", ErrUnavailable, id, err)
	}
	return ParseMarker(v), true, nil
}

func (r *Reader) deadLetter(ctx context.Context, id string) (deadletter.Record, bool, error) {
	rec, err := r.DeadLetters.Get(ctx, id)
	if errors.Is(err, deadletter.ErrNotFound) {
		return rec, false, nil
	}
	if err != nil {
		return rec, false, fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	return rec, true, nil
}

func fromMarker(st Status, m Marker) Status {
	st.State, st.FinishedAt = StateDelivered, timePtr(m.At)
	if m.Result != "" && json.Valid([]byte(m.Result)) {
		st.Result = json.RawMessage(m.Result)
	}
	switch m.Outcome {
	case OutcomeDone:
		st.State = StateDone
	case "":
		st.Detail = "delivered or done: the marker predates the outcome's record"
	}
	return st
}

func fromRecord(st Status, rec deadletter.Record) Status {
	st.State = StateDeadLettered
	if rec.Rule == deadletter.RuleExpired {
		st.State = StateExpired
	}
	if st.Type == "" {
		st.Type, st.Queue = rec.Type, rec.Queue
	}
	st.Retried = max(rec.Attempts-1, st.Retried)
	st.DeadLetter = &DeadLetter{Rule: rec.Rule, Reason: rec.Reason, Status: rec.Status, Code: rec.Code, At: rec.LastFailure.UTC()}
	return st
}
