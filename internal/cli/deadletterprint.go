package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/chatq/chatq/deadletter"
)

func newDLListCmd(env Env) *cobra.Command {
	var f dlFlags
	cmd := &cobra.Command{
		Use:   "list [ID...]",
		Short: "List dead letters, newest first (table, or --json lines)",
		RunE: func(cmd *cobra.Command, args []string) error {
			filter, err := f.filter(args, time.Now())
			if err != nil {
				return err
			}
			d, err := openDL(cmd.Context())
			if err != nil {
				return err
			}
			defer d.Close()
			return listRecords(cmd, env.Stdout, d.store, filter, f.json)
		},
	}
	f.bind(cmd, true)
	return cmd
}

// listRecords streams the records: 100,000 of them never sit in memory.
func listRecords(cmd *cobra.Command, out io.Writer, store *deadletter.Store, f deadletter.Filter, asJSON bool) error {
	enc := json.NewEncoder(out)
	enc.SetEscapeHTML(false)
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	if !asJSON {
		fmt.Fprintln(tw, "TASK ID\tTYPE\tQUEUE\tSTATE\tSTATUS/CODE\tRULE\tLAST FAILURE\tREASON")
	}
	n := 0
	var werr error
	err := store.Each(cmd.Context(), f, func(r deadletter.Record) bool {
		if f.Limit > 0 && n == f.Limit {
			return false
		}
		n++
		if asJSON {
			werr = enc.Encode(r)
		} else {
			_, werr = fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.TaskID, r.Type, r.Queue, r.State,
				deadletter.StatusCode(r), r.Rule, r.LastFailure.UTC().Format(time.RFC3339), oneLine(r.Reason, 80))
		}
		return werr == nil
	})
	if err != nil {
		return err
	}
	if werr != nil {
		return werr
	}
	if asJSON {
		return nil
	}
	return tw.Flush()
}

func oneLine(s string, max int) string {
	s = collapse(s)
	if len(s) > max {
		return s[:max-1] + "…"
	}
	return s
}

func newDLStatsCmd(env Env) *cobra.Command {
	var f dlFlags
	cmd := &cobra.Command{
		Use:   "stats",
		Short: "Count dead letters by state, status/code, rule and type",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			filter, err := f.filter(nil, time.Now())
			if err != nil {
				return err
			}
			d, err := openDL(cmd.Context())
			if err != nil {
				return err
			}
			defer d.Close()
			st, err := d.store.Stats(cmd.Context(), filter)
			if err != nil {
				return err
			}
			if f.json {
				return json.NewEncoder(env.Stdout).Encode(st)
			}
			return printStats(env.Stdout, st)
		},
	}
	f.bind(cmd, false)
	return cmd
}

func printStats(out io.Writer, st deadletter.Stats) error {
	fmt.Fprintf(out, "%d dead letters\n", st.Total)
	for _, g := range []struct {
		title  string
		counts []deadletter.Count
	}{{"STATE", st.ByState}, {"STATUS/CODE", st.ByStatusCode}, {"RULE", st.ByRule}, {"TYPE", st.ByType}} {
		fmt.Fprintln(out)
		tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
		fmt.Fprintf(tw, "%s\tCOUNT\n", g.title)
		for _, c := range g.counts {
			fmt.Fprintf(tw, "%s\t%d\n", c.Key, c.Count)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	return nil
}

// printRecord shows every field of a record, the payload indented.
func printRecord(out io.Writer, r deadletter.Record) error {
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	row := func(k, v string) {
		if v != "" {
			fmt.Fprintf(tw, "%s:\t%s\n", k, v)
		}
	}
	row("task id", r.TaskID)
	row("type", r.Type)
	row("queue", r.Queue)
	row("state", string(r.State))
	if !r.ResolvedAt.IsZero() {
		row("resolved at", r.ResolvedAt.UTC().Format(time.RFC3339))
	}
	row("status/code", deadletter.StatusCode(r))
	if r.ErrorCode != 0 {
		row("error_code", fmt.Sprint(r.ErrorCode))
	}
	row("description", r.Description)
	row("rule", r.Rule)
	row("action", r.Action)
	row("reason", r.Reason)
	row("items", strings.Join(r.Items, ", "))
	row("attempts", fmt.Sprint(r.Attempts))
	row("deferrals", fmt.Sprint(r.Deferrals))
	row("first failure", r.FirstFailure.UTC().Format(time.RFC3339Nano))
	row("last failure", r.LastFailure.UTC().Format(time.RFC3339Nano))
	row("worker", r.Worker)
	row("source", r.Source)
	if len(r.Redacted) > 0 {
		row("redacted", strings.Join(r.Redacted, ", ")+" (not kept: patch back in to replay)")
	}
	truncatedRows(row, r)
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(out, "payload:")
	if r.Payload != nil {
		var buf bytes.Buffer
		if err := json.Indent(&buf, r.Payload, "  ", "  "); err == nil {
			_, err := fmt.Fprintf(out, "  %s\n", buf.String())
			return err
		}
	}
	_, err := fmt.Fprintf(out, "  %q (%s)\n", r.PayloadBytes(), rawPayloadNote(r))
	return err
}
