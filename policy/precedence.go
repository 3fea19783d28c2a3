package policy

import (
	"cmp"
	"fmt"
)

// criterion is one step of the order in which Lookup tries the rows: by
// returns < 0 when a is tried before b, and why says, for Explain, why b
// comes after a when this is the first step that tells them apart.
type criterion struct {
	by  func(a, b *compiledRule) int
	why func(a, b *compiledRule) string
}

// precedence is the order of the rows, first criterion first. Token rows
// come first: only they and the fallbacks match token failures, and a token
// row always beats a fallback there. Overrides come next, before every
// default row they overlap: an operator's row must not lose to a more
// specific default (issue #10). Then the most specific row: exact status >
// class > "*", then code, message, types, the longer message, the earlier row.
var precedence = []criterion{
	{by: func(a, b *compiledRule) int { return -boolCmp(a.rule.Token, b.rule.Token) },
		why: func(_, _ *compiledRule) string {
			return "not a token-endpoint row (token rows decide token failures first)"
		}},
	{by: func(a, b *compiledRule) int { return -boolCmp(a.override, b.override) },
		why: func(_, _ *compiledRule) string {
			return "a default row (rows from the policy file come before every default row)"
		}},
	{by: func(a, b *compiledRule) int { return -cmp.Compare(a.status.kind, b.status.kind) },
		why: func(a, b *compiledRule) string {
			return fmt.Sprintf("status %s is less exact than %s", b.rule.Status, a.rule.Status)
		}},
	{by: func(a, b *compiledRule) int { return -boolCmp(a.code != codeAny, b.code != codeAny) },
		why: func(_, _ *compiledRule) string { return "matches any code (the row above names one)" }},
	{by: func(a, b *compiledRule) int { return -boolCmp(a.hasMsg, b.hasMsg) },
		why: func(_, _ *compiledRule) string { return "matches any message (the row above has a message pattern)" }},
	{by: func(a, b *compiledRule) int { return -boolCmp(len(a.rule.Types) > 0, len(b.rule.Types) > 0) },
		why: func(_, _ *compiledRule) string { return "applies to every task type (the row above names types)" }},
	{by: func(a, b *compiledRule) int { return -cmp.Compare(a.msg.literal, b.msg.literal) },
		why: func(a, b *compiledRule) string {
			return fmt.Sprintf("a shorter message pattern (%d characters of text, the row above %d)", b.msg.literal, a.msg.literal)
		}},
	{by: func(a, b *compiledRule) int { return cmp.Compare(a.order, b.order) },
		why: func(_, _ *compiledRule) string { return "as specific as the row above, and listed after it" }},
}

// compareSpecificity sorts rows in the order Lookup tries them (precedence).
func compareSpecificity(a, b compiledRule) int {
	for _, c := range precedence {
		if n := c.by(&a, &b); n != 0 {
			return n
		}
	}
	return 0
}

// whyAfter says why Lookup tries b after a: the first criterion of
// precedence that tells them apart.
func whyAfter(a, b *compiledRule) string {
	for _, c := range precedence {
		if c.by(a, b) != 0 {
			return c.why(a, b)
		}
	}
	return "the same row"
}

// compareFields compares by which fields are set, most specific first
// (the table's display order).
func compareFields(a, b *compiledRule) int {
	return cmp.Or(
		-cmp.Compare(a.status.kind, b.status.kind),
		-boolCmp(a.code != codeAny, b.code != codeAny),
		-boolCmp(a.hasMsg, b.hasMsg),
		-boolCmp(len(a.rule.Types) > 0, len(b.rule.Types) > 0),
		-boolCmp(a.rule.Token, b.rule.Token),
	)
}

func boolCmp(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
}
