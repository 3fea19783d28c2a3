package sandbox_test

import (
	"encoding/base64"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/chatq/chatq/sandbox"
)

func TestServer_Token(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name          string
		cfg           sandbox.Config
		body          string
		wantExpiresIn int64
	}{
		{
			name:          "default ttl",
			body:          `{"grant_type":"client_credentials","client_id":"sandbox-client-id","client_secret":"sandbox-client-secret"}`,
			wantExpiresIn: 3600,
		},
		{
			name:          "configured ttl",
			cfg:           sandbox.Config{TokenTTL: 90 * time.Second},
			body:          `{"grant_type":"client_credentials","client_id":"sandbox-client-id","client_secret":"sandbox-client-secret"}`,
			wantExpiresIn: 90,
		},
		{
			name:          "requested ttl wins",
			body:          `{"grant_type":"client_credentials","client_id":"sandbox-client-id","client_secret":"sandbox-client-secret","ttl":120}`,
			wantExpiresIn: 120,
		},
		{
			name:          "configured credentials",
			cfg:           sandbox.Config{ClientID: "id", ClientSecret: "secret"},
			body:          `{"grant_type":"client_credentials","client_id":"id","client_secret":"secret"}`,
			wantExpiresIn: 3600,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, tc.cfg)
			var got struct {
				AccessToken string `json:"access_token"`
				ExpiresIn   int64  `json:"expires_in"`
				Application string `json:"application"`
			}
			requireOK(t, b.do(t, http.MethodPost, "/org/app/token", "", tc.body), &got)
			require.True(t, strings.HasPrefix(got.AccessToken, "YWMt"), "token %q", got.AccessToken)
			_, err := base64.RawURLEncoding.DecodeString(strings.TrimPrefix(got.AccessToken, "YWMt"))
			require.NoError(t, err)
			require.Equal(t, tc.wantExpiresIn, got.ExpiresIn)
			require.Regexp(t, `^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`, got.Application)
			require.Equal(t, 1, b.srv.Stats().TokenRequests)
			require.Equal(t, 1, b.srv.Stats().Calls[sandbox.EndpointToken])
		})
	}
}

func TestServer_TokenErrors(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name        string
		path        string
		body        string
		contentType string
		wantStatus  int
		wantCode    string
		wantMsg     string
	}{
		{"wrong secret", "/org/app/token", `{"grant_type":"client_credentials","client_id":"sandbox-client-id","client_secret":"nope"}`,
			"application/json", 400, "invalid_grant", "Invalid username or password."},
		{"wrong id", "/org/app/token", `{"grant_type":"client_credentials","client_id":"x","client_secret":"sandbox-client-secret"}`,
			"application/json", 400, "invalid_grant", "Invalid username or password."},
		{"wrong grant type", "/org/app/token", `{"grant_type":"password"}`,
			"application/json", 400, "unsupported_grant_type", "unsupported grant_type: password"},
		{"not json", "/org/app/token", `{grant_type`, "application/json", 400, "json_parse", "Unexpected character."},
		{"no content type", "/org/app/token", `{}`, "", 415, "web_application", "Unsupported Media Type."},
		{"wrong app", "/org/other/token", `{}`, "application/json", 404, "organization_application_not_found",
			"Could not find application for org from URI: org/other/token"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, sandbox.Config{})
			resp := b.doWith(t, http.MethodPost, tc.path, tc.body, func(r *http.Request) {
				if tc.contentType != "" {
					r.Header.Set("Content-Type", tc.contentType)
				}
			})
			requireAPIError(t, resp, tc.wantStatus, tc.wantCode, tc.wantMsg)
		})
	}
}

