package sandbox_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/chatq/chatq/sandbox"
)

// testBundle is a sandbox served over real HTTP.
type testBundle struct {
	srv *sandbox.Server
	ts  *httptest.Server
}

func setup(t *testing.T, cfg sandbox.Config) *testBundle {
	t.Helper()
	srv := sandbox.New(cfg)
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	return &testBundle{srv: srv, ts: ts}
}

// response is a read answer.
type response struct {
	status int
	header http.Header
	body   []byte
}

// do sends a request to path (relative to the server); a non-empty body is
// sent as application/json, a non-empty token as a bearer token.
func (b *testBundle) do(t *testing.T, method, path, token, body string) response {
	t.Helper()
	return b.doWith(t, method, path, body, func(r *http.Request) {
		if body != "" {
			r.Header.Set("Content-Type", "application/json")
		}
		if token != "" {
			r.Header.Set("Authorization", "Bearer "+token)
		}
	})
}

// doWith sends a request after letting edit set its headers.
func (b *testBundle) doWith(t *testing.T, method, path, body string, edit func(*http.Request)) response {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, b.ts.URL+path, strings.NewReader(body))
	require.NoError(t, err)
	edit(req)
	resp, err := b.ts.Client().Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	got, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return response{status: resp.StatusCode, header: resp.Header, body: got}
}

// token fetches a token with the default credentials.
func (b *testBundle) token(t *testing.T) string {
	t.Helper()
	resp := b.do(t, http.MethodPost, "/org/app/token", "",
		`{"grant_type":"client_credentials","client_id":"sandbox-client-id","client_secret":"sandbox-client-secret"}`)
	require.Equal(t, http.StatusOK, resp.status, "token: %s", resp.body)
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	require.NoError(t, json.Unmarshal(resp.body, &tok))
	return tok.AccessToken
}

// requireAPIError checks that resp is the provider error status/code/message
// in the provider's body shape.
func requireAPIError(t *testing.T, resp response, status int, code, msg string) {
	t.Helper()
	require.Equal(t, status, resp.status, "status; body %s", resp.body)
	require.Equal(t, "application/json", resp.header.Get("Content-Type"))
	var body map[string]any
	require.NoError(t, json.Unmarshal(resp.body, &body), "body %s", resp.body)
	if code == "" {
		require.NotContains(t, body, "error")
	} else {
		require.Equal(t, code, body["error"], "error code")
	}
	require.Equal(t, msg, body["error_description"], "error_description")
	require.NotEmpty(t, body["exception"], "exception")
	require.Greater(t, body["timestamp"], float64(0), "timestamp")
	require.Equal(t, float64(0), body["duration"], "duration")
}

// requireOK checks a 200 answer and decodes its body into v.
func requireOK(t *testing.T, resp response, v any) {
	t.Helper()
	require.Equal(t, http.StatusOK, resp.status, "status; body %s", resp.body)
	require.Equal(t, "application/json", resp.header.Get("Content-Type"))
	require.NoError(t, json.Unmarshal(resp.body, v), "body %s", resp.body)
}

// errorCase is a request expected to fail with a provider error.
type errorCase struct {
	name       string
	method     string
	path       string
	body       string
	wantStatus int
	wantCode   string
	wantMsg    string
}

// runErrorCases runs cases in parallel, each against a fresh server made by
// newBundle (which seeds what the cases need) with a valid token.
func runErrorCases(t *testing.T, newBundle func(t *testing.T) *testBundle, cases []errorCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := newBundle(t)
			resp := b.do(t, tc.method, tc.path, b.token(t), tc.body)
			requireAPIError(t, resp, tc.wantStatus, tc.wantCode, tc.wantMsg)
		})
	}
}
