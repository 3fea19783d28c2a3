package agora

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

const (
	testAppKey     = "org#app"
	testTokenValue = "tok-SECRET-7f3a9c"
)

var testToken = NewToken(testTokenValue, time.Time{})

// testBundle is a Client talking to an httptest server with a fresh mux.
type testBundle struct {
	client *Client
	mux    *http.ServeMux
	server *httptest.Server
}

// setup returns a bundle whose client uses cfg with BaseURL and AppKey set.
func setup(t *testing.T, cfg Config) *testBundle {
	t.Helper()
	mux := http.NewServeMux()
	server := httptest.NewServer(mux)
	t.Cleanup(server.Close)
	cfg.BaseURL, cfg.AppKey = server.URL, testAppKey
	client, err := New(cfg)
	require.NoError(t, err)
	return &testBundle{client: client, mux: mux, server: server}
}

// The helpers below run in handlers, on the server's goroutines, where
// require's FailNow must not be called: they report with t.Errorf and the
// test goroutine's require on the client's answer stops the test.

// testRequest checks the method, the escaped path and the headers every
// call sends; wantAuth says whether an Authorization header is expected.
func testRequest(t *testing.T, r *http.Request, method, path string, wantAuth bool) {
	t.Helper()
	if r.Method != method {
		t.Errorf("method: got %q, want %q", r.Method, method)
	}
	if got := r.URL.EscapedPath(); got != path {
		t.Errorf("path: got %q, want %q", got, path)
	}
	if r.URL.RawQuery != "" {
		t.Errorf("query: got %q, want none", r.URL.RawQuery)
	}
	wantHeader := map[string]string{"Accept": "application/json", "User-Agent": "chatq"}
	if wantAuth {
		wantHeader["Authorization"] = "Bearer " + testTokenValue
	}
	for k, want := range wantHeader {
		if got := r.Header.Get(k); got != want {
			t.Errorf("header %s: got %q, want %q", k, got, want)
		}
	}
	if !wantAuth && r.Header.Get("Authorization") != "" {
		t.Errorf("header Authorization: got one, want none")
	}
}

// testBody checks that the body is JSON equal to want, sent as JSON.
func testBody(t *testing.T, r *http.Request, want string) {
	t.Helper()
	if got := r.Header.Get("Content-Type"); got != "application/json" {
		t.Errorf("header Content-Type: got %q, want application/json", got)
	}
	b, err := io.ReadAll(r.Body)
	if err != nil {
		t.Errorf("reading body: %v", err)
		return
	}
	var got, wantV any
	if err := json.Unmarshal(b, &got); err != nil {
		t.Errorf("body %s: not JSON: %v", b, err)
		return
	}
	if err := json.Unmarshal([]byte(want), &wantV); err != nil {
		t.Errorf("want %s: not JSON: %v", want, err)
		return
	}
	if !reflect.DeepEqual(got, wantV) {
		t.Errorf("body:\n got %s\nwant %s", b, want)
	}
}

// testNoBody checks that the request has neither body nor Content-Type.
func testNoBody(t *testing.T, r *http.Request) {
	t.Helper()
	if got := r.Header.Get("Content-Type"); got != "" {
		t.Errorf("header Content-Type: got %q, want none", got)
	}
	if b, _ := io.ReadAll(r.Body); len(b) != 0 {
		t.Errorf("body: got %q, want none", b)
	}
}

// hang returns a handler that calls arrived (when not nil), then blocks
// until the client hangs up or the test ends. It reads the body first: the
// server notices a hang-up only once the body has been read.
func hang(t *testing.T, arrived func()) http.HandlerFunc {
	t.Helper()
	ended := make(chan struct{})
	t.Cleanup(func() { close(ended) }) // runs before the server's Close
	return func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		if arrived != nil {
			arrived()
		}
		select {
		case <-r.Context().Done():
		case <-ended:
		}
	}
}

// writeJSON answers with status and a JSON body.
func writeJSON(t *testing.T, w http.ResponseWriter, status int, body string) {
	t.Helper()
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	if _, err := io.WriteString(w, body); err != nil {
		t.Errorf("writing response: %v", err)
	}
}

