package sandbox_test

import (
	"encoding/base64"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/chatq/chatq/agora/accesstoken"
	"github.com/chatq/chatq/sandbox"
)

// The sandbox verifies app tokens with its own code; these tests build them
// with chatq's builder, so each implementation checks the other.
const (
	sbAppID   = "970CA35de60c44645bbae8a215061b33"
	sbAppCert = "5CFd2fd1755d40ecb72977518be15d3b"
	// sbRTMVector is Agora's published RTM vector for sbAppID/sbAppCert:
	// validly signed, but not a chat app token.
	sbRTMVector = "007eJxSYOCdJftjyTM2zxW6Xhm/5T0j5LdcUt/xYVt48fb5Mp3PX9coMFiaGzg7GpumpJoZJJuYmJmYJiUlplokGhmaGpgZJhkbu38RYIhgYmBgZABhJgZGBkYwn5OhJLW4JL60OLUIEAAA//9ZVh6A"
	sbSendBody  = `{"to":["u1"],"type":"txt","body":{"msg":"hi"}}`
)

func appToken(t *testing.T, appID, cert string, ttl time.Duration, now time.Time) string {
	t.Helper()
	tok, _, err := accesstoken.BuildChatAppToken(appID, cert, ttl, now)
	require.NoError(t, err)
	return tok
}

func TestServer_AppToken(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	cfg := sandbox.Config{AppID: sbAppID, AppCertificate: sbAppCert, Now: clock.Now}
	valid := appToken(t, sbAppID, sbAppCert, time.Minute, clock.Now())
	raw, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(valid, "007"))
	require.NoError(t, err)
	truncated := "007" + base64.StdEncoding.EncodeToString(raw[:len(raw)-6])
	const (
		corrupt = "Unable to authenticate due to corrupt access token."
		unknown = "Unable to authenticate."
		expired = "Unable to authenticate due to expired access token."
	)
	tests := []struct {
		name     string
		cfg      sandbox.Config
		token    string
		advance  time.Duration
		wantCode string
		wantMsg  string
	}{
		{name: "valid", cfg: cfg, token: valid},
		{name: "valid until the last second", cfg: cfg, token: valid, advance: 59 * time.Second},
		{name: "expired", cfg: cfg, token: valid, advance: time.Minute, wantCode: "unauthorized", wantMsg: expired},
		{name: "forged with another certificate", cfg: cfg, token: appToken(t, sbAppID, strings.Repeat("0", 32), time.Minute, clock.Now()),
			wantCode: "auth_bad_access_token", wantMsg: unknown},
		{name: "another app", cfg: cfg, token: appToken(t, strings.Repeat("1", 32), sbAppCert, time.Minute, clock.Now()),
			wantCode: "auth_bad_access_token", wantMsg: unknown},
		{name: "not a chat app token", cfg: cfg, token: sbRTMVector, wantCode: "auth_bad_access_token", wantMsg: unknown},
		{name: "no app configured", cfg: sandbox.Config{Now: clock.Now}, token: valid, wantCode: "auth_bad_access_token", wantMsg: unknown},
		{name: "not base64", cfg: cfg, token: "007$$$", wantCode: "auth_bad_access_token", wantMsg: corrupt},
		{name: "truncated", cfg: cfg, token: truncated, wantCode: "auth_bad_access_token", wantMsg: corrupt},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := newFakeClock()
			tt.cfg.Now = c.Now
			c.Advance(tt.advance)
			b := setup(t, tt.cfg)
			resp := b.do(t, http.MethodPost, "/org/app/messages/users", tt.token, sbSendBody)
			if tt.wantCode == "" {
				require.Equal(t, http.StatusOK, resp.status, "body %s", resp.body)
				require.Equal(t, 1, b.srv.Stats().AppTokens)
				require.Zero(t, b.srv.Stats().TokenRequests)
				return
			}
			requireAPIError(t, resp, http.StatusUnauthorized, tt.wantCode, tt.wantMsg)
		})
	}
}

func TestServer_ExpireTokens_appToken(t *testing.T) {
	t.Parallel()
	b := setup(t, sandbox.Config{AppID: sbAppID, AppCertificate: sbAppCert})
	old := appToken(t, sbAppID, sbAppCert, time.Hour, time.Now())
	require.Equal(t, http.StatusOK, b.do(t, http.MethodPost, "/org/app/messages/users", old, sbSendBody).status)

	b.srv.ExpireTokens()
	requireAPIError(t, b.do(t, http.MethodPost, "/org/app/messages/users", old, sbSendBody),
		http.StatusUnauthorized, "unauthorized", "Unable to authenticate due to expired access token.")

	fresh := appToken(t, sbAppID, sbAppCert, time.Hour, time.Now())
	require.Equal(t, http.StatusOK, b.do(t, http.MethodPost, "/org/app/messages/users", fresh, sbSendBody).status)
	require.Equal(t, 2, b.srv.Stats().AppTokens)
}

func TestServer_AppToken_clientCredentialsStillWork(t *testing.T) {
	t.Parallel()
	b := setup(t, sandbox.Config{AppID: sbAppID, AppCertificate: sbAppCert})
	require.Equal(t, http.StatusOK, b.do(t, http.MethodPost, "/org/app/messages/users", b.token(t), sbSendBody).status)
}
