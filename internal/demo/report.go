package demo

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/chatq/chatq/deadletter"
	"github.com/chatq/chatq/sandbox"
)

func printReport(ctx context.Context, out io.Writer, t *tally, store *deadletter.Store, sb *sandbox.Server) error {
	fmt.Fprintln(out, "\nOutcomes by provider answer and policy row:")
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "STATUS/CODE\tRULE\tACTION\tCOUNT")
	for _, r := range t.rows() {
		rule := r.rule
		if rule == "" {
			rule = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\n", r.status, rule, r.outcome, r.count)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	recs, err := store.List(ctx, deadletter.Filter{})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "\nDead letters (%d):\n", len(recs))
	tw = tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "TASK ID\tTYPE\tRULE\tREASON")
	for _, r := range recs {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", r.TaskID, r.Type, r.Rule, r.Reason)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	st := sb.Stats()
	fmt.Fprintf(out, "\nSandbox provider: %d token requests, %d messages stored\n", st.TokenRequests, len(sb.Messages()))
	return nil
}
