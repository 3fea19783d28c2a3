package tasks

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/hibiken/asynq"
)

// TypeRestCall is any other documented write of the provider's REST API,
// for the calls chatq has no typed task for yet. It is decided by the
// policy's generic rows (the rows without Types).
const TypeRestCall = "rest:call"

// QueueRest holds TypeRestCall tasks: generic calls wait in a queue of
// their own (weight 1 by default), so a backlog of them never holds up
// messages, users or groups, and an operator can pause them alone.
const QueueRest = "rest"

var _ = register[RestCall](QueueRest)

// Limits of a rest:call.
const (
	maxRestPath = 1024     // bytes of path
	maxRestBody = 64 << 10 // bytes of json, or of the form's keys and values
)

// restMethods are the methods of the provider's documented writes. PATCH
// is documented nowhere in the Chat REST API; GET only where a documented
// write uses it (restGetWrites).
// The literals keep net/http out of this package (cmd/chatq's
// TestDependencyDirection: tasks never imports the HTTP client).
var restMethods = []string{"POST", "PUT", "DELETE", methodGet}

const methodGet = "GET"

// restGetWrites are the documented writes made with GET, as path patterns
// ("*" is one segment): forcing a user offline, on every device or on one
// (docs.agora.io user-system-registration, "Force a user offline").
var restGetWrites = [][]string{{"users", "*", "disconnect"}, {"users", "*", "disconnect", "*"}}

// RestCall is the payload of TypeRestCall: one request to
// {BaseURL}/{org}/{app}/{path}.
type RestCall struct {
	// Method is POST, PUT or DELETE; GET only for a documented write made
	// with GET (users/{username}/disconnect).
	Method string `json:"method"`
	// Path is relative to /{org}/{app}/: segments of [A-Za-z0-9_.,-] and
	// '/' between them: no leading or trailing '/', no empty or dot
	// segment, no query, fragment, percent-encoding or scheme, so it can
	// name nothing outside the app. At most 1024 bytes; not "token".
	Path string `json:"path"`
	// JSON is a JSON object or array sent as application/json; Form
	// string fields sent as application/x-www-form-urlencoded. At most
	// one, of at most 64 KiB; GET takes neither.
	JSON json.RawMessage   `json:"json,omitempty"`
	Form map[string]string `json:"form,omitempty"`
}

// TaskType returns TypeRestCall.
func (RestCall) TaskType() string { return TypeRestCall }

// Validate returns the first violation as a *ValidationError; no Limits apply.
func (p RestCall) Validate(Limits) error {
	c := checker{typ: TypeRestCall}
	segs := c.restPath(p.Path)
	switch {
	case c.failed():
	case p.Method == "":
		c.fail("method", ruleRequired)
	case !slices.Contains(restMethods, p.Method):
		c.fail("method", "must be POST, PUT, DELETE, or GET for a documented write made with GET")
	case p.Method == methodGet && !slices.ContainsFunc(restGetWrites, func(pat []string) bool { return segsMatch(pat, segs) }):
		c.fail("method", "GET is only accepted for users/{username}/disconnect[/{resource}], the documented writes made with GET")
	}
	c.restBody(p)
	return c.err()
}

// restPath checks path and returns its segments.
func (c *checker) restPath(path string) []string {
	const rule = "must be a path relative to /{org}/{app}/: segments of [A-Za-z0-9_.,-] separated by '/'"
	switch {
	case path == "":
		c.fail("path", ruleRequired)
		return nil
	case len(path) > maxRestPath:
		c.fail("path", fmt.Sprintf("must be at most %d bytes, got %d", maxRestPath, len(path)))
		return nil
	case strings.HasPrefix(path, "/"):
		c.fail("path", "must not start with '/' (it is relative to /{org}/{app}/)")
		return nil
	case strings.IndexFunc(path, func(r rune) bool { return !restPathChar(r) }) >= 0:
		c.fail("path", rule+" (no query, fragment, percent-encoding, scheme or other characters)")
		return nil
	}
	segs := strings.Split(path, "/")
	for i, s := range segs {
		if s == "" {
			c.fail("path", fmt.Sprintf("segment %d is empty", i+1))
			return nil
		}
		for part := range strings.SplitSeq(s, ",") {
			if part == "" || isDotSegment(part) {
				c.fail("path", fmt.Sprintf(`segment %d: must not be "." or ".." (a dot segment: once normalised it names another resource), nor empty between commas`, i+1))
				return nil
			}
		}
	}
	if segs[0] == "token" {
		c.fail("path", `must not be the token endpoint ("token")`)
		return nil
	}
	return segs
}

func restPathChar(r rune) bool {
	return (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9') ||
		r == '_' || r == '.' || r == ',' || r == '-' || r == '/'
}

// segsMatch reports whether segs match pattern pat ("*" is any segment).
func segsMatch(pat, segs []string) bool {
	if len(pat) != len(segs) {
		return false
	}
	for i, p := range pat {
		if p != "*" && p != segs[i] {
			return false
		}
	}
	return true
}

// restBody checks the json or form body of p.
func (c *checker) restBody(p RestCall) {
	hasJSON := len(p.JSON) > 0 && !bytes.Equal(bytes.TrimSpace(p.JSON), []byte("null"))
	switch {
	case c.failed():
	case hasJSON && p.Form != nil:
		c.fail("form", "must not be given with json (at most one body)")
	case p.Method == methodGet && (hasJSON || p.Form != nil):
		c.fail("method", "GET takes no json or form body")
	case hasJSON:
		t := bytes.TrimSpace(p.JSON)
		if t[0] != '{' && t[0] != '[' {
			c.fail("json", "must be a JSON object or array")
		} else if len(t) > maxRestBody {
			c.fail("json", fmt.Sprintf("must be at most %d bytes, got %d", maxRestBody, len(t)))
		}
	case p.Form != nil:
		n := 0
		for k, v := range p.Form {
			if k == "" {
				c.fail("form", "keys must not be empty")
				return
			}
			n += len(k) + len(v)
		}
		if n > maxRestBody {
			c.fail("form", fmt.Sprintf("must be at most %d bytes of keys and values, got %d", maxRestBody, n))
		}
	}
}

// NewRestCallTask validates p and returns a TypeRestCall task (queue
// QueueRest unless Queue says otherwise).
func NewRestCallTask(p RestCall, opts ...Option) (*asynq.Task, error) {
	return NewTask(p, opts...)
}
