package sandbox

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Fault makes the server answer matching provider calls with an injected
// failure instead of processing them. The first matching fault, in the order
// they were added, answers a call.
type Fault struct {
	// Endpoint is an endpoint name (see Endpoints); "" matches every
	// provider call, token included. Admin calls are never faulted.
	Endpoint string `json:"endpoint,omitempty"`
	// Match is a substring of the request path + "\n" + body; "" = any.
	Match string `json:"match,omitempty"`
	// Times applies the fault to the next N matching calls, then removes it;
	// 0 = every matching call. Calls skipped by Probability do not count.
	Times int `json:"times,omitempty"`
	// Probability is the fraction of matching calls answered; 0 or 1 =
	// always. A call it skips goes on to the next fault.
	Probability float64 `json:"probability,omitempty"`
	// Status is the HTTP status of the answer (500 when only RawBody is set).
	Status int `json:"status,omitempty"`
	// Code is the body's "error" field; "" = omit the field.
	Code string `json:"code,omitempty"`
	// Message is the body's "error_description".
	Message string `json:"message,omitempty"`
	// Exception is the body's "exception"; "" = the class usual for Code.
	Exception string `json:"exception,omitempty"`
	// RawBody, when set, is sent as is (e.g. an nginx HTML page, or "")
	// instead of the JSON error body.
	RawBody *string `json:"raw_body,omitempty"`
	// ContentType is the Content-Type of a RawBody answer; "" = guessed.
	ContentType string `json:"content_type,omitempty"`
	// RetryAfter is the Retry-After header, e.g. "2" or an HTTP date.
	RetryAfter string `json:"retry_after,omitempty"`
	// Delay waits this long, or until the client goes away, before
	// answering. A fault with only a Delay then lets the call through.
	Delay Duration `json:"delay,omitempty"`
	// Drop closes the connection without an answer.
	Drop bool `json:"drop,omitempty"`
	// ErrorCode is the body's numeric "error_code" (Easemob's); 0 = omit.
	ErrorCode int `json:"error_code,omitempty"`
	// ItemReasons fails only the named users of a batch call, which is
	// otherwise processed as usual (HTTP 200), each answered the way the
	// provider documents a per-user failure: on register_user (an array
	// body) the user is listed in data[] with its reason as
	// registerUserFailReason; on add_members (several users) it is left
	// out of data.newmembers; on remove_members (several users) its row
	// has result false and the reason. None of them is applied. Other
	// calls ignore it. A fault with only ItemReasons lets the call through.
	ItemReasons map[string]string `json:"item_reasons,omitempty"`
	// DropAfter processes the call as usual, then closes the connection
	// instead of answering: the operation happened and its answer was
	// lost, as after a client timeout. Only a call that succeeds is
	// dropped; an error is answered.
	DropAfter bool `json:"drop_after,omitempty"`
	// Refuse answers the call with the endpoint's documented negative 200
	// and changes nothing: delete_group data.success false, transfer_owner
	// data.newowner false, add_members for one user data.result false,
	// update_group every field false, recall_message "internal error"
	// (Agora's 200 failure list; Easemob's 500). Other endpoints ignore it.
	Refuse bool `json:"refuse,omitempty"`
}

// Duration is a time.Duration that is JSON "1.5s"; numbers (nanoseconds)
// are accepted too.
type Duration time.Duration

// MarshalJSON encodes d as a duration string.
func (d Duration) MarshalJSON() ([]byte, error) {
	return json.Marshal(time.Duration(d).String())
}

// UnmarshalJSON decodes a duration string or a number of nanoseconds.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		v, err := time.ParseDuration(s)
		if err != nil {
			return fmt.Errorf("parse duration %q: %w", s, err)
		}
		*d = Duration(v)
		return nil
	}
	var n int64
	if err := json.Unmarshal(b, &n); err != nil {
		return fmt.Errorf("duration must be a string like \"1.5s\" or a number of nanoseconds: %w", err)
	}
	*d = Duration(n)
	return nil
}

// Validate reports the first field of f that is out of range, or a fault
// that would do nothing.
func (f Fault) Validate() error {
	switch {
	case f.Endpoint != "" && !slices.Contains(Endpoints, f.Endpoint):
		return fmt.Errorf("endpoint: unknown endpoint %q (want one of %s)", f.Endpoint, strings.Join(Endpoints, ", "))
	case f.Times < 0:
		return fmt.Errorf("times: must be >= 0, got %d", f.Times)
	case f.Probability < 0 || f.Probability > 1:
		return fmt.Errorf("probability: must be in [0, 1], got %g", f.Probability)
	case f.Status != 0 && (f.Status < 100 || f.Status > 599):
		return fmt.Errorf("status: must be an HTTP status (100-599), got %d", f.Status)
	case f.Delay < 0:
		return fmt.Errorf("delay: must be >= 0, got %s", time.Duration(f.Delay))
	case !f.answers() && f.Delay == 0 && len(f.ItemReasons) == 0 && !f.Refuse && !f.DropAfter:
		return errors.New("fault does nothing: set status, raw_body, drop, delay, item_reasons, refuse or drop_after")
	}
	return nil
}

