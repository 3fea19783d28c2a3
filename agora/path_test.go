package agora

import (
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestClient_refusesDotSegments: whatever its caller validated, the client
// never sends a path with a segment a server would read as "." or ".."
// (issue 10, item 1): the call fails with ErrInvalidInput and nothing is
// sent. A plain handler, not a ServeMux, sees every request: a ServeMux
// would answer a dot segment with a redirect of its own.
func TestClient_refusesDotSegments(t *testing.T) {
	t.Parallel()
	var requests atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		t.Errorf("unexpected request %s %s", r.Method, r.URL.EscapedPath())
	}))
	t.Cleanup(srv.Close)
	c, err := New(Config{BaseURL: srv.URL, AppKey: testAppKey})
	require.NoError(t, err)
	ctx := t.Context()
	tests := []struct {
		name string
		call func() error
	}{
		{"delete group ..", func() error { return c.DeleteGroup(ctx, testToken, "..") }},
		{"delete group .", func() error { return c.DeleteGroup(ctx, testToken, ".") }},
		{"delete group %2e%2e", func() error { return c.DeleteGroup(ctx, testToken, "%2e%2e") }},
		{"delete group .%2E;x", func() error { return c.DeleteGroup(ctx, testToken, ".%2E;x") }},
		{"remove from group ..", func() error {
			_, err := c.RemoveGroupMembers(ctx, testToken, "..", []string{"alice"})
			return err
		}},
		{"remove user ..", func() error {
			_, err := c.RemoveGroupMembers(ctx, testToken, "g1", []string{".."})
			return err
		}},
		{"remove users bob and ..", func() error {
			_, err := c.RemoveGroupMembers(ctx, testToken, "g1", []string{"bob", ".."})
			return err
		}},
		{"add user .", func() error {
			_, err := c.AddGroupMembers(ctx, testToken, "g1", []string{"."})
			return err
		}},
		{"add users to group ..", func() error {
			_, err := c.AddGroupMembers(ctx, testToken, "..", []string{"bob", "carol"})
			return err
		}},
		{"transfer group .", func() error { return c.TransferGroupOwner(ctx, testToken, ".", "bob") }},
	}
	for _, tt := range tests {
		err := tt.call()
		require.ErrorIs(t, err, ErrInvalidInput, tt.name)
		require.ErrorContains(t, err, "dot segment", tt.name)
	}
	require.Zero(t, requests.Load(), "requests sent")
}

func TestIsDotSegment(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]bool{
		".": true, "..": true, "%2e": true, "%2E%2e": true, "%252e%252e": true, "..;v=1": true,
		"": false, "...": false, ".a": false, "a.": false, "%2e%2e%2e": false, "%zz": false, "g1": false,
	} {
		require.Equal(t, want, isDotSegment(in), "isDotSegment(%q)", in)
	}
}
