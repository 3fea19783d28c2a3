package ingest

import (
	"context"
	"errors"
	"net/http"

	"github.com/chatq/chatq/taskstatus"
)

// maxTaskIDBytes bounds the id in GET /v1/tasks/{id}; chatq's ids are
// UUIDs, asynq's custom ids are what producers chose.
const maxTaskIDBytes = 256

// status serves GET /v1/tasks/{id}.
func (s *Server) status(ctx context.Context, w http.ResponseWriter, r *http.Request, _ *request) {
	id := r.PathValue("id")
	if id == "" || len(id) > maxTaskIDBytes {
		invalid([]fieldError{{Field: "id", Rule: "must be 1 to 256 bytes"}}).write(w)
		return
	}
	st, err := s.cfg.Status.Get(ctx, id)
	switch {
	case errors.Is(err, taskstatus.ErrNotFound):
		(&problem{Type: problemNotFound, Title: "task not found", Status: http.StatusNotFound,
			Detail: "no task " + id + ": never enqueued, or finished longer ago than the status window"}).write(w)
	case err != nil:
		s.cfg.Logger.Warn("ingest: reading a task status failed", "task_id", id, "err", err)
		unavailable("the task's status cannot be read now: Redis did not answer in time").write(w)
	default:
		writeJSON(w, http.StatusOK, st)
	}
}
