package cli

import "github.com/spf13/cobra"

// groupRun is the RunE of a command that only groups subcommands (chatq,
// chatq deadletter): alone it prints its help; an argument that names no
// subcommand is a usage error (exit 2), where cobra would print the help
// and exit 0 (or exit 1 at the root).
func groupRun(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return usagef("%s: unknown command %q (see %s --help)", cmd.CommandPath(), args[0], cmd.CommandPath())
	}
	return cmd.Help()
}
