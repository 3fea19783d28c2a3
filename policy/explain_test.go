package policy

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestExplain(t *testing.T) {
	t.Parallel()
	bundle := setup(t)
	got := Explain(bundle.table, Failure{Status: 403, Code: "forbidden_op",
		Message: "users [bob] are not members of this group!", TaskType: "group:members:remove"})
	want := `failure:  403 forbidden_op "users [bob] are not members of this group!" type="group:members:remove"
decision: done: users already not in group (403 forbidden_op)
rule:     403-not-member [status=403 code=forbidden_op message="Users {username} are not members of this group!" types=group:members:remove] -> done
source:   status-codes page, 403 Forbidden table
also matched (less specific):
  - 403 [status=403] -> dead-letter
  - 4xx [status=4xx] -> dead-letter
  - fallback [status=*] -> dead-letter
`
	require.Equal(t, want, got)
}

func TestExplain_Token(t *testing.T) {
	t.Parallel()
	bundle := setup(t)
	got := Explain(bundle.table, Failure{Status: 503, Token: true})
	require.Contains(t, got, "decision: retry (transient): token endpoint server error (token 503)")
	require.Contains(t, got, "rule:     token-5xx")
	require.Contains(t, got, "  - 5xx [status=5xx] -> retry (transient)")
	require.NotContains(t, got, "  - 503 ", "task rows do not apply to token failures")
}
