package agora

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestAPIError_SecretCutByTruncation echoes the token so that the length
// limit of the error text falls in its middle: no part of it may survive
// (redaction must run before truncation).
func TestAPIError_SecretCutByTruncation(t *testing.T) {
	t.Parallel()
	half := len(testTokenValue) / 2
	tests := []struct {
		name string
		body func() string
	}{
		{name: "JSON description", body: func() string {
			pad := strings.Repeat("x", fieldLen-len("bad token ")-half)
			return fmt.Sprintf(`{"error":"unauthorized","error_description":"bad token %s%s"}`, pad, testTokenValue)
		}},
		{name: "non-JSON snippet", body: func() string {
			return strings.Repeat("y", snippetLen-half) + testTokenValue
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, Config{})
			b.mux.HandleFunc("/org/app/chatgroups/g1", func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(http.StatusUnauthorized)
				_, _ = w.Write([]byte(tt.body()))
			})
			err := b.client.DeleteGroup(t.Context(), testToken, "g1")
			require.Error(t, err)
			prefix := testTokenValue[:half]
			require.NotContains(t, err.Error(), prefix, "a truncated token leaked: %v", err)
		})
	}
}

// TestConfigs_neverFormatSecrets formats the configs that hold a secret
// with every verb, alone and inside another struct.
func TestConfigs_neverFormatSecrets(t *testing.T) {
	t.Parallel()
	const cert = "0123456789abcdef0123456789abcdef"
	values := []any{
		ClientCredentialsConfig{ClientID: testClientID, ClientSecret: testClientSecret},
		AppTokenConfig{AppID: "fedcba9876543210fedcba9876543210", AppCertificate: cert},
	}
	for _, v := range values {
		wrapped := struct{ Cfg any }{v}
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%d"} {
			for _, x := range []any{v, &v, wrapped} {
				s := fmt.Sprintf(verb, x)
				require.NotContains(t, s, testClientSecret, "%s of %T", verb, x)
				require.NotContains(t, s, cert, "%s of %T", verb, x)
			}
		}
	}
}
