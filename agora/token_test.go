package agora

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

const (
	testClientID     = "client-id-1"
	testClientSecret = "client-SECRET-e41b"
)

func TestToken_redacted(t *testing.T) {
	t.Parallel()
	exp := time.Date(2026, 1, 2, 15, 4, 5, 0, time.UTC)
	tok := NewToken(testTokenValue, exp)
	require.Equal(t, "token(redacted, expires 2026-01-02T15:04:05Z)", tok.String())
	require.Equal(t, "token(redacted, no expiry)", NewToken("v", time.Time{}).String())
	require.Equal(t, "token(empty)", Token{}.String())

	values := map[string]any{
		"token":            tok,
		"pointer":          &tok,
		"exported field":   struct{ T Token }{tok},
		"unexported field": struct{ t Token }{tok},
		"slice":            []Token{tok},
		"map":              map[string]Token{"k": tok},
	}
	for name, v := range values {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%d"} {
			got := fmt.Sprintf(verb, v)
			require.NotContains(t, got, testTokenValue, "%s formatted with %s", name, verb)
		}
	}
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("m", "tok", tok, "nested", struct{ T Token }{tok})
	slog.New(slog.NewTextHandler(&buf, nil)).Info("m", "tok", tok, slog.Any("p", &tok))
	require.NotContains(t, buf.String(), testTokenValue)
	require.Contains(t, buf.String(), "token(redacted, expires 2026-01-02T15:04:05Z)")
	b, err := json.Marshal(tok)
	require.NoError(t, err)
	require.NotContains(t, string(b), testTokenValue)
}

func TestToken_value(t *testing.T) {
	t.Parallel()
	a := NewToken("v1", time.Time{})
	require.Equal(t, "v1", a.Value())
	require.False(t, a.IsZero())
	require.True(t, a.Equal(NewToken("v1", time.Now())), "same value, other expiry")
	require.False(t, a.Equal(NewToken("v2", time.Time{})))
	require.True(t, Token{}.IsZero())
	require.True(t, NewToken("", time.Now()).IsZero())
	require.Empty(t, Token{}.Value())
}

