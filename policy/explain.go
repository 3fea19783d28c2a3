package policy

import (
	"fmt"
	"strings"
)

// Explain describes how t decides f: the decision, the winning row, and
// every row that matched, in the order Lookup tries them, each with the
// reason it comes after the row above it (a default row after an override,
// a less exact status, no code, …). It is meant for operators (a CLI
// "explain" command) and for test failure messages.
func Explain(t *Table, f Failure) string {
	matched := t.matching(f)
	var b strings.Builder
	fmt.Fprintf(&b, "failure:  %s %q type=%q\n", describe(f), f.Message, f.TaskType)
	if len(matched) == 0 { // unreachable: NewTable guarantees a catch-all
		fmt.Fprintf(&b, "decision: %s (%s)\n", catchAll.Action, catchAll.Reason)
		return b.String()
	}
	win := matched[0]
	fmt.Fprintf(&b, "decision: %s: %s (%s)\n", actionText(&win.rule), win.rule.Reason, describe(f))
	fmt.Fprintf(&b, "rule:     %s\n", ruleLine(win))
	if win.rule.Doc != "" {
		fmt.Fprintf(&b, "source:   %s\n", win.rule.Doc)
	}
	b.WriteString("matched, in the order the table tries them (the first one decides):\n")
	for i, c := range matched {
		fmt.Fprintf(&b, "  %d. %s\n", i+1, ruleLine(c))
		if i > 0 {
			fmt.Fprintf(&b, "     loses to %d: %s\n", i, whyAfter(matched[i-1], c))
		}
	}
	return b.String()
}

// ruleLine is a one-line summary of a row; "(override)" marks a row from
// the overrides.
func ruleLine(c *compiledRule) string {
	r := &c.rule
	var b strings.Builder
	b.WriteString(r.Name)
	if c.override {
		b.WriteString(" (override)")
	}
	fmt.Fprintf(&b, " [status=%s", r.Status)
	if r.Code != "" {
		fmt.Fprintf(&b, " code=%s", r.Code)
	}
	if r.Message != "" {
		fmt.Fprintf(&b, " message=%q", r.Message)
	}
	if len(r.Types) > 0 {
		fmt.Fprintf(&b, " types=%s", strings.Join(r.Types, ","))
	}
	if r.Token {
		b.WriteString(" token")
	}
	fmt.Fprintf(&b, "] -> %s", actionText(r))
	return b.String()
}
