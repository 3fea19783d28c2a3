package cli

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/hibiken/asynq"
	"github.com/spf13/cobra"

	"github.com/chatq/chatq/deadletter"
	"github.com/chatq/chatq/tasks"
)

// defaultReplayRate keeps a bulk replay well under the provider's limits.
const defaultReplayRate = 20

type replayFlags struct {
	dlFlags
	dryRun, force bool
	rate          float64
	max           int
	patch         string
}

func newDLReplayCmd(env Env) *cobra.Command {
	var f replayFlags
	cmd := &cobra.Command{
		Use:   "replay [ID...]",
		Short: "Send dead letters again with a fresh retry budget (--dry-run first)",
		Long: `Replay the selected open dead letters: each is re-checked (skipped when the
payload itself caused the failure — the policy's "dead-letter (payload)" rows,
an invalid payload — or its deadline has passed, unless --force; every other
cause is one fixed outside chatq, so it is sent again), claimed, enqueued with
a fresh retry budget into its queue, and only then removed. --dry-run prints
what would happen to each item and why. Running it twice, or twice at once,
never enqueues an item twice; an interrupted replay is finished by running it
again.`,
		Example: `  chatq dlq replay --rule 404-user-not-found --dry-run
  chatq dlq replay --type message:send --since 2h --rate 50 --max 1000
  chatq dlq replay 3f2a... --patch '{"to":["bob"]}' --dry-run`,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runReplay(cmd, env, f, args)
		},
	}
	f.bind(cmd, false)
	fl := cmd.Flags()
	fl.BoolVar(&f.dryRun, "dry-run", false, "print what would happen to each item and why; change nothing")
	fl.BoolVar(&f.force, "force", false, "replay payload faults and expired tasks too (the re-check skips them)")
	fl.Float64Var(&f.rate, "rate", defaultReplayRate, "enqueues per second (0: no limit)")
	fl.IntVar(&f.max, "max", 0, "replay at most this many (0: all)")
	fl.StringVar(&f.patch, "patch", "", "JSON merge patch (RFC 7386) for every payload, or @FILE")
	return cmd
}

func runReplay(cmd *cobra.Command, env Env, f replayFlags, ids []string) error {
	filter, err := f.filter(ids, time.Now())
	if err != nil {
		return err
	}
	patch, err := readPatch(f.patch)
	if err != nil {
		return err
	}
	if f.rate < 0 || f.max < 0 {
		return usagef("--rate and --max must be >= 0")
	}
	d, err := openDL(cmd.Context())
	if err != nil {
		return err
	}
	defer d.Close()
	p, err := newPolicy(d.cfg)
	if err != nil {
		return err
	}
	client := tasks.NewClient(d.conn, tasks.ClientConfig{Limits: d.cfg.limits(), DefaultMaxRetry: d.cfg.MaxRetry, Redis: d.rdb})
	defer client.Close()
	insp := asynq.NewInspector(d.conn)
	defer insp.Close()
	bar := newProgress(env.Stderr, "replay")
	rep, err := d.store.Replay(cmd.Context(), deadletter.ReplayOptions{
		Filter: filter, Client: client, Table: p.Table(), Inspector: insp, Limits: d.cfg.limits(),
		DryRun: f.dryRun, Force: f.force, Patch: patch, Rate: f.rate, Max: f.max,
		User: currentUser(), Progress: bar.update,
	})
	bar.finish()
	var pe *deadletter.PatchError
	if errors.As(err, &pe) {
		printItems(env.Stdout, "invalid after --patch", pe.Items)
		return err
	}
	if err != nil {
		return err
	}
	return reportRun(env.Stdout, rep, f.json, f.dryRun)
}

// readPatch reads --patch: inline JSON or @FILE. A bad patch is a usage error.
func readPatch(s string) (json.RawMessage, error) {
	if s == "" {
		return nil, nil
	}
	b := []byte(s)
	if name, ok := strings.CutPrefix(s, "@"); ok {
		var err error
		if b, err = os.ReadFile(name); err != nil {
			return nil, usagef("--patch: %v", err)
		}
	}
	if !json.Valid(b) {
		return nil, usagef("--patch: must be a JSON merge patch such as '{\"to\":[\"bob\"]}', got invalid JSON")
	}
	return json.RawMessage(b), nil
}

// partialError is a run that left work undone (exit 1): items failed, were
// busy (claimed by another run, or running in asynq), or were not reached
// because the run was interrupted. Running the same command again finishes
// it. Items the re-check skipped (payload faults, expired, invalid,
// resolved, gone) are not undone work: another run would skip them again.
type partialError struct{ failed, busy, interrupted int }

