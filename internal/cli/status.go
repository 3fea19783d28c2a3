package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/chatq/chatq/throttle"
)

func newStatusCmd(env Env) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Show the fleet's rate limits, pauses and circuit breakers per API family",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := loadConfig()
			if err != nil {
				return err
			}
			_, rdb, err := openRedis(cmd.Context(), c)
			if err != nil {
				return err
			}
			defer rdb.Close()
			st, err := throttle.ReadStatus(cmd.Context(), rdb, c.throttleConfig(nil))
			if err != nil {
				return fmt.Errorf("redis (CHATQ_REDIS_URL): %w", err)
			}
			if asJSON {
				enc := json.NewEncoder(env.Stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(st)
			}
			return writeStatus(env.Stdout, st, time.Now())
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON instead of a table")
	return cmd
}

// writeStatus prints one row per family: configured and effective limit,
// the fleet's call rate over the last 5 s, pause and breaker.
func writeStatus(w io.Writer, st []throttle.FamilyStatus, now time.Time) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "FAMILY\tLIMIT/S\tEFFECTIVE/S\tCALLS/S (5s)\tPAUSE\tBREAKER\tFAILURES\tPAUSES\tOPENS")
	for _, s := range st {
		limit, eff := "none", "-"
		if s.Limit > 0 {
			limit, eff = fmt.Sprintf("%g", s.Limit), fmt.Sprintf("%.1f", s.Rate)
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
