package cli

import (
	"encoding/json"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/chatq/chatq/policy"
)

func newPolicyCmd(env Env) *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "policy",
		Short: "Print the effective policy table (defaults merged with CHATQ_POLICY_FILE)",
		Args:  noArgs,
		RunE: func(_ *cobra.Command, _ []string) error {
			p, err := policyFromEnv()
			if err != nil {
				return err
			}
			return printTable(env, p.Table(), format)
		},
	}
	cmd.Flags().StringVar(&format, "format", "text", "output format: text, markdown or json")
	cmd.AddCommand(newExplainCmd(env))
	return cmd
}

func policyFromEnv() (*policy.Policy, error) {
	c, err := loadConfig()
	if err != nil {
		return nil, err
	}
	return newPolicy(c)
}

func printTable(env Env, t *policy.Table, format string) error {
	switch format {
	case "text":
		_, err := fmt.Fprint(env.Stdout, t.Text())
		return err
	case "markdown":
		_, err := fmt.Fprint(env.Stdout, t.Markdown())
		return err
	case "json":
		enc := json.NewEncoder(env.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(t.Rules())
	}
	return usagef("--format: must be text, markdown or json, got %q", format)
}

func newExplainCmd(env Env) *cobra.Command {
	var f policy.Failure
	cmd := &cobra.Command{
		Use:   "explain",
		Short: "Show the decision for one failure and the row that made it",
		Example: `  chatq policy explain --status 403 --code forbidden_op \
    --message "Can not join this group, reason: user: u1 already in group: g1." --type group:members:add`,
		Args: noArgs,
		RunE: func(_ *cobra.Command, _ []string) error {
			if f.Status == 0 && !f.Network {
				return usagef("explain: --status is required (or --network)")
			}
			p, err := policyFromEnv()
			if err != nil {
				return err
			}
			_, err = fmt.Fprint(env.Stdout, policy.Explain(p.Table(), f))
			return err
		},
	}
	fl := cmd.Flags()
	fl.IntVar(&f.Status, "status", 0, "HTTP status of the failure")
	fl.StringVar(&f.Code, "code", "", `provider error code (the body's "error" field)`)
	fl.StringVar(&f.Message, "message", "", `provider error_description`)
	fl.StringVar(&f.TaskType, "type", "", "task type, e.g. group:members:add")
	fl.BoolVar(&f.Network, "network", false, "the call got no HTTP answer (connection error or timeout)")
	fl.BoolVar(&f.Token, "token", false, "the failure came from the token endpoint")
	return cmd
}
