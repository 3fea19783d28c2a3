package tokenstore_test

import (
	"regexp"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/chatq/chatq/tokenstore"
)

func TestCredentialsName(t *testing.T) {
	t.Parallel()
	const secret = "client-secret-1"
	name := func(public, secret string, salt ...string) string {
		t.Helper()
		n, err := tokenstore.CredentialsNameWith(1000, public, secret, salt...)
		require.NoError(t, err)
		return n
	}
	base := name("org#app", secret, "client-id")
	require.Regexp(t, regexp.MustCompile(`^org#app:[0-9a-f]{32}$`), base, "public part readable, then the fingerprint")
	require.NotContains(t, base, secret)
	require.NotContains(t, base, "client-id", "salt stays out of the name")
	require.Equal(t, base, name("org#app", secret, "client-id"), "stable: the fleet shares one key")
	for what, other := range map[string]string{
		"another secret":    name("org#app", "client-secret-2", "client-id"),
		"another client id": name("org#app", secret, "client-id-2"),
		"another app key":   name("org#app2", secret, "client-id"),
		"salt moved":        name("org#app", secret, "client", "-id"),
	} {
		require.NotEqual(t, base, other, what)
	}
	full, err := tokenstore.CredentialsName("org#app", secret, "client-id")
	require.NoError(t, err)
	require.NotEqual(t, base, full, "the work factor is part of the derivation")
	require.Regexp(t, regexp.MustCompile(`^org#app:[0-9a-f]{32}$`), full)
}