func TestClient_RequestToken(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		ttl        time.Duration
		wantBody   string
		expiresIn  int
		wantExpiry time.Duration // 0 = no expiry
	}{
		{name: "ttl", ttl: time.Hour, expiresIn: 3600, wantExpiry: time.Hour,
			wantBody: `{"grant_type":"client_credentials","client_id":"client-id-1","client_secret":"client-SECRET-e41b","ttl":3600}`},
		{name: "ttl rounded up", ttl: 1500 * time.Millisecond, expiresIn: 2, wantExpiry: 2 * time.Second,
			wantBody: `{"grant_type":"client_credentials","client_id":"client-id-1","client_secret":"client-SECRET-e41b","ttl":2}`},
		{name: "provider default, no expiry", expiresIn: 0,
			wantBody: `{"grant_type":"client_credentials","client_id":"client-id-1","client_secret":"client-SECRET-e41b"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, Config{})
			b.mux.HandleFunc("/org/app/token", func(w http.ResponseWriter, r *http.Request) {
				testRequest(t, r, "POST", "/org/app/token", false)
				testBody(t, r, tt.wantBody)
				writeJSON(t, w, http.StatusOK, fmt.Sprintf(`{"access_token":"YWMt-1","expires_in":%d,"application":"8be0"}`, tt.expiresIn))
			})
			before := time.Now()
			tok, err := b.client.RequestToken(t.Context(), testClientID, testClientSecret, tt.ttl)
			require.NoError(t, err)
			require.Equal(t, "YWMt-1", tok.Value())
			if tt.wantExpiry == 0 {
				require.True(t, tok.ExpiresAt.IsZero(), "ExpiresAt: got %v, want zero", tok.ExpiresAt)
				return
			}
			require.WithinRange(t, tok.ExpiresAt, before.Add(tt.wantExpiry), time.Now().Add(tt.wantExpiry))
		})
	}
}

func TestClient_RequestToken_failures(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		status    int
		body      string
		closed    bool
		wantAPI   bool
		wantNet   bool
		wantMalf  bool
		wantInput bool
		id        string
	}{
		{name: "401", status: 401, body: `{"error":"invalid_grant","error_description":"invalid client"}`, wantAPI: true},
		{name: "closed server", closed: true, wantNet: true},
		{name: "no access_token", status: 200, body: `{"expires_in":10}`, wantMalf: true},
		{name: "no client id", wantInput: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, Config{})
			b.mux.HandleFunc("/org/app/token", func(w http.ResponseWriter, r *http.Request) {
				writeJSON(t, w, tt.status, tt.body)
			})
			if tt.closed {
				b.server.Close()
			}
			id := testClientID
			if tt.wantInput {
				id = ""
			}
			_, err := b.client.RequestToken(t.Context(), id, testClientSecret, 0)
			if tt.wantInput {
				require.ErrorIs(t, err, ErrInvalidInput)
				return
			}
			var tokErr *TokenError
			require.ErrorAs(t, err, &tokErr)
			var apiErr *APIError
			var netErr *NetworkError
			require.Equal(t, tt.wantAPI, errors.As(err, &apiErr), "*APIError in %v", err)
			require.Equal(t, tt.wantNet, errors.As(err, &netErr), "*NetworkError in %v", err)
			require.Equal(t, tt.wantMalf, errors.Is(err, ErrMalformedResponse), "ErrMalformedResponse in %v", err)
		})
	}
}

func TestClient_RequestToken_cancelled(t *testing.T) {
	t.Parallel()
	b := setup(t, Config{})
	b.mux.HandleFunc("/org/app/token", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(t, w, 200, `{"access_token":"x"}`)
	})
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := b.client.RequestToken(ctx, testClientID, testClientSecret, 0)
	require.ErrorIs(t, err, context.Canceled)
	var tokErr *TokenError
	require.False(t, errors.As(err, &tokErr), "got a *TokenError for the caller's cancellation: %v", err)
}

// TestSecretsNeverFormatted formats every error of a failing token request
// and of a 401, with a provider that echoes the secret, and looks for the
// client secret and the token.
func TestSecretsNeverFormatted(t *testing.T) {
	t.Parallel()
	b := setup(t, Config{})
	// The provider echoes what it got: the token endpoint the secret, the
	// others the token.
	echoSecret := fmt.Sprintf(`{"error":"unauthorized","exception":"E %s","error_description":"bad client_secret %s"}`,
		testClientSecret, testClientSecret)
	echoToken := fmt.Sprintf(`{"error":"unauthorized","exception":"E %s","error_description":"bad token %s"}`,
		testTokenValue, testTokenValue)
	b.mux.HandleFunc("/org/app/token", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(t, w, http.StatusUnauthorized, echoSecret)
	})
	b.mux.HandleFunc("/org/app/chatgroups/g1", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(t, w, http.StatusUnauthorized, echoToken)
	})
	b.mux.HandleFunc("/org/app/chatgroups/html", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusBadGateway)
		fmt.Fprintf(w, "<html>%s</html>", testTokenValue)
	})
	ctx := t.Context()
	var errs []error
	_, err := b.client.RequestToken(ctx, testClientID, testClientSecret, time.Hour)
	errs = append(errs, err)
	src, err := NewClientCredentials(b.client, ClientCredentialsConfig{ClientID: testClientID, ClientSecret: testClientSecret})
	require.NoError(t, err)
	_, err = src.Token(ctx)
	errs = append(errs, err)
	errs = append(errs, b.client.DeleteGroup(ctx, testToken, "g1"), b.client.DeleteGroup(ctx, testToken, "html"))

	closed := setup(t, Config{})
	closed.server.Close()
	_, err = closed.client.RequestToken(ctx, testClientID, testClientSecret, 0)
	errs = append(errs, err)

	for i, err := range errs {
		require.Error(t, err, "error %d", i)
		formatted := []string{fmt.Sprintf("%v", err), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err), fmt.Sprintf("%s", err)}
		var apiErr *APIError
		if errors.As(err, &apiErr) {
			formatted = append(formatted, fmt.Sprintf("%+v", *apiErr), fmt.Sprintf("%#v", apiErr))
		}
		var netErr *NetworkError
		if errors.As(err, &netErr) {
			formatted = append(formatted, fmt.Sprintf("%+v", *netErr), fmt.Sprintf("%#v", netErr))
		}
		for _, s := range formatted {
			require.NotContains(t, s, testClientSecret, "error %d", i)
			require.NotContains(t, s, testTokenValue, "error %d", i)
		}
	}
	st := src.State()
	require.NotEmpty(t, st.LastError)
	require.NotContains(t, st.LastError, testClientSecret)
	require.NotContains(t, fmt.Sprintf("%+v %#v", src, src), testClientSecret)
}