func TestServer_Authentication(t *testing.T) {
	t.Parallel()

	const (
		sendPath     = "/org/app/messages/users"
		sendBody     = `{"to":["u1"],"type":"txt","body":{"msg":"hi"}}`
		registerPath = "/org/app/users"
		registerBody = `{"username":"u1"}`
	)
	unknown := "YWMt" + base64.RawURLEncoding.EncodeToString([]byte("never issued by this server"))
	tests := []struct {
		name     string
		token    func(b *testBundle, t *testing.T) string
		path     string
		body     string
		wantCode string
		wantMsg  string
	}{
		{"missing", noToken, sendPath, sendBody, "unauthorized", "Unable to authenticate due to expired access token."},
		{"expired", expiredToken, sendPath, sendBody, "unauthorized", "Unable to authenticate due to expired access token."},
		{"wrong prefix", fixedToken("abcd" + unknown[4:]), sendPath, sendBody, "auth_bad_access_token", "Unable to authenticate due to corrupt access token."},
		{"prefix only", fixedToken("YWMt"), sendPath, sendBody, "auth_bad_access_token", "Unable to authenticate due to corrupt access token."},
		{"not base64", fixedToken("YWMt!!!***"), sendPath, sendBody, "auth_bad_access_token", "Unable to authenticate due to corrupt access token."},
		{"never issued", fixedToken(unknown), sendPath, sendBody, "auth_bad_access_token", "Unable to authenticate."},
		{"register missing", noToken, registerPath, registerBody, "unauthorized", "Registration is not open, please contact the app admin."},
		{"register expired", expiredToken, registerPath, registerBody, "unauthorized", "Registration is not open, please contact the app admin."},
		{"register corrupt", fixedToken("YWMt!!!"), registerPath, registerBody, "unauthorized", "Registration is not open, please contact the app admin."},
		{"register never issued", fixedToken(unknown), registerPath, registerBody, "unauthorized", "Registration is not open, please contact the app admin."},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, sandbox.Config{})
			resp := b.do(t, http.MethodPost, tc.path, tc.token(b, t), tc.body)
			requireAPIError(t, resp, http.StatusUnauthorized, tc.wantCode, tc.wantMsg)
			require.Empty(t, b.srv.Messages(), "nothing delivered")
			require.False(t, b.srv.HasUser("u1"), "nothing registered")
		})
	}
}

func noToken(*testBundle, *testing.T) string { return "" }

func expiredToken(b *testBundle, t *testing.T) string {
	tok := b.token(t)
	b.srv.ExpireTokens()
	return tok
}

func fixedToken(tok string) func(*testBundle, *testing.T) string {
	return func(*testBundle, *testing.T) string { return tok }
}

func TestServer_ExpireTokens(t *testing.T) {
	t.Parallel()
	b := setup(t, sandbox.Config{})
	const body = `{"to":["u1"],"type":"txt","body":{"msg":"hi"}}`

	old := b.token(t)
	require.Equal(t, http.StatusOK, b.do(t, http.MethodPost, "/org/app/messages/users", old, body).status)

	b.srv.ExpireTokens()
	requireAPIError(t, b.do(t, http.MethodPost, "/org/app/messages/users", old, body),
		http.StatusUnauthorized, "unauthorized", "Unable to authenticate due to expired access token.")

	fresh := b.token(t)
	require.NotEqual(t, old, fresh)
	require.Equal(t, http.StatusOK, b.do(t, http.MethodPost, "/org/app/messages/users", fresh, body).status)
}

func TestServer_TokenTTLElapses(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	b := setup(t, sandbox.Config{Now: clock.Now})
	resp := b.do(t, http.MethodPost, "/org/app/token", "",
		`{"grant_type":"client_credentials","client_id":"sandbox-client-id","client_secret":"sandbox-client-secret","ttl":60}`)
	var got struct {
		AccessToken string `json:"access_token"`
	}
	requireOK(t, resp, &got)
	const body = `{"to":["u"],"type":"txt","body":{}}`

	clock.Advance(59 * time.Second)
	require.Equal(t, http.StatusOK, b.do(t, http.MethodPost, "/org/app/messages/users", got.AccessToken, body).status)

	clock.Advance(time.Second)
	requireAPIError(t, b.do(t, http.MethodPost, "/org/app/messages/users", got.AccessToken, body),
		http.StatusUnauthorized, "unauthorized", "Unable to authenticate due to expired access token.")
}

// fakeClock is a settable clock for Config.Now.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}
