package policy

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"text/tabwriter"
)

// Markdown renders the effective table as a Markdown table with the columns
// status, code, message, applies to, action and reason. Overrides come
// first, as they win; then rows are ordered by status (numbers, then class,
// network, *), then by specificity and table order; token rows come last.
func (t *Table) Markdown() string {
	var b strings.Builder
	b.WriteString("| status | code | message | applies to | action | reason |\n")
	b.WriteString("|---|---|---|---|---|---|\n")
	for _, c := range t.displayOrder() {
		r := &c.rule
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s | %s | %s |\n",
			r.Status, mdCode(r.Code), mdCell(orAny(r.Message)), mdCell(appliesTo(r)), actionText(r), mdCell(r.Reason))
	}
	return b.String()
}

// Text renders the effective table as aligned plain text for terminals, in
// the same order as Markdown and with the rule names.
func (t *Table) Text() string {
	var b strings.Builder
	w := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "NAME\tSTATUS\tCODE\tMESSAGE\tAPPLIES TO\tACTION\tREASON")
	for _, c := range t.displayOrder() {
		r := &c.rule
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n",
			r.Name, r.Status, orAny(r.Code), orAny(r.Message), appliesTo(r), actionText(r), r.Reason)
	}
	_ = w.Flush() // writes to a strings.Builder cannot fail
	return b.String()
}

// displayOrder sorts a copy: task rows before token rows, overrides before
// defaults, then status, then which fields are set (most specific first),
// then table order, so that rows read in the order defaults.go lists them.
func (t *Table) displayOrder() []*compiledRule {
	out := make([]*compiledRule, len(t.rules))
	for i := range t.rules {
		out[i] = &t.rules[i]
	}
	slices.SortFunc(out, func(a, b *compiledRule) int {
		return cmp.Or(
			boolCmp(a.rule.Token, b.rule.Token),
			-boolCmp(a.override, b.override),
			cmp.Compare(a.status.sortKey(), b.status.sortKey()),
			compareFields(a, b),
			cmp.Compare(a.order, b.order),
		)
	})
	return out
}

func appliesTo(r *Rule) string {
	s := "all"
	if len(r.Types) > 0 {
		s = strings.Join(r.Types, ", ")
	}
	if r.Token {
		s = "token endpoint (" + s + ")"
	}
	return s
}

// actionText is the action with its class, or "(payload)" for a
// dead-letter caused by the payload itself.
func actionText(r *Rule) string {
	switch {
	case r.Class != "":
		return fmt.Sprintf("%s (%s)", r.Action, r.Class)
	case r.PayloadFault:
		return r.Action.String() + " (payload)"
	}
	return r.Action.String()
}

func orAny(s string) string {
	if s == "" {
		return "any"
	}
	return s
}

func mdCode(code string) string {
	if code == "" {
		return "any"
	}
	return "`" + strings.ReplaceAll(code, "`", "'") + "`"
}

// mdCell escapes what would break a table cell or start emphasis.
func mdCell(s string) string {
	return strings.NewReplacer("|", `\|`, "*", `\*`, "_", `\_`, "\n", " ").Replace(s)
}
