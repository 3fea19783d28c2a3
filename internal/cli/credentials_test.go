package cli

import (
	"testing"

	"github.com/stretchr/testify/require"
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

// TestRequireAPI_ErrorsInAStableOrder: every missing setting is named, in
// the same order on every run.
func TestRequireAPI_ErrorsInAStableOrder(t *testing.T) {
	t.Parallel()
	want := "CHATQ_API_URL: required\nCHATQ_APP_KEY: required\n" +
		"CHATQ_APP_ID / CHATQ_CLIENT_ID: required: CHATQ_APP_ID and CHATQ_APP_CERTIFICATE (Agora app tokens) or CHATQ_CLIENT_ID and CHATQ_CLIENT_SECRET (client_credentials)"
	for range 10 {
		require.EqualError(t, Config{}.requireAPI(), want)
	}
}
