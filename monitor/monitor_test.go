package monitor_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/chatq/chatq/agora"
	"github.com/chatq/chatq/deadletter"
	"github.com/chatq/chatq/dispatcher"
	"github.com/chatq/chatq/internal/redistest"
	"github.com/chatq/chatq/monitor"
	"github.com/chatq/chatq/policy"
)

const (
	testUser     = "ops"
	testPassword = "s3cret-monitor-pass"
)

type testBundle struct {
	srv   *httptest.Server
	store *deadletter.Store
}

func setup(t *testing.T, mutate func(*monitor.Config)) *testBundle {
	t.Helper()
	db := redistest.New(t)
	store := deadletter.New(db.Client, deadletter.Config{})
	cfg := monitor.Config{
		Addr: "127.0.0.1:0", User: testUser, Password: testPassword, Redis: db.Opt,
		DeadLetters: store, Rules: policy.DefaultRules(),
	}
	if mutate != nil {
		mutate(&cfg)
	}
	m, err := monitor.New(cfg)
	require.NoError(t, err)
	t.Cleanup(func() { _ = m.Close() })
	srv := httptest.NewServer(m.Handler())
	t.Cleanup(srv.Close)
	return &testBundle{srv: srv, store: store}
}

// do sends a request with optional basic auth and returns status and body.
func (b *testBundle) do(t *testing.T, method, path, user, pass string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, b.srv.URL+path, nil)
	require.NoError(t, err)
	if user != "" || pass != "" {
		req.SetBasicAuth(user, pass)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(body)
}

func TestMonitor_Auth(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	paths := []string{"/monitor/", "/monitor/api/queues", "/chatq/api/policy", "/chatq/api/deadletters", "/chatq/api/tokens"}
	tests := []struct {
		name       string
		user, pass string
		wantStatus int
	}{
		{name: "no credentials", wantStatus: http.StatusUnauthorized},
		{name: "wrong password", user: testUser, pass: "wrong", wantStatus: http.StatusUnauthorized},
		{name: "wrong user", user: "root", pass: testPassword, wantStatus: http.StatusUnauthorized},
		{name: "right credentials", user: testUser, pass: testPassword, wantStatus: http.StatusOK},
	}
	status, _ := b.do(t, http.MethodGet, "/healthz", "", "")
	require.Equal(t, http.StatusOK, status, "liveness needs no credentials")
	for _, tt := range tests {
		for _, p := range paths {
			got, body := b.do(t, http.MethodGet, p, tt.user, tt.pass)
			require.Equal(t, tt.wantStatus, got, "%s: GET %s: body %s", tt.name, p, body)
		}
	}
}

func TestMonitor_UIServesAsynqmon(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	status, body := b.do(t, http.MethodGet, "/monitor/", testUser, testPassword)
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, body, "<html", "asynqmon's index page")
	status, body = b.do(t, http.MethodGet, "/monitor/api/queues", testUser, testPassword)
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, body, "queues")
}

func TestMonitor_ReadOnlyRejectsWrites(t *testing.T) {
	t.Parallel()
	b := setup(t, func(c *monitor.Config) { c.ReadOnly = true })
	status, _ := b.do(t, http.MethodPost, "/monitor/api/queues/messages:pause", testUser, testPassword)
	require.Equal(t, http.StatusMethodNotAllowed, status)
	status, _ = b.do(t, http.MethodDelete, "/monitor/api/queues/messages", testUser, testPassword)
	require.Equal(t, http.StatusMethodNotAllowed, status)
	status, _ = b.do(t, http.MethodPost, "/monitor/api/queues/messages:pause", "", "")
	require.Equal(t, http.StatusUnauthorized, status, "authentication comes first")
	status, _ = b.do(t, http.MethodGet, "/monitor/api/queues", testUser, testPassword)
	require.Equal(t, http.StatusOK, status)
}

func TestMonitor_WritableWithoutReadOnly(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	status, body := b.do(t, http.MethodPost, "/monitor/api/queues/messages:pause", testUser, testPassword)
	require.NotEqual(t, http.StatusMethodNotAllowed, status, "body %s", body)
	require.NotEqual(t, http.StatusUnauthorized, status, "body %s", body)
}

func TestNew_Exposure(t *testing.T) {
	t.Parallel()
	db := redistest.New(t)
	tests := []struct {
		name     string
		addr     string
		user     string
		insecure bool
		wantErr  bool
	}{
		{name: "loopback without credentials", addr: "127.0.0.1:8080"},
		{name: "localhost without credentials", addr: "localhost:8080"},
		{name: "ipv6 loopback", addr: "[::1]:8080"},
		{name: "all interfaces without credentials", addr: "0.0.0.0:8080", wantErr: true},
		{name: "empty host without credentials", addr: ":8080", wantErr: true},
		{name: "hostname without credentials", addr: "monitor.internal:8080", wantErr: true},
		{name: "all interfaces with credentials", addr: "0.0.0.0:8080", user: testUser},
		{name: "all interfaces declared insecure", addr: "0.0.0.0:8080", insecure: true},
	}
	for _, tt := range tests {
		cfg := monitor.Config{Addr: tt.addr, Redis: db.Opt, Insecure: tt.insecure}
		if tt.user != "" {
			cfg.User, cfg.Password = tt.user, testPassword
		}
		m, err := monitor.New(cfg)
		if tt.wantErr {
			require.ErrorIs(t, err, monitor.ErrInsecure, tt.name)
			require.Contains(t, err.Error(), tt.addr, tt.name)
			continue
		}
		require.NoError(t, err, tt.name)
		require.NoError(t, m.Close())
	}
}

