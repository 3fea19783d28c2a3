package e2etest

import (
	"bytes"
	"regexp"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

// LogBuffer is a bytes.Buffer safe for concurrent writers.
type LogBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

// Write appends p.
func (s *LogBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

// String returns everything written so far.
func (s *LogBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// appToken matches an AccessToken2 app token: "007" and its standard
// base64 body (always longer than 40 characters). A task id that starts
// with "007" is not one: its ninth character is a hyphen.
var appToken = regexp.MustCompile(`007[A-Za-z0-9+/]{40,}`)

// AssertNoSecrets fails the test if the client secret, the app
// certificate or an issued token (a user token "YWMt…" or an app token
// "007…") is in logs.
func AssertNoSecrets(t *testing.T, logs string) {
	t.Helper()
	require.NotContains(t, logs, ClientSecret, "client secret in logs")
	require.NotContains(t, logs, AppCertificate, "app certificate in logs")
	require.NotContains(t, logs, "YWMt", "a token in logs")
	require.Empty(t, appToken.FindString(logs), "an app token in logs")
}
