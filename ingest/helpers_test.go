package ingest_test

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
	"github.com/stretchr/testify/require"

	"github.com/chatq/chatq/ingest"
	"github.com/chatq/chatq/internal/e2etest"
	"github.com/chatq/chatq/tasks"
	"github.com/chatq/chatq/taskstatus"
)

func init() {
	openapi3filter.RegisterBodyDecoder("application/x-ndjson", openapi3filter.PlainBodyDecoder)
}

// testKey is the API key of the tests that use keys; its SHA-256 is in
// testdata/keys.
const testKey = "test-key-3b6f0c2e9d8a41f7b5c4e2a1d0f9e8c7"

// testBundle is an ingest server in front of a real worker, the sandbox
// and Redis, and a client that validates every exchange against the
// OpenAPI document.
type testBundle struct {
	*e2etest.Harness
	URL    string
	router routers.Router
	token  string
	logw   *lockedWriter
}

// logs returns the server's access log so far.
func (b *testBundle) logs() string {
	b.logw.mu.Lock()
	defer b.logw.mu.Unlock()
	return b.logw.buf.String()
}

func setup(t *testing.T, mod func(*ingest.Config)) *testBundle {
	t.Helper()
	h := e2etest.NewHarness(t)
	b := &testBundle{Harness: h, logw: &lockedWriter{buf: &bytes.Buffer{}}}
	cfg := ingest.Config{
		Producer: h.Producer,
		Status: &taskstatus.Reader{Inspector: h.Inspector, RDB: h.RDB, DeadLetters: h.Store,
			Queues: []string{"messages", "users", "groups"}},
		Logger: slog.New(slog.NewJSONHandler(b.logw, nil)),
	}
	if mod != nil {
		mod(&cfg)
	}
	srv, err := ingest.New(cfg)
	require.NoError(t, err)
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	b.URL = ts.URL
	b.router = openAPIRouter(t)
	return b
}

func openAPIRouter(t *testing.T) routers.Router {
	t.Helper()
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(ingest.OpenAPI)
	require.NoError(t, err)
	require.NoError(t, doc.Validate(loader.Context), "the OpenAPI document is invalid")
	require.True(t, doc.IsOpenAPI31OrLater())
	doc.Servers = nil // match the test server's address
	r, err := legacy.NewRouter(doc)
	require.NoError(t, err)
	return r
}

// response is one exchange's answer.
type response struct {
	Status int
	Header http.Header
	Body   []byte
}

func (r response) json(t *testing.T, v any) {
	t.Helper()
	require.NoError(t, json.Unmarshal(r.Body, v), "body %s", r.Body)
}

// do sends one request and checks the request and the response against
// the OpenAPI document (every status must be documented).
func (b *testBundle) do(t *testing.T, method, path, body string, header map[string]string) response {
	t.Helper()
	req, err := http.NewRequest(method, b.URL+path, strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	if b.token != "" {
		req.Header.Set("Authorization", "Bearer "+b.token)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	got, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	out := response{Status: resp.StatusCode, Header: resp.Header, Body: got}
	b.validate(t, req, body, out)
	return out
}

func (b *testBundle) validate(t *testing.T, req *http.Request, body string, resp response) {
	t.Helper()
	route, params, err := b.router.FindRoute(req)
	require.NoError(t, err, "%s %s is not in the OpenAPI document", req.Method, req.URL.Path)
	req.Body = io.NopCloser(strings.NewReader(body))
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}}
	// A request the server must refuse may break the document's schema;
	// its answer is still validated.
	if resp.Status < 400 {
		require.NoError(t, openapi3filter.ValidateRequest(t.Context(), in), "request %s %s", req.Method, req.URL.Path)
	}
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: resp.Status, Header: resp.Header,
		Body: io.NopCloser(bytes.NewReader(resp.Body)), Options: &openapi3filter.Options{IncludeResponseStatus: true}}
	require.NoError(t, openapi3filter.ValidateResponse(t.Context(), out), "response %d %s", resp.Status, resp.Body)
}

// waitStatus polls GET /v1/tasks/{id} until its status is want.
func (b *testBundle) waitStatus(t *testing.T, id, want string) taskstatus.Status {
	t.Helper()
	deadline := time.Now().Add(e2etest.WaitTimeout)
	var last response
	for time.Now().Before(deadline) {
		last = b.do(t, http.MethodGet, "/v1/tasks/"+id, "", nil)
		if last.Status == http.StatusOK {
			var st taskstatus.Status
			last.json(t, &st)
			if st.State == want {
				return st
			}
		}
		time.Sleep(20 * time.Millisecond) // polling Redis state: no signal to wait on over HTTP
	}
	t.Fatalf("task %s: status %s never came; last answer %d %s", id, want, last.Status, last.Body)
	return taskstatus.Status{}
}

// queued counts the tasks asynq holds in the messages queue.
func (b *testBundle) queued(t *testing.T) int {
	t.Helper()
	info, err := b.Inspector.GetQueueInfo(tasks.QueueFor(tasks.TypeSendMessage))
	if err != nil {
		return 0
	}
	return info.Size + info.Completed
}

func message(text string) string {
	return `{"type":"message:send","payload":{"target":"users","to":["erin"],"type":"txt","body":{"msg":"` + text + `"}}}`
}

type problemBody struct {
	Type, Title, Detail string
	Status              int
	Enqueued            *int
	Errors              []struct {
		Index *int
		Field string
		Rule  string
	}
}
