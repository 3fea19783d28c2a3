package sandbox

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestRemoveDotSegments(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"/a/b/c/./../../g":                 "/a/g", // RFC 3986 §5.2.4's examples
		"mid/content=5/../6":               "mid/6",
		"/org/app/chatgroups/../users/u1":  "/org/app/users/u1",
		"/org/app/chatgroups/g1/users/..":  "/org/app/chatgroups/g1/",
		"/org/app/chatgroups/./g1":         "/org/app/chatgroups/g1",
		"/../../x":                         "/x",
		"/org/app/chatgroups/...":          "/org/app/chatgroups/...",
		"/org/app/chatgroups/%2e%2e/users": "/org/app/chatgroups/%2e%2e/users", // decoding is a separate step
	} {
		require.Equal(t, want, removeDotSegments(in), "removeDotSegments(%q)", in)
	}
}

func TestRouteSegments(t *testing.T) {
	t.Parallel()
	for in, want := range map[string][]string{
		"/org/app/chatgroups/%2E%2e/users/u1":  {"org", "app", "users", "u1"},
		"/org/app/chatgroups/g1/users/..":      {"org", "app", "chatgroups", "g1"},
		"/org/app/chatgroups/a%2Fb":            {"org", "app", "chatgroups", "a/b"},
		"/org/app/chatgroups/g1/users/u1%2Cu2": {"org", "app", "chatgroups", "g1", "users", "u1,u2"},
		"/org/app/chatgroups/%252e%252e":       {"org", "app", "chatgroups", "%2e%2e"},
	} {
		require.Equal(t, want, routeSegments(in), "routeSegments(%q)", in)
	}
}
