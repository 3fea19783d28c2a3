package ingest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/chatq/chatq/internal/taskline"
	"github.com/chatq/chatq/tasks"
)

// maxIdempotencyKeyBytes is tasks' bound on a key (tasks.Key).
const maxIdempotencyKeyBytes = 1024

// accepted is one task the server took: its line, options and key.
type accepted struct {
	line taskline.Line
	task *tasks.Prepared
	key  string // the idempotency key; "" = none
}

// enqueueOne serves POST /v1/tasks.
func (s *Server) enqueueOne(ctx context.Context, w http.ResponseWriter, r *http.Request, req *request) {
	items, p := s.parse(r, req, false)
	if p != nil {
		p.write(w)
		return
	}
	id, replayed, err := s.enqueue(ctx, items[0])
	if err != nil {
		s.enqueueFailed(err, 0, nil).write(w)
		return
	}
	if replayed {
		w.Header().Set("Idempotent-Replayed", "true")
	}
	w.Header().Set("Location", "/v1/tasks/"+id)
	writeJSON(w, http.StatusAccepted, map[string]any{"id": id, "replayed": replayed})
}

// enqueueBatch serves POST /v1/tasks/batch: every task is checked before
// any is enqueued; then they are enqueued in order.
func (s *Server) enqueueBatch(ctx context.Context, w http.ResponseWriter, r *http.Request, req *request) {
	items, p := s.parse(r, req, true)
	if p != nil {
		p.write(w)
		return
	}
	ids := make([]string, 0, len(items))
	replayed := 0
	for i, it := range items {
		id, again, err := s.enqueue(ctx, it)
		if err != nil {
			s.enqueueFailed(err, i, &i).write(w)
			return
		}
		if again {
			replayed++
		}
		ids = append(ids, id)
	}
	writeJSON(w, http.StatusAccepted, map[string]any{"ids": ids, "replayed": replayed})
}

// parse reads and checks the body's tasks with every check an enqueue
// makes (taskline.Read, then tasks.Client.Prepare with each task's
// options), reporting every bad task.
func (s *Server) parse(r *http.Request, req *request, batch bool) ([]accepted, *problem) {
	header := r.Header.Get("Idempotency-Key")
	if len(header) > maxIdempotencyKeyBytes {
		return nil, invalid([]fieldError{{Field: "Idempotency-Key", Rule: fmt.Sprintf("must be at most %d bytes, got %d", maxIdempotencyKeyBytes, len(header))}})
	}
	body, p := s.readBody(r)
	if p != nil {
		return nil, p
	}
	text, n, p := taskLines(body, batch)
	if p != nil {
		return nil, p
	}
	if batch && n > s.cfg.MaxBatch {
		return nil, &problem{Type: problemTooLarge, Title: "batch too large", Status: http.StatusRequestEntityTooLarge,
			Detail: fmt.Sprintf("a batch holds at most %d tasks, got %d: split it", s.cfg.MaxBatch, n)}
	}
	lines, err := taskline.Read(bytes.NewReader(text), s.cfg.Limits)
	req.tasks = len(lines)
	var errs []fieldError
	if err != nil {
		errs = fieldErrors(err, batch)
	}
	if batch && len(lines) == 0 && len(errs) == 0 {
		return nil, malformed("the batch holds no task")
	}
	items := make([]accepted, 0, len(lines))
	for _, l := range lines {
		it, fe := s.accept(l, header, req.keyName, batch)
		errs = append(errs, fe...)
		items = append(items, it)
	}
	if len(errs) > 0 {
		return nil, invalid(errs)
	}
	return items, nil
}

// accept builds a task's options and prepares it (every check of the
// enqueue, and the task built once). In a batch, a task without its own
// key gets "<Idempotency-Key>:<index>", so a batch sent again with the
// same header enqueues nothing twice.
func (s *Server) accept(l taskline.Line, header, keyName string, batch bool) (accepted, []fieldError) {
	it := accepted{line: l, key: l.Key}
	var index *int
	if batch {
		i := l.Number - 1
		index = &i
	}
	switch {
	case batch && it.key == "" && header != "":
		it.key = header + ":" + strconv.Itoa(l.Number-1)
	case !batch && header != "" && it.key != "" && it.key != header:
		return it, []fieldError{{Field: "key", Rule: "must equal the Idempotency-Key header when both are given"}}
	case !batch && header != "":
		it.key = header
	}
	opts, _ := l.Options() // taskline checked them
	if it.key != "" && l.Key == "" {
		opts = append(opts, tasks.Key(it.key))
	}
	opts = append(opts, tasks.Retain(s.cfg.StatusWindow))
	if keyName != "" {
		opts = append(opts, tasks.EnqueuedBy(keyName))
	}
	var err error
	if it.task, err = s.cfg.Producer.Prepare(l.Type, l.Payload, opts...); err != nil {
		fe := fieldErrors(err, false)
		for i := range fe {
			fe[i].Index = index
		}
		return it, fe
	}
	return it, nil
}

// enqueue enqueues one task; replayed reports a keyed task enqueued
// before (its id is returned, nothing is enqueued).
func (s *Server) enqueue(ctx context.Context, it accepted) (id string, replayed bool, err error) {
	if it.key != "" {
		if id, ok, err := s.cfg.Producer.Enqueued(ctx, it.line.Type, it.key); err != nil || ok {
			if ok {
				s.metrics.accepted(it.line.Type, true)
			}
			return id, ok, err
		}
	}
	id, err = s.cfg.Producer.EnqueuePrepared(ctx, it.task)
	if err == nil {
		s.metrics.accepted(it.line.Type, false)
	}
	return id, false, err
}

// enqueueFailed is the problem of an enqueue that failed after every
// check passed: Redis, or the request's time ran out. done tasks of a
// batch were enqueued; index, for a batch, is the task that failed.
func (s *Server) enqueueFailed(err error, done int, index *int) *problem {
	var ve *tasks.ValidationError
	if errors.As(err, &ve) { // the deadline passed between the check and the enqueue
		fe := fieldErrors(err, false)
		for i := range fe {
			fe[i].Index = index
		}
		p := invalid(fe)
		if index != nil {
			p.Detail = fmt.Sprintf("enqueued %d tasks, then task %d was refused: %s", done, *index, err)
			p.Enqueued = &done
		}
		return p
	}
	s.cfg.Logger.Warn("ingest: enqueue failed", "err", err, "enqueued", done)
	detail := "Redis did not answer in time or refused the enqueue; nothing was enqueued: retry"
	if index != nil {
		detail = fmt.Sprintf("Redis did not answer in time or refused the enqueue: the first %d tasks were "+
			"enqueued, the rest were not; retry the same batch with the same Idempotency-Key to enqueue only the rest", done)
	}
	p := unavailable(detail)
	if index != nil {
		p.Enqueued = &done
	}
	return p
}
