package cli

import (
	"cmp"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"text/tabwriter"

	"golang.org/x/term"

	"github.com/chatq/chatq/deadletter"
)

// printGroups prints one line per outcome and reason, largest group first.
func printGroups(out io.Writer, rep deadletter.Report) {
	type key struct {
		outcome deadletter.Outcome
		rule    string
		reason  string
	}
	counts := map[key]int{}
	for _, it := range rep.Items {
		k := key{outcome: it.Outcome, rule: it.Rule, reason: it.Reason}
		if it.Why != "" && it.Outcome != deadletter.OutcomeFailed {
			k.reason = it.Why
		}
		counts[k]++
	}
	keys := make([]key, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b key) int {
		return cmp.Or(cmp.Compare(a.outcome, b.outcome), -cmp.Compare(counts[a], counts[b]), cmp.Compare(a.rule, b.rule), cmp.Compare(a.reason, b.reason))
	})
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "OUTCOME\tCOUNT\tRULE\tREASON")
	for _, k := range keys {
		// The reason is the last column and never cut: it carries the hint
		// (--patch, --force) an operator acts on.
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\n", k.outcome, counts[k], k.rule, collapse(k.reason))
	}
	_ = tw.Flush()
	fmt.Fprintf(out, "total %d\n", len(rep.Items))
}

// printPlan prints one line per item of a dry run: what would happen to it
// and why, in full.
func printPlan(out io.Writer, items []deadletter.Item) {
	if len(items) == 0 {
		return
	}
	fmt.Fprintln(out)
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "TASK ID\tTYPE\tRULE\tOUTCOME\tWHY")
	for _, it := range items {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", it.TaskID, it.Type, it.Rule, it.Outcome, collapse(it.Why))
	}
	_ = tw.Flush()
}

// collapse puts s on one line.
func collapse(s string) string { return strings.Join(strings.Fields(s), " ") }

// maxDiffsShown bounds the per-item diffs a dry run prints.
const maxDiffsShown = 20

func printDiffs(out io.Writer, items []deadletter.Item) {
	shown := 0
	for _, it := range items {
		if len(it.Diff) == 0 {
			continue
		}
		if shown == maxDiffsShown {
			fmt.Fprintln(out, "… (more diffs not shown; --json lists them all)")
			return
		}
		shown++
		fmt.Fprintf(out, "\npatch of %s (%s):\n  %s\n", it.TaskID, it.Type, strings.Join(it.Diff, "\n  "))
	}
}

func printItems(out io.Writer, title string, items []deadletter.Item) {
	if len(items) == 0 {
		return
	}
	fmt.Fprintf(out, "\n%s (%d):\n", title, len(items))
	for _, it := range items {
		fmt.Fprintf(out, "  %s\t%s\t%s\n", it.TaskID, it.Type, it.Why)
	}
}

// isTerminal reports whether v is a terminal (a progress bar, a prompt).
func isTerminal(v any) bool {
	f, ok := v.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// progress shows a bar on a terminal and a plain line per tenth otherwise.
type progress struct {
	out   io.Writer
	verb  string
	tty   bool
	shown int // last tenth printed, plain mode
	used  bool
}

func newProgress(out io.Writer, verb string) *progress {
	return &progress{out: out, verb: verb, tty: isTerminal(out), shown: -1}
}

func (p *progress) update(done, total int) {
	p.used = true
	if p.tty {
		const width = 30
		n := done * width / max(total, 1)
		fmt.Fprintf(p.out, "\r%s [%s%s] %d/%d", p.verb, strings.Repeat("#", n), strings.Repeat(".", width-n), done, total)
		return
	}
	if tenth := done * 10 / max(total, 1); tenth != p.shown {
		p.shown = tenth
		fmt.Fprintf(p.out, "%s: %d/%d\n", p.verb, done, total)
	}
}

func (p *progress) finish() {
	if p.tty && p.used {
		fmt.Fprintln(p.out)
	}
}
