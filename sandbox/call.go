package sandbox

import (
	"encoding/json"
	"net/http"
	"strconv"
)

// call is one provider request on its way through the server.
type call struct {
	s    *Server
	w    http.ResponseWriter
	r    *http.Request
	rt   route
	body []byte
	// itemReasons are the per-user failures a fault asks for (Fault.ItemReasons).
	itemReasons map[string]string
	// refuse asks for the endpoint's negative 200 (Fault.Refuse).
	refuse bool
	// dropAfter drops the connection instead of a success (Fault.DropAfter).
	dropAfter bool
}

// envelope is the provider's success body around an endpoint's data.
type envelope struct {
	Path            string `json:"path"`
	URI             string `json:"uri"`
	Timestamp       int64  `json:"timestamp"`
	Organization    string `json:"organization"`
	Application     string `json:"application"`
	Action          string `json:"action"`
	Entities        any    `json:"entities,omitempty"`
	Data            any    `json:"data,omitempty"`
	Duration        int    `json:"duration"`
	ApplicationName string `json:"applicationName"`
}

// envelope wraps data in the success body for this call.
func (c *call) envelope(action string, data any) *envelope {
	scheme := "http"
	if c.r.TLS != nil {
		scheme = "https"
	}
	return &envelope{
		Path:            c.rt.rest,
		URI:             scheme + "://" + c.r.Host + "/" + c.rt.org + "/" + c.rt.app + c.rt.rest,
		Timestamp:       c.s.now().UnixMilli(),
		Organization:    c.rt.org,
		Application:     c.s.appUUID,
		Action:          action,
		Data:            data,
		ApplicationName: c.rt.app,
	}
}

// decode parses the body into v: json_parse when it is not JSON at all,
// invalid_request_body when its shape does not fit v.
func (c *call) decode(v any) *apiError {
	if !json.Valid(c.body) {
		return errJSONParse
	}
	if err := json.Unmarshal(c.body, v); err != nil {
		return errInvalidBody
	}
	return nil
}

// ok answers 200 with v as JSON, or drops the connection when a fault
// asked for the answer to be lost.
func (c *call) ok(v any) {
	if c.dropAfter {
		c.finishKey("drop")
		dropConn(c.w)
		return
	}
	c.writeJSON(http.StatusOK, v)
	c.finish(http.StatusOK, "")
}

// fail answers with the provider's error body for e.
func (c *call) fail(e *apiError) {
	c.writeJSON(e.Status, errorBody{
		Error:       e.Code,
		Exception:   exceptionFor(e.Code),
		Timestamp:   c.s.now().UnixMilli(),
		ErrorCode:   c.s.errorCodeFor(e),
		Description: e.Message,
	})
	c.finish(e.Status, e.Code)
}

func (c *call) writeJSON(status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		// Every value written here is built by this package and marshals.
		panic("sandbox: marshal response: " + err.Error())
	}
	c.w.Header().Set("Content-Type", "application/json")
	c.w.WriteHeader(status)
	_, _ = c.w.Write(b)
}

// finish records the answer in the stats and logs it.
func (c *call) finish(status int, code string) {
	key := strconv.Itoa(status)
	if code != "" {
		key += " " + code
	}
	c.finishKey(key)
}

// finishKey records an answer under key. Only the method and path are
// logged: never headers (tokens) or bodies (client secrets).
func (c *call) finishKey(key string) {
	c.s.mu.Lock()
	c.s.stats.Responses[key]++
	c.s.mu.Unlock()
	c.s.cfg.Logger.Debug("sandbox request",
		"method", c.r.Method, "path", c.r.URL.Path, "endpoint", c.rt.endpoint, "response", key)
}
