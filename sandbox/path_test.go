package sandbox_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/chatq/chatq/sandbox"
)

// TestServer_readsDotSegmentsAsServersDo: the sandbox routes a path the way
// HTTP servers and proxies do (RFC 3986 §6.2.2.2 and §5.2.4 on the raw
// path, a trailing "/" ignored), so it is no more lenient than the provider
// behind a proxy: a member removal of ".." deletes the group itself.
func TestServer_readsDotSegmentsAsServersDo(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, method, path string
		wantStatus         int
		wantEndpoint       string
		wantG1             bool
	}{
		{"remove user .. deletes the group", "DELETE", "/org/app/chatgroups/g1/users/..", 200, sandbox.EndpointDeleteGroup, false},
		{"remove user %2E%2e deletes the group", "DELETE", "/org/app/chatgroups/g1/users/%2E%2e", 200, sandbox.EndpointDeleteGroup, false},
		// Since user:delete (issue #12) the sandbox serves DELETE /users/{u}:
		// a group id ".." would delete a user.
		{"group .. is /users/m1: deletes the user", "DELETE", "/org/app/chatgroups/../users/m1", 200, sandbox.EndpointDeleteUser, true},
		{"group . is the collection", "PUT", "/org/app/chatgroups/.", 405, sandbox.EndpointOther, true},
		{"add user . is a batch add without a body", "POST", "/org/app/chatgroups/g1/users/.", 400, sandbox.EndpointAddMembers, true},
		{"double-encoded stays a name", "DELETE", "/org/app/chatgroups/%252e%252e", 404, sandbox.EndpointDeleteGroup, true},
		{"encoded slash stays in its segment", "DELETE", "/org/app/chatgroups/g1%2Fusers", 404, sandbox.EndpointDeleteGroup, true},
		{"plain removal", "DELETE", "/org/app/chatgroups/g1/users/m1", 200, sandbox.EndpointRemoveMembers, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := groupBundle(t)
			resp := b.do(t, tt.method, tt.path, b.token(t), "")
			require.Equal(t, tt.wantStatus, resp.status, "%s %s: %s", tt.method, tt.path, resp.body)
			require.Equal(t, 1, b.srv.Stats().Calls[tt.wantEndpoint], "calls: %v", b.srv.Stats().Calls)
			_, ok := b.srv.Group("g1")
			require.Equal(t, tt.wantG1, ok, "group g1 exists")
		})
	}
}
