package tokenstore_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/chatq/chatq/agora"
	"github.com/chatq/chatq/tokenstore"
)

// TestSource_networkErrorWithoutCause: a FetchFunc may return a
// *agora.NetworkError with no Err (its Error method allows it); sharing that
// failure with the fleet must not panic, and the failure keeps its type.
func TestSource_networkErrorWithoutCause(t *testing.T) {
	t.Parallel()
	b := setup(t)
	fetch := func(context.Context) (agora.Token, error) {
		return agora.Token{}, &agora.TokenError{Err: &agora.NetworkError{Op: "POST /token", Timeout: true}}
	}
	procs := []*tokenstore.Source{
		b.process(t, func(c *tokenstore.Config) { c.Fetch = fetch }),
		b.process(t, func(c *tokenstore.Config) { c.Fetch = fetch }),
	}
	for i, p := range procs { // the second reads the failure the first shared
		_, err := p.Token(t.Context())
		var netErr *agora.NetworkError
		require.True(t, errors.As(err, &netErr), "process %d: got %T %v, want a *agora.NetworkError", i, err, err)
		require.True(t, netErr.Timeout, "process %d: timeout lost: %v", i, err)
	}
}