// answers reports whether f replaces the answer (rather than only delaying).
func (f Fault) answers() bool { return f.Status != 0 || f.RawBody != nil || f.Drop }

// faultEntry is an active fault.
type faultEntry struct {
	ID        string `json:"id"`
	Remaining int    `json:"remaining,omitempty"` // for Times faults
	Fault
}

// AddFault activates f and returns its id. f is not validated: use
// Validate (the admin API does).
func (s *Server) AddFault(f Fault) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faultN++
	id := "f" + strconv.Itoa(s.faultN)
	s.faults = append(s.faults, &faultEntry{ID: id, Remaining: f.Times, Fault: f})
	return id
}

// RemoveFault removes fault id and reports whether it was active.
func (s *Server) RemoveFault(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := len(s.faults)
	s.faults = slices.DeleteFunc(s.faults, func(e *faultEntry) bool { return e.ID == id })
	return len(s.faults) < n
}

// ClearFaults removes every fault.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = nil
}

// listFaults returns copies of the active faults.
func (s *Server) listFaults() []faultEntry {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]faultEntry, 0, len(s.faults))
	for _, e := range s.faults {
		out = append(out, *e)
	}
	return out
}

// pickFault returns the fault that answers a call, consuming one of its
// Times.
func (s *Server) pickFault(endpoint, subject string) (Fault, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, e := range s.faults {
		if (e.Endpoint != "" && e.Endpoint != endpoint) || !strings.Contains(subject, e.Match) {
			continue
		}
		if p := e.Probability; p > 0 && p < 1 && s.rng.Float64() >= p {
			continue
		}
		if e.Times > 0 {
			e.Remaining--
			if e.Remaining <= 0 {
				s.faults = slices.Delete(s.faults, i, i+1)
			}
		}
		return e.Fault, true
	}
	return Fault{}, false
}

// applyFault answers c with a matching fault and reports whether it did.
func (s *Server) applyFault(c *call) bool {
	f, ok := s.pickFault(c.rt.endpoint, c.r.URL.Path+"\n"+string(c.body))
	if !ok {
		return false
	}
	c.itemReasons = f.ItemReasons
	c.refuse = f.Refuse
	c.dropAfter = f.DropAfter
	if f.Delay > 0 && !wait(c.r.Context(), time.Duration(f.Delay)) {
		c.finishKey("canceled")
		return true
	}
	switch {
	case f.Drop:
		c.finishKey("drop") // before: dropConn may end the handler by panicking
		dropConn(c.w)
	case f.RawBody != nil:
		writeRaw(c.w, f)
		c.finish(faultStatus(f), f.Code)
	case f.Status != 0:
		if f.RetryAfter != "" {
			c.w.Header().Set("Retry-After", f.RetryAfter)
		}
		exception := f.Exception
		if exception == "" {
			exception = exceptionFor(f.Code)
		}
		c.writeJSON(f.Status, errorBody{Error: f.Code, Exception: exception,
			Timestamp: s.now().UnixMilli(), ErrorCode: f.ErrorCode, Description: f.Message})
		c.finish(f.Status, f.Code)
	default:
		return false // a delay-only fault: go on with normal processing
	}
	return true
}

func faultStatus(f Fault) int {
	if f.Status == 0 {
		return http.StatusInternalServerError
	}
	return f.Status
}

// writeRaw sends a fault's RawBody verbatim.
func writeRaw(w http.ResponseWriter, f Fault) {
	body := *f.RawBody
	ct := f.ContentType
	switch {
	case ct != "":
	case strings.HasPrefix(strings.TrimSpace(body), "<"):
		ct = "text/html"
	case body != "" && json.Valid([]byte(body)):
		ct = "application/json"
	case body != "":
		ct = "text/plain; charset=utf-8"
	}
	if ct != "" {
		w.Header().Set("Content-Type", ct)
	}
	if f.RetryAfter != "" {
		w.Header().Set("Retry-After", f.RetryAfter)
	}
	w.WriteHeader(faultStatus(f))
	_, _ = w.Write([]byte(body))
}

// wait sleeps for d and reports false if ctx ends first.
func wait(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// dropConn closes the connection without an answer: by hijacking it under
// HTTP/1, else by aborting the handler, which net/http turns into a reset.
func dropConn(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	_ = conn.Close()
}
