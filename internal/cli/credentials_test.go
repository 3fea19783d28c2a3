package cli

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/chatq/chatq/agora"
)

const (
	testAppID   = "970CA35de60c44645bbae8a215061b33"
	testAppCert = "5CFd2fd1755d40ecb72977518be15d3b"
)

func TestConfig_requireCredentials(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		cfg      Config
		wantErr  string // "" = valid
		wantVars string
	}{
		{name: "app token", cfg: Config{AppID: testAppID, AppCertificate: testAppCert}, wantVars: appTokenVars},
		{name: "client credentials", cfg: Config{ClientID: "id", ClientSecret: "s"}, wantVars: clientCredentialsVars},
		{name: "both", cfg: Config{AppID: testAppID, AppCertificate: testAppCert, ClientID: "id", ClientSecret: "s"},
			wantErr: "CHATQ_APP_ID / CHATQ_CLIENT_ID: set either CHATQ_APP_ID and CHATQ_APP_CERTIFICATE (Agora app tokens) or CHATQ_CLIENT_ID and CHATQ_CLIENT_SECRET (client_credentials), not both"},
		{name: "neither", cfg: Config{},
			wantErr: "CHATQ_APP_ID / CHATQ_CLIENT_ID: required: CHATQ_APP_ID and CHATQ_APP_CERTIFICATE (Agora app tokens) or CHATQ_CLIENT_ID and CHATQ_CLIENT_SECRET (client_credentials)"},
		{name: "certificate without app id", cfg: Config{AppCertificate: testAppCert}, wantErr: "CHATQ_APP_ID: required with CHATQ_APP_CERTIFICATE"},
		{name: "app id without certificate", cfg: Config{AppID: testAppID}, wantErr: "CHATQ_APP_CERTIFICATE: required with CHATQ_APP_ID"},
		{name: "secret without id", cfg: Config{ClientSecret: "s"}, wantErr: "CHATQ_CLIENT_ID: required with CHATQ_CLIENT_SECRET"},
		{name: "id without secret", cfg: Config{ClientID: "id"}, wantErr: "CHATQ_CLIENT_SECRET: required with CHATQ_CLIENT_ID"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := tt.cfg.requireCredentials()
			if tt.wantErr == "" {
				require.NoError(t, err)
				require.Equal(t, tt.wantVars, tt.cfg.credentialVars())
				require.Equal(t, tt.wantVars, workerConfig(tt.cfg).CredentialsVars)
				return
			}
			var ce *ConfigError
			require.ErrorAs(t, err, &ce)
			require.Equal(t, tt.wantErr, err.Error())
		})
	}
}

func TestWorker_BothCredentialSourcesExitTwo(t *testing.T) {
	t.Setenv("CHATQ_API_URL", "http://127.0.0.1:1")
	t.Setenv("CHATQ_APP_KEY", "org#app")
	t.Setenv("CHATQ_APP_ID", testAppID)
	t.Setenv("CHATQ_APP_CERTIFICATE", testAppCert)
	t.Setenv("CHATQ_CLIENT_ID", "id")
	t.Setenv("CHATQ_CLIENT_SECRET", "hunter2-secret-value")
	code, _, stderr := run(t, "", "worker")
	require.Equal(t, ExitUsage, code, stderr)
	require.Contains(t, stderr, "not both")
	require.NotContains(t, stderr, testAppCert)
	require.NotContains(t, stderr, "hunter2-secret-value")
}

func TestWorker_BadAppCertificateExitsTwo(t *testing.T) {
	t.Setenv("CHATQ_API_URL", "http://127.0.0.1:1")
	t.Setenv("CHATQ_APP_KEY", "org#app")
	t.Setenv("CHATQ_APP_ID", testAppID)
	t.Setenv("CHATQ_APP_CERTIFICATE", "not-32-hex-characters-secret")
	code, _, stderr := run(t, "", "worker")
	require.Equal(t, ExitUsage, code, stderr)
	require.Contains(t, stderr, "CHATQ_APP_ID / CHATQ_APP_CERTIFICATE")
	require.NotContains(t, stderr, "not-32-hex-characters-secret")

	t.Setenv("CHATQ_TOKEN_TTL", "48h")
	code, _, stderr = run(t, "", "worker")
	require.Equal(t, ExitUsage, code, stderr)
	require.Contains(t, stderr, "CHATQ_TOKEN_TTL: must be whole seconds between 1s and 24h")
}

// TestNewAPI_ScrubsTheConfiguredSecret checks the wiring: the REST client
// chatq builds redacts whichever secret the configuration holds from a
// provider answer that echoes it, on any call.
func TestNewAPI_ScrubsTheConfiguredSecret(t *testing.T) {
	t.Parallel()
	const clientSecret = "YXA6-configured-client-secret"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusForbidden)
		fmt.Fprintf(w, `{"error":"forbidden_op","error_description":"echo %s %s"}`, clientSecret, testAppCert)
	}))
	t.Cleanup(srv.Close)
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"}) // never dialled: no token is asked for
	t.Cleanup(func() { _ = rdb.Close() })
	for name, c := range map[string]Config{
		"client credentials": {ClientID: "id", ClientSecret: clientSecret},
		"app token":          {AppID: testAppID, AppCertificate: testAppCert},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			c.APIURL, c.AppKey, c.HTTPTimeout, c.TokenTTL = srv.URL, "org#app", time.Second, time.Hour
			api, _, err := newAPI(c, nil, rdb, slog.New(slog.DiscardHandler))
			require.NoError(t, err)
			err = api.DeleteGroup(t.Context(), agora.NewToken("token-value-0123", time.Time{}), "g1")
			require.ErrorContains(t, err, "[redacted]")
			require.NotContains(t, err.Error(), c.ClientSecret+c.AppCertificate, "the configured secret")
		})
	}
}
