package agora

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/chatq/chatq/tasks"
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

// Secrets the client is told about (WithSecrets), echoed by the provider
// in the tests below. numericSecret is a secret a JSON decode error can
// quote (as "number …").
const (
	testCertificate = "0123456789abcdef0123456789abcdef"
	numericSecret   = "98765432109876543210"
)

// echoClient is a client that knows the test secrets, on a fresh server.
func echoClient(t *testing.T) *testBundle {
	t.Helper()
	b := setup(t, Config{})
	b.client = b.client.WithSecrets(testClientSecret, testCertificate, "", numericSecret)
	return b
}

// requireScrubbed fails when s holds any test secret or the token.
func requireScrubbed(t *testing.T, s string) {
	t.Helper()
	for _, secret := range []string{testClientSecret, testCertificate, numericSecret, testTokenValue} {
		require.NotContains(t, s, secret)
	}
}

// TestWithSecrets_APIErrorOfAnyCall echoes the client secret, the app
// certificate and the token in every text field of an error answer to a
// message send (not only the token endpoint's): none survives.
func TestWithSecrets_APIErrorOfAnyCall(t *testing.T) {
	t.Parallel()
	echo := "secret " + testClientSecret + " cert " + testCertificate + " token " + testTokenValue
	bodies := map[string]string{
		"JSON fields": fmt.Sprintf(`{"error":"bad_%s","error_description":%q,"exception":%q}`, testCertificate, echo, echo),
		"non-JSON":    "<html>" + echo + "</html>",
	}
	for name, body := range bodies {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			b := echoClient(t)
			b.mux.HandleFunc("/org/app/messages/users", func(w http.ResponseWriter, _ *http.Request) {
				w.WriteHeader(http.StatusBadRequest)
				_, _ = w.Write([]byte(body))
			})
			_, err := b.client.SendMessage(t.Context(), testToken, testSendMessage)
			var apiErr *APIError
			require.ErrorAs(t, err, &apiErr)
			requireScrubbed(t, err.Error())
			requireScrubbed(t, fmt.Sprintf("%+v %#v", *apiErr, *apiErr))
			require.Contains(t, err.Error(), redacted)
		})
	}
}

// TestWithSecrets_NetworkError has the server answer a malformed status
// line that quotes the secrets: the transport's error quotes it back, and
// the *NetworkError must not.
func TestWithSecrets_NetworkError(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { _ = ln.Close() })
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			_, _ = bufio.NewReader(conn).ReadString('\n')
			_, _ = conn.Write([]byte("GARBAGE " + testClientSecret + " " + testCertificate + "\r\n\r\n"))
			_ = conn.Close()
		}
	}()
	c, err := New(Config{BaseURL: "http://" + ln.Addr().String(), AppKey: testAppKey})
	require.NoError(t, err)
	c = c.WithSecrets(testClientSecret, testCertificate)
	err = c.DeleteGroup(t.Context(), testToken, "g1")
	var netErr *NetworkError
	require.ErrorAs(t, err, &netErr)
	require.Contains(t, err.Error(), "malformed HTTP", "the transport quoted the answer")
	requireScrubbed(t, err.Error())
	requireScrubbed(t, fmt.Sprintf("%v %+v", netErr.Err, netErr))
}

// TestWithSecrets_DecodeError answers a 2xx body whose decode error
// quotes a (numeric) secret.
func TestWithSecrets_DecodeError(t *testing.T) {
	t.Parallel()
	b := echoClient(t)
	b.mux.HandleFunc("/org/app/chatgroups/g1/users", func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte(`{"data":{"newmembers":` + numericSecret + `}}`))
	})
	_, err := b.client.AddGroupMembers(t.Context(), testToken, "g1", []string{"a", "b"})
	require.ErrorIs(t, err, ErrMalformedResponse)
	require.Contains(t, err.Error(), "cannot unmarshal number", "the decoder quoted the body")
	requireScrubbed(t, err.Error())
}

// TestWithSecrets_ItemReasons echoes the secrets in the per-user reasons of
// 200 answers, which become dead-letter items.
func TestWithSecrets_ItemReasons(t *testing.T) {
	t.Parallel()
	reason := "no " + testClientSecret + " " + testCertificate + " " + testTokenValue
	b := echoClient(t)
	b.mux.HandleFunc("/org/app/users", func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprintf(w, `{"entities":[],"data":[{"username":"a","registerUserFailReason":%q}]}`, reason)
	})
	b.mux.HandleFunc("/org/app/chatgroups/g1/users/a,b", func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprintf(w, `{"data":[{"result":false,"user":"a","reason":%q},{"result":true,"user":"b"}]}`, reason)
	})
	reg, err := b.client.RegisterUsers(t.Context(), testToken, []tasks.User{{Username: "a"}, {Username: "b"}})
	require.NoError(t, err)
	require.Len(t, reg.Existing, 1)
	requireScrubbed(t, reg.Existing[0].Reason)
	rm, err := b.client.RemoveGroupMembers(t.Context(), testToken, "g1", []string{"a", "b"})
	require.NoError(t, err)
	require.Len(t, rm.Failed, 1)
	requireScrubbed(t, rm.Failed[0].Reason)
	require.Contains(t, rm.Failed[0].Reason, redacted)
}
