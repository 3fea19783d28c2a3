package cli

import (
	"unicode/utf8"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// flagsUTF8 refuses a set flag whose value is not valid UTF-8, naming it.
// Payloads are JSON, and encoding/json would quietly put U+FFFD in place of
// the invalid bytes of a string flag (issue 10, item 2).
func flagsUTF8(cmd *cobra.Command) error {
	var bad string
	cmd.Flags().Visit(func(f *pflag.Flag) {
		if bad == "" && !utf8.ValidString(f.Value.String()) {
			bad = f.Name
		}
	})
	if bad != "" {
		return usagef("--%s: must be valid UTF-8", bad)
	}
	return nil
}