func (e *partialError) Error() string {
	var parts []string
	if e.failed > 0 {
		parts = append(parts, fmt.Sprintf("%d item(s) failed", e.failed))
	}
	if e.busy > 0 {
		parts = append(parts, fmt.Sprintf("%d item(s) %s", e.busy, deadletter.OutcomeBusy))
	}
	if e.interrupted > 0 {
		parts = append(parts, fmt.Sprintf("interrupted: %d item(s) not reached", e.interrupted))
	}
	return strings.Join(parts, ", ") + " (listed above); run the same command again"
}

// reportRun prints a Replay or Delete report, grouped by outcome and reason
// (and per item for a dry run). A run that left work undone is a
// *partialError; a dry run never is.
func reportRun(out io.Writer, rep deadletter.Report, asJSON, dryRun bool) error {
	busy := itemsWith(rep.Items, deadletter.OutcomeBusy)
	if asJSON {
		enc := json.NewEncoder(out)
		for _, it := range rep.Items {
			if err := enc.Encode(it); err != nil {
				return err
			}
		}
	} else {
		printGroups(out, rep)
		if dryRun {
			printPlan(out, rep.Items)
			printDiffs(out, rep.Items)
		}
		printItems(out, "failed", rep.Failed())
		printItems(out, string(deadletter.OutcomeBusy)+": run the same command again once the other run or the task is done", busy)
	}
	e := &partialError{failed: len(rep.Failed()), busy: len(busy)}
	if rep.Interrupted {
		e.interrupted = rep.Counts[deadletter.OutcomeOverMax]
	}
	if dryRun || *e == (partialError{}) {
		return nil
	}
	return e
}

func itemsWith(items []deadletter.Item, o deadletter.Outcome) []deadletter.Item {
	var out []deadletter.Item
	for _, it := range items {
		if it.Outcome == o {
			out = append(out, it)
		}
	}
	return out
}

func newDLDeleteCmd(env Env) *cobra.Command {
	var f dlFlags
	var dryRun, yes bool
	cmd := &cobra.Command{
		Use:   "delete [ID...]",
		Short: "Delete dead letters for good (and their archived copies in asynq)",
		RunE: func(cmd *cobra.Command, args []string) error {
			filter, err := f.filter(args, time.Now())
			if err != nil {
				return err
			}
			if len(args) == 0 && filter.Type == "" && filter.Queue == "" && filter.Status == "" && filter.Code == "" &&
				filter.Rule == "" && filter.State == "" && filter.Contains == "" && filter.Since.IsZero() && filter.Until.IsZero() {
				return usagef("delete: give task ids or at least one filter flag")
			}
			return runDelete(cmd, env, filter, f.json, dryRun, yes)
		},
	}
	f.bind(cmd, false)
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "print what would be deleted; change nothing")
	cmd.Flags().BoolVarP(&yes, "yes", "y", false, "do not ask for confirmation on a terminal")
	return cmd
}

func runDelete(cmd *cobra.Command, env Env, filter deadletter.Filter, asJSON, dryRun, yes bool) error {
	d, err := openDL(cmd.Context())
	if err != nil {
		return err
	}
	defer d.Close()
	insp := asynq.NewInspector(d.conn)
	defer insp.Close()
	opts := deadletter.DeleteOptions{Filter: filter, Inspector: insp, User: currentUser()}
	if !dryRun && !yes && isTerminal(env.Stdin) {
		opts.DryRun = true
		plan, err := d.store.Delete(cmd.Context(), opts)
		if err != nil {
			return err
		}
		if !confirm(env, fmt.Sprintf("Delete %d dead letter(s) for good? [y/N] ", len(plan.Items))) {
			fmt.Fprintln(env.Stdout, "nothing deleted")
			return nil
		}
		opts.DryRun = false
	}
	opts.DryRun = dryRun
	bar := newProgress(env.Stderr, "delete")
	opts.Progress = bar.update
	rep, err := d.store.Delete(cmd.Context(), opts)
	bar.finish()
	if err != nil {
		return err
	}
	return reportRun(env.Stdout, rep, asJSON, false)
}

func confirm(env Env, question string) bool {
	fmt.Fprint(env.Stdout, question)
	line, _ := bufio.NewReader(env.Stdin).ReadString('\n')
	answer := strings.ToLower(strings.TrimSpace(line))
	return answer == "y" || answer == "yes"
}