func TestNew(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		cfg      Config
		wantErr  string // "" = success
		wantBase string
	}{
		{name: "ok", cfg: Config{BaseURL: "https://a41.chat.agora.io", AppKey: "org#app"}, wantBase: "https://a41.chat.agora.io/org/app"},
		{name: "trailing slash", cfg: Config{BaseURL: "http://localhost:8080/", AppKey: "o#a"}, wantBase: "http://localhost:8080/o/a"},
		{name: "no BaseURL", cfg: Config{AppKey: "o#a"}, wantErr: "agora: BaseURL: required"},
		{name: "ftp", cfg: Config{BaseURL: "ftp://h", AppKey: "o#a"}, wantErr: `agora: BaseURL: scheme must be "http" or "https"`},
		{name: "no host", cfg: Config{BaseURL: "https://", AppKey: "o#a"}, wantErr: "agora: BaseURL: host required"},
		{name: "path", cfg: Config{BaseURL: "https://h/org/app", AppKey: "o#a"}, wantErr: `agora: BaseURL: must have no path beyond "/"`},
		{name: "query", cfg: Config{BaseURL: "https://h/?x=1", AppKey: "o#a"}, wantErr: "agora: BaseURL: must have no query or fragment"},
		{name: "user info", cfg: Config{BaseURL: "https://u:pw@h", AppKey: "o#a"}, wantErr: "agora: BaseURL: must not contain user info"},
		{name: "no hash", cfg: Config{BaseURL: "https://h", AppKey: "orgapp"}, wantErr: `agora: AppKey: must be "org#app" with exactly one '#'`},
		{name: "two hashes", cfg: Config{BaseURL: "https://h", AppKey: "o#a#b"}, wantErr: `agora: AppKey: must be "org#app" with exactly one '#'`},
		{name: "empty org", cfg: Config{BaseURL: "https://h", AppKey: "#a"}, wantErr: `agora: AppKey: must be "org#app" with exactly one '#'`},
		{name: "empty app", cfg: Config{BaseURL: "https://h", AppKey: "o#"}, wantErr: `agora: AppKey: must be "org#app" with exactly one '#'`},
		{name: "negative Timeout", cfg: Config{BaseURL: "https://h", AppKey: "o#a", Timeout: -1}, wantErr: "agora: Timeout: must not be negative"},
		{name: "negative MaxErrorBody", cfg: Config{BaseURL: "https://h", AppKey: "o#a", MaxErrorBody: -1}, wantErr: "agora: MaxErrorBody: must not be negative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := New(tt.cfg)
			if tt.wantErr != "" {
				require.EqualError(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.wantBase, c.base)
			require.Equal(t, defaultTimeout, c.timeout)
			require.Equal(t, int64(defaultMaxErrorBody), c.maxErrBody)
			require.Equal(t, "chatq", c.userAgent)
			require.IsType(t, &Transport{}, c.http.Transport, "a pooled transport, not http.DefaultTransport")
		})
	}
}

func TestNew_passwordNotInError(t *testing.T) {
	t.Parallel()
	_, err := New(Config{BaseURL: "https://u:hunter2@h:badport", AppKey: "o#a"})
	require.Error(t, err)
	require.NotContains(t, err.Error(), "hunter2")
}

func TestClient_customUserAgent(t *testing.T) {
	t.Parallel()
	b := setup(t, Config{UserAgent: "chatq-test/1"})
	b.mux.HandleFunc("/org/app/chatgroups/g1", func(w http.ResponseWriter, r *http.Request) {
		if got := r.Header.Get("User-Agent"); got != "chatq-test/1" {
			t.Errorf("User-Agent: got %q, want chatq-test/1", got)
		}
		writeJSON(t, w, http.StatusOK, `{"data":{"success":true}}`)
	})
	require.NoError(t, b.client.DeleteGroup(t.Context(), testToken, "g1"))
}

func TestClient_networkError(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		cfg         Config
		closed      bool // the server is closed before the call
		wantTimeout bool
	}{
		{name: "closed server", closed: true},
		{name: "client timeout", cfg: Config{Timeout: 50 * time.Millisecond}, wantTimeout: true},
		{name: "context timeout", cfg: Config{Timeout: 50 * time.Millisecond, HTTPClient: &http.Client{}}, wantTimeout: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, tt.cfg)
			b.mux.HandleFunc("/org/app/chatgroups/g1", hang(t, nil))
			if tt.closed {
				b.server.Close()
			}
			err := b.client.DeleteGroup(t.Context(), testToken, "g1")
			var netErr *NetworkError
			require.ErrorAs(t, err, &netErr)
			require.Equal(t, "DELETE /chatgroups/g1", netErr.Op)
			require.Equal(t, tt.wantTimeout, netErr.Timeout, "Timeout; err = %v", err)
			require.NotNil(t, errors.Unwrap(netErr))
			require.NotContains(t, err.Error(), "/org/app", "the Op names the call; no URL")
		})
	}
}

func TestClient_callerContextEnds(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		ctx     func(context.Context) (context.Context, context.CancelFunc)
		cancel  bool // cancel once the request has arrived
		wantErr error
	}{
		{name: "cancelled", ctx: context.WithCancel, cancel: true, wantErr: context.Canceled},
		{name: "deadline", ctx: func(ctx context.Context) (context.Context, context.CancelFunc) {
			return context.WithTimeout(ctx, 50*time.Millisecond)
		}, wantErr: context.DeadlineExceeded},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, Config{})
			arrived := make(chan struct{})
			b.mux.HandleFunc("/org/app/chatgroups/g1", hang(t, func() { close(arrived) }))
			ctx, cancel := tt.ctx(t.Context())
			defer cancel()
			if tt.cancel {
				go func() {
					select {
					case <-arrived:
						cancel()
					case <-ctx.Done():
					}
				}()
			}
			err := b.client.DeleteGroup(ctx, testToken, "g1")
			require.ErrorIs(t, err, tt.wantErr)
			var netErr *NetworkError
			require.False(t, errors.As(err, &netErr), "got a *NetworkError for the caller's own context: %v", err)
		})
	}
}

func TestClient_malformedSuccess(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		body string
	}{
		{name: "not JSON", body: `<html>ok</html>`},
		{name: "empty", body: ``},
		{name: "oversized", body: `{"data":{"groupid":"` + strings.Repeat("x", maxSuccessBody) + `"}}`},
		{name: "no groupid", body: `{"data":{}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, Config{})
			b.mux.HandleFunc("/org/app/chatgroups", func(w http.ResponseWriter, r *http.Request) {
				_, _ = io.WriteString(w, tt.body)
			})
			_, err := b.client.CreateGroup(t.Context(), testToken, testCreateGroup, "")
			require.ErrorIs(t, err, ErrMalformedResponse)
			require.Contains(t, err.Error(), "agora: POST /chatgroups: ")
		})
	}
}
