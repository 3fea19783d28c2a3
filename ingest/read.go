package ingest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/chatq/chatq/internal/taskline"
	"github.com/chatq/chatq/tasks"
)

// readBody reads the whole body; a body over the limit is a 413.
func (s *Server) readBody(r *http.Request) ([]byte, *problem) {
	b, err := io.ReadAll(r.Body)
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return nil, &problem{Type: problemTooLarge, Title: "request body too large", Status: http.StatusRequestEntityTooLarge,
			Detail: fmt.Sprintf("the body must be at most %d bytes", s.cfg.MaxBodyBytes)}
	}
	if err != nil {
		return nil, malformed("reading the body: " + err.Error())
	}
	return b, nil
}

// taskLines turns a body into JSON lines for taskline.Read, which does
// the same checks as `chatq enqueue -f`: one task object (compacted to one
// line, so it may be pretty-printed), a JSON array of them (one line
// each), or NDJSON (as is). Line n is the task of index n-1; in NDJSON,
// blank lines count.
func taskLines(body []byte, batch bool) ([]byte, int, *problem) {
	trimmed := bytes.TrimSpace(body)
	switch {
	case len(trimmed) == 0:
		return nil, 0, malformed("the body is empty: send a task object" + map[bool]string{true: "s as a JSON array or NDJSON", false: ""}[batch])
	case !batch && trimmed[0] != '{':
		return nil, 0, malformed("the body must be a JSON object: a task such as {\"type\":\"message:send\",\"payload\":{…}}")
	case !batch:
		var buf bytes.Buffer
		if err := json.Compact(&buf, trimmed); err != nil {
			return nil, 0, malformed("the body must be valid JSON: " + err.Error())
		}
		return buf.Bytes(), 1, nil
	case trimmed[0] == '[':
		return arrayLines(trimmed)
	default:
		return body, bytes.Count(trimmed, []byte("\n")) + 1, nil
	}
}

func arrayLines(body []byte) ([]byte, int, *problem) {
	var items []json.RawMessage
	if err := json.Unmarshal(body, &items); err != nil {
		return nil, 0, malformed("the body must be a JSON array of task objects, or NDJSON: " + err.Error())
	}
	var buf bytes.Buffer
	for i, it := range items {
		if i > 0 {
			buf.WriteByte('\n')
		}
		if err := json.Compact(&buf, it); err != nil { // unreachable: Unmarshal checked it
			return nil, 0, malformed(fmt.Sprintf("task %d: %v", i, err))
		}
	}
	return buf.Bytes(), len(items), nil
}

// fieldErrors turns taskline's or Prepare's errors into field errors; index
// says whether to name the task.
func fieldErrors(err error, index bool) []fieldError {
	var out []fieldError
	for _, e := range unjoin(err) {
		fe := fieldError{Rule: e.Error()}
		var le *taskline.LineError
		if errors.As(e, &le) {
			fe.Rule = le.Err.Error()
			if index {
				i := le.Line - 1
				fe.Index = &i
			}
		}
		var ve *tasks.ValidationError
		if errors.As(e, &ve) {
			fe.Field, fe.Rule = taskField(ve), ve.Rule
		}
		out = append(out, fe)
	}
	return out
}

// taskField is the path of a ValidationError's field in the task object:
// a payload field under "payload", the line's own fields as they are.
func taskField(ve *tasks.ValidationError) string {
	if ve.Type == "" { // the task object itself: its type, an unknown field
		return ve.Field
	}
	switch ve.Field {
	case "key", "ttl", "expires_at", "payload", "":
		return ve.Field
	}
	return "payload." + ve.Field
}

func unjoin(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}