func TestNew_UserWithoutPassword(t *testing.T) {
	t.Parallel()
	db := redistest.New(t)
	_, err := monitor.New(monitor.Config{Addr: "127.0.0.1:8080", Redis: db.Opt, User: "ops"})
	require.ErrorContains(t, err, "set both or neither")
}

func TestAPI_DeadLetters(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	ctx := context.Background()
	now := time.Now()
	for i, rule := range []string{"404-user-not-found", "404-user-not-found", "403-forbidden"} {
		rec := deadletter.Record{TaskID: fmt.Sprintf("t%d", i), Type: "message:send", Queue: "messages",
			Status: 404, Rule: rule, Action: "dead-letter", Reason: "r", FirstFailure: now, LastFailure: now}
		rec.SetPayload([]byte(`{"to":["bob"]}`))
		require.NoError(t, b.store.Put(ctx, rec))
	}
	status, body := b.do(t, http.MethodGet, "/chatq/api/deadletters", testUser, testPassword)
	require.Equal(t, http.StatusOK, status, body)
	var got struct {
		Stats  deadletter.Stats `json:"stats"`
		Recent []struct {
			TaskID string `json:"task_id"`
			Rule   string `json:"rule"`
		} `json:"recent"`
	}
	require.NoError(t, json.Unmarshal([]byte(body), &got))
	require.Equal(t, 3, got.Stats.Total)
	require.Equal(t, []deadletter.Count{{Key: "404-user-not-found", Count: 2}, {Key: "403-forbidden", Count: 1}}, got.Stats.ByRule)
	require.Len(t, got.Recent, 3)
	require.NotContains(t, body, "bob", "no payloads in the summary")
}

func TestAPI_Policy(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	status, body := b.do(t, http.MethodGet, "/chatq/api/policy", testUser, testPassword)
	require.Equal(t, http.StatusOK, status)
	var got struct {
		Rules []policy.Rule `json:"rules"`
	}
	require.NoError(t, json.Unmarshal([]byte(body), &got))
	require.Equal(t, policy.DefaultRules(), got.Rules)
}

type fakeTokens struct{ st agora.TokenState }

func (f fakeTokens) State() agora.TokenState { return f.st }

func TestAPI_Tokens(t *testing.T) {
	t.Parallel()
	exp := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		name            string
		tokens          monitor.TokenStater
		ready           func() error
		wantAvailable   bool
		wantCredentials string
	}{
		{name: "standalone monitor", wantCredentials: "unknown"},
		{name: "accepted", tokens: fakeTokens{agora.TokenState{Valid: true, ExpiresAt: exp, Refreshes: 2}},
			ready: func() error { return nil }, wantAvailable: true, wantCredentials: "ok"},
		{name: "rejected", tokens: fakeTokens{agora.TokenState{Failures: 3, LastError: "400 invalid_grant"}},
			ready:         func() error { return fmt.Errorf("%w since x: bad", dispatcher.ErrCredentialsRejected) },
			wantAvailable: true, wantCredentials: "rejected"},
		{name: "shutting down", ready: func() error { return errors.New("dispatcher: shutting down") },
			wantAvailable: true, wantCredentials: "ok"},
		{name: "start check not run yet", ready: func() error { return dispatcher.ErrCredentialsUnchecked },
			wantAvailable: true, wantCredentials: "unknown"},
	}
	for _, tt := range tests {
		b := setup(t, func(c *monitor.Config) { c.Tokens, c.Ready = tt.tokens, tt.ready })
		status, body := b.do(t, http.MethodGet, "/chatq/api/tokens", testUser, testPassword)
		require.Equal(t, http.StatusOK, status, tt.name)
		var got map[string]any
		require.NoError(t, json.Unmarshal([]byte(body), &got), tt.name)
		require.Equal(t, tt.wantAvailable, got["available"], tt.name)
		require.Equal(t, tt.wantCredentials, got["credentials"], tt.name)
		if tt.name == "accepted" {
			require.Equal(t, exp.Format(time.RFC3339), got["expires_at"])
		}
	}
}

func TestFormatPayload(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		in      string
		want    []string
		notWant []string
	}{
		{name: "plain", in: `{"from":"alice","to":["bob"]}`, want: []string{`"from": "alice"`, `"bob"`}},
		{name: "top-level secrets", in: `{"client_secret":"cs-1","Password":"pw-1","access_token":"tk-1","from":"a"}`,
			want: []string{`"client_secret": "[redacted]"`, `"Password": "[redacted]"`, `"from": "a"`}, notWant: []string{"cs-1", "pw-1", "tk-1"}},
		{name: "nested", in: `{"ext":{"Authorization":"Bearer x1","inner":[{"appCertificate":"c1","ok":1}]}}`,
			want: []string{`"ok": 1`}, notWant: []string{"x1", "c1"}},
		{name: "secret object value", in: `{"token":{"value":"v1"}}`, notWant: []string{"v1"}},
		{name: "not json", in: "password=hunter2", want: []string{"not JSON"}, notWant: []string{"hunter2"}},
		{name: "two documents", in: `{"a":1} {"password":"p2"}`, want: []string{"not JSON"}, notWant: []string{"p2"}},
		{name: "big number kept", in: `{"group_id":12345678901234567890}`, want: []string{"12345678901234567890"}},
	}
	for _, tt := range tests {
		got := monitor.FormatPayload([]byte(tt.in))
		for _, w := range tt.want {
			require.Contains(t, got, w, tt.name)
		}
		for _, nw := range tt.notWant {
			require.NotContains(t, got, nw, tt.name)
		}
		require.Equal(t, got, monitor.PayloadFormatter.FormatPayload("message:send", []byte(tt.in)), tt.name)
	}
}
