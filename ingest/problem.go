package ingest

import (
	"encoding/json"
	"net/http"
	"strconv"
)

// Problem types (RFC 9457 "type"), relative to the API.
const (
	problemValidation   = "/v1/problems/validation"
	problemMalformed    = "/v1/problems/malformed"
	problemTooLarge     = "/v1/problems/too-large"
	problemUnauthorized = "/v1/problems/unauthorized"
	problemNotFound     = "/v1/problems/not-found"
	problemUnavailable  = "/v1/problems/unavailable"
	problemInternal     = "/v1/problems/internal"
)

// problem is an application/problem+json body (RFC 9457) with chatq's
// extension: the bad fields of a task or batch.
type problem struct {
	Type   string       `json:"type"`
	Title  string       `json:"title"`
	Status int          `json:"status"`
	Detail string       `json:"detail,omitempty"`
	Errors []fieldError `json:"errors,omitempty"`
	// Enqueued is how many tasks of a batch were enqueued before Redis
	// failed (a 503 midway); the others were not.
	Enqueued *int `json:"enqueued,omitempty"`
	// retryAfter, in seconds, is sent as the Retry-After header.
	retryAfter int
}

// fieldError is one bad field: in which task (Index, 0-based, for a
// batch), which field (a JSON path in the task object, "payload.to[3]"),
// and the rule it breaks.
type fieldError struct {
	Index *int   `json:"index,omitempty"`
	Field string `json:"field"`
	Rule  string `json:"rule"`
}

func (p *problem) write(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	if p.retryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(p.retryAfter))
	}
	w.WriteHeader(p.Status)
	_ = json.NewEncoder(w).Encode(p)
}

func malformed(detail string) *problem {
	return &problem{Type: problemMalformed, Title: "malformed request", Status: http.StatusBadRequest, Detail: detail}
}

func invalid(errs []fieldError) *problem {
	return &problem{Type: problemValidation, Title: "invalid task", Status: http.StatusUnprocessableEntity,
		Detail: "nothing was enqueued: each error names the task (index), the field and the rule", Errors: errs}
}

func unavailable(detail string) *problem {
	return &problem{Type: problemUnavailable, Title: "Redis unavailable", Status: http.StatusServiceUnavailable,
		Detail: detail, retryAfter: 1}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
