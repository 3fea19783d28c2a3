package dispatcher

import (
	"context"
	"encoding/json"
	"log/slog"

	"github.com/hibiken/asynq"
)

// resultKey carries a run's resultSink in the context its call gets, so a
// call can record what the provider made (a chat room's id) without every
// call's signature changing.
type resultKey struct{}

// resultSink is where a call's result goes: asynq's task result (kept with
// the completed task while it is retained, and shown by GET /v1/tasks/{id}
// as "result") and the worker's log.
type resultSink struct {
	rw     *asynq.ResultWriter // nil for a task not run by an asynq server
	logger *slog.Logger
	r      run
	got    *string // the recorded result, for the delivered marker
}

func withResultSink(ctx context.Context, s resultSink) context.Context {
	s.got = new(string)
	return context.WithValue(ctx, resultKey{}, s)
}

// resultOf is the result recorded in ctx's run, "" when none.
func resultOf(ctx context.Context) string {
	if s, ok := ctx.Value(resultKey{}).(resultSink); ok {
		return *s.got
	}
	return ""
}

// recordResult records v, as JSON, as the result of the running task: the
// provider created something (a chat room) whose id the producer needs and
// no later call can find again. It goes to asynq's task result, to the
// task's delivered marker (kept CHATQ_DELIVERED_TTL, so GET /v1/tasks/{id}
// answers it even for a task asynq did not retain) and to the log. It
// never fails the task: the creation happened, and a retry would make a
// second one. A result that cannot be stored is logged, so it is never lost.
func recordResult(ctx context.Context, v any) {
	s, ok := ctx.Value(resultKey{}).(resultSink)
	if !ok {
		return
	}
	b, err := json.Marshal(v)
	if err != nil {
		s.logger.Error("cannot encode the task's result", slog.String("task_id", s.r.id), slog.Any("err", err))
		return
	}
	*s.got = string(b)
	s.logger.Info("result", slog.String("task_id", s.r.id), slog.String("type", s.r.typ), slog.String("result", string(b)))
	if s.rw == nil {
		return
	}
	if _, err := s.rw.Write(b); err != nil {
		s.logger.Warn("cannot store the task's result in Redis (it is in this log line)", slog.String("task_id", s.r.id),
			slog.String("result", string(b)), slog.Any("err", err))
	}
}

// ChatroomResult is the result of a delivered chatroom:create task: the id
// the provider gave the room.
type ChatroomResult struct {
	ID string `json:"id"`
}
