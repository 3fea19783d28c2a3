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
matched, in the order the table tries them (the first one decides):
  1. 403-not-member [status=403 code=forbidden_op message="Users {username} are not members of this group!" types=group:members:remove] -> done
  2. 403 [status=403] -> dead-letter
     loses to 1: matches any code (the row above names one)
  3. 4xx [status=4xx] -> dead-letter
     loses to 2: status 4xx is less exact than 403
  4. fallback [status=*] -> dead-letter
     loses to 3: status * is less exact than 4xx
`
	require.Equal(t, want, got)
}

func TestExplain_Token(t *testing.T) {
	t.Parallel()
	bundle := setup(t)
	got := Explain(bundle.table, Failure{Status: 503, Token: true})
	require.Contains(t, got, "decision: retry (transient): token endpoint server error (token 503)")
	require.Contains(t, got, "rule:     token-5xx")
	require.Contains(t, got, "  2. 5xx [status=5xx] -> retry (transient)\n     loses to 1: not a token-endpoint row")
	require.NotContains(t, got, ". 503 ", "task rows do not apply to token failures")
}

func TestExplain_OverrideWinsAndSaysWhy(t *testing.T) {
	t.Parallel()
	table := mustTable(t, []Rule{{Name: "403-too-many-retry", Status: "403", Code: "forbidden_op",
		Message: "has joined too many groups", Action: ActionRetry, Class: ClassSlow, Reason: "cleaned up nightly"}}, DefaultRules())
	got := Explain(table, Failure{Status: 403, Code: "forbidden_op",
		Message: "Can not join this group, reason:user: u1 has joined too many groups/chatroom!", TaskType: "group:members:add"})
	require.Contains(t, got, "decision: retry (slow): cleaned up nightly (403 forbidden_op)\n")
	require.Contains(t, got, "rule:     403-too-many-retry (override) [status=403")
	require.Contains(t, got, "  2. 403-user-too-many-groups [status=403 code=forbidden_op message=")
	require.Contains(t, got, "     loses to 1: a default row (rows from the policy file come before every default row)\n")
}

func TestExplain_EveryStepSaysWhy(t *testing.T) {
	t.Parallel()
	table := mustTable(t, []Rule{{Name: "over", Status: "409", Message: "b", Action: ActionDone, Reason: "r"}},
		[]Rule{
			{Name: "long", Status: "409", Message: "a b", Action: ActionDeadLetter, Reason: "r"},
			{Name: "short", Status: "409", Message: "a", Action: ActionDeadLetter, Reason: "r"},
			{Name: "short-too", Status: "409", Message: "b", Types: []string{"t"}, Action: ActionDeadLetter, Reason: "r"},
		})
	got := Explain(table, Failure{Status: 409, Message: "a b", TaskType: "t"})
	require.Contains(t, got, "loses to 1: a default row")
	require.Contains(t, got, "  3. long [status=409 message=\"a b\"] -> dead-letter\n     loses to 2: applies to every task type")
	require.Contains(t, got, "  4. short [status=409 message=\"a\"] -> dead-letter\n     loses to 3: a shorter message pattern (1 characters of text, the row above 2)")
	require.NotContains(t, got, "the same row")
}
