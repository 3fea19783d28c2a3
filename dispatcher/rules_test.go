package dispatcher

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/chatq/chatq/deadletter"
)

// TestRules_PayloadRulesKnownToReplay keeps deadletter's list of chatq's own
// payload rules in step with the rules the worker dead-letters with: replay
// skips exactly these (issue #10, item 5).
func TestRules_PayloadRulesKnownToReplay(t *testing.T) {
	t.Parallel()
	for _, r := range []string{invalidPayloadRule.Name, payloadTooLargeRule.Name, unknownTypeRule.Name, invalidRequestRule.Name} {
		require.True(t, deadletter.IsPayloadRule(r), "rule %q is caused by the payload", r)
	}
	for _, r := range []string{expiredRule.Name, freshTokenRefusedRule.Name, throttledRule.Name} {
		require.False(t, deadletter.IsPayloadRule(r), "rule %q is not caused by the payload", r)
	}
}
