package policy

import (
	"fmt"
	"strings"
)

// Explain describes how t decides f: the decision, the winning row, and the
// other rows that matched, most specific first. It is meant for operators
// (a CLI "explain" command) and for test failure messages.
func Explain(t *Table, f Failure) string {
	matched := t.matching(f)
	var b strings.Builder
	fmt.Fprintf(&b, "failure:  %s %q type=%q\n", describe(f), f.Message, f.TaskType)
	if len(matched) == 0 { // unreachable: NewTable guarantees a catch-all
		fmt.Fprintf(&b, "decision: %s (%s)\n", catchAll.Action, catchAll.Reason)
		return b.String()
	}
	win := &matched[0].rule
	fmt.Fprintf(&b, "decision: %s: %s (%s)\n", actionText(win), win.Reason, describe(f))
	fmt.Fprintf(&b, "rule:     %s\n", ruleLine(win))
	if win.Doc != "" {
		fmt.Fprintf(&b, "source:   %s\n", win.Doc)
	}
	if len(matched) > 1 {
		b.WriteString("also matched (less specific):\n")
		for _, c := range matched[1:] {
			fmt.Fprintf(&b, "  - %s\n", ruleLine(&c.rule))
		}
	}
	return b.String()
}

// ruleLine is a one-line summary of a row.
func ruleLine(r *Rule) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s [status=%s", r.Name, r.Status)
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
