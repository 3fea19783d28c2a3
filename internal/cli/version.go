package cli

import (
	"fmt"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"
)

// versionString describes the running binary from the build information
// the Go toolchain embeds: the main module's version ("(devel)" when built
// from a checkout rather than installed at a tagged version) and, when the
// build stamped them (go build -buildvcs, the default in a git checkout),
// the VCS revision, its commit time and whether the tree had local changes.
//
//	chatq (devel) revision 489a6ab06a823c75e9354160089fa36c4be31c98 (2025-12-03T16:07:00Z, modified) go1.26.8
func versionString(bi *debug.BuildInfo, ok bool) string {
	if !ok || bi == nil {
		return "chatq: no build information in this binary"
	}
	version := bi.Main.Version
	if version == "" {
		version = "(unknown)" // e.g. a test binary
	}
	var b strings.Builder
	fmt.Fprintf(&b, "chatq %s", version)
	settings := map[string]string{}
	for _, s := range bi.Settings {
		settings[s.Key] = s.Value
	}
	if rev := settings["vcs.revision"]; rev != "" {
		fmt.Fprintf(&b, " revision %s", rev)
		var notes []string
		if t := settings["vcs.time"]; t != "" {
			notes = append(notes, t)
		}
		if settings["vcs.modified"] == "true" {
			notes = append(notes, "modified")
		}
		if len(notes) > 0 {
			fmt.Fprintf(&b, " (%s)", strings.Join(notes, ", "))
		}
	}
	if bi.GoVersion != "" {
		fmt.Fprintf(&b, " %s", bi.GoVersion)
	}
	return b.String()
}

// buildVersion is versionString for this process.
func buildVersion() string { return versionString(debug.ReadBuildInfo()) }

func newVersionCmd(env Env) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print chatq's version, VCS revision and Go version (also: chatq --version)",
		Args:  noArgs,
		RunE: func(*cobra.Command, []string) error {
			_, err := fmt.Fprintln(env.Stdout, buildVersion())
			return err
		},
	}
}

// setVersion makes "chatq --version" print the same line as "chatq version".
func setVersion(root *cobra.Command) {
	root.Version = buildVersion()
	root.SetVersionTemplate("{{.Version}}\n")
	root.InitDefaultVersionFlag()
	root.Flags().Lookup("version").Usage = "print chatq's version (as chatq version does)"
}
