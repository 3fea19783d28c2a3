package cli

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/chatq/chatq/throttle"
)

// writeFleetStatus prints chatq status as text: the published settings,
// then one table per families and queues, then the open dead letters.
func writeFleetStatus(w io.Writer, st fleetStatus, now time.Time) error {
	writeSettings(w, st)
	fmt.Fprintln(w)
	if err := writeFamilies(w, st.Families, now); err != nil {
		return err
	}
	fmt.Fprintln(w)
	if err := writeQueues(w, st.Queues); err != nil {
		return err
	}
	fmt.Fprintln(w)
	dl := st.OpenDeadLetters
	var rules []string
	for _, c := range dl.ByRule {
		rules = append(rules, fmt.Sprintf("%s %d", c.Key, c.Count))
	}
	line := fmt.Sprintf("Open dead letters: %d", dl.Total)
	if len(rules) > 0 {
		line += " (" + strings.Join(rules, ", ") + "; chatq dlq stats for more)"
	}
	_, err := fmt.Fprintln(w, line)
	return err
}

// writeSettings lists the workers' published settings, one line per
// distinct setting with the workers that run it.
func writeSettings(w io.Writer, st fleetStatus) {
	if len(st.Workers) == 0 {
		fmt.Fprintln(w, "Throttle settings: no running worker has published any (chatq worker does, every 10s); limits unknown")
		return
	}
	fmt.Fprintf(w, "Throttle settings, as published by %d running worker(s); the families below use %s's (the most recently started):\n",
		len(st.Workers), st.LimitsFrom)
	var order []string
	who := map[string][]string{}
	for _, s := range st.Workers {
		sum := s.Summary()
		if rest, ok := strings.CutPrefix(sum, "off: "); ok && !s.Enabled {
			sum = "off (" + envPrefix + "_THROTTLE=false): " + rest // the setting that turned it off
		}
		if _, ok := who[sum]; !ok {
			order = append(order, sum)
		}
		who[sum] = append(who[sum], fmt.Sprintf("%s (started %s)", s.Worker, s.StartedAt.Local().Format(time.DateTime)))
	}
	for _, sum := range order {
		fmt.Fprintf(w, "  %s\n    %s\n", strings.Join(who[sum], ", "), sum)
	}
	if len(order) > 1 {
		fmt.Fprintln(w, "warning: the workers run with different throttle settings; each applies its own limits")
	}
}

// writeFamilies prints one row per family: limit and effective rate, the
// fleet's call rate over the last 5 s, pause and breaker.
func writeFamilies(w io.Writer, fams []familyRow, now time.Time) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "FAMILY\tLIMIT/S\tEFFECTIVE/S\tCALLS/S (5s)\tPAUSE\tBREAKER\tFAILURES\tPAUSES\tOPENS")
	for _, s := range fams {
		limit, eff := "unknown", "-"
		switch {
		case s.Limit == nil:
		case *s.Limit > 0:
			limit, eff = fmt.Sprintf("%g", *s.Limit), fmt.Sprintf("%.1f", *s.Rate)
		default:
			limit = "none"
		}
		pause := "-"
		if s.Paused(now) {
			pause = "for " + s.PausedUntil.Sub(now).Round(time.Millisecond).String()
		}
		breaker := string(s.Breaker)
		if s.Breaker != throttle.Closed {
			breaker += fmt.Sprintf(" (since %s, next probe in %s)", s.OpenedAt.Format(time.TimeOnly),
				max(s.NextProbe.Sub(now), 0).Round(time.Millisecond))
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%.1f\t%s\t%s\t%d\t%d\t%d\n", s.Family, limit, eff, s.CallsPerSecond,
			pause, breaker, s.Failures, s.Pauses, s.Opens)
	}
	return tw.Flush()
}

// writeQueues prints one row per queue.
func writeQueues(w io.Writer, qs []queueRow) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "QUEUE\tPENDING\tACTIVE\tSCHEDULED\tRETRY\tARCHIVED\tOLDEST PENDING\tPAUSED")
	for _, q := range qs {
		paused := "no"
		if q.Paused {
			paused = "yes"
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\t%s\t%s\n", q.Queue, q.Pending, q.Active, q.Scheduled, q.Retry,
			q.Archived, q.Latency, paused)
	}
	return tw.Flush()
}
