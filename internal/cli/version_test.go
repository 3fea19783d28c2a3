package cli

import (
	"runtime/debug"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestVersion_BothForms: "chatq version" and "chatq --version" print the
// same line, from this binary's build information.
func TestVersion_BothForms(t *testing.T) {
	code, viaCmd, stderr := run(t, "", "version")
	require.Equal(t, ExitOK, code, stderr)
	code, viaFlag, stderr := run(t, "", "--version")
	require.Equal(t, ExitOK, code, stderr)
	require.Equal(t, viaCmd, viaFlag)
	bi, ok := debug.ReadBuildInfo()
	require.True(t, ok)
	require.Equal(t, "chatq "+bi.Main.Version+" "+bi.GoVersion+"\n", viaCmd, "a test binary has no VCS stamp")

	code, _, stderr = run(t, "", "version", "extra")
	require.Equal(t, ExitUsage, code)
	require.Contains(t, stderr, `unexpected argument "extra"`)
}

func TestVersionString(t *testing.T) {
	parse := func(s string) *debug.BuildInfo {
		bi, err := debug.ParseBuildInfo(s)
		require.NoError(t, err)
		bi.GoVersion = "go1.26.8" // ParseBuildInfo leaves it to the binary's header
		return bi
	}
	cases := []struct {
		name, info, want string
	}{
		{"checkout with local changes", "path\tgithub.com/chatq/chatq/cmd/chatq\n" +
			"mod\tgithub.com/chatq/chatq\t(devel)\t\n" +
			"build\tvcs=git\nbuild\tvcs.revision=489a6ab06a823c75e9354160089fa36c4be31c98\n" +
			"build\tvcs.time=2025-12-03T16:07:00Z\nbuild\tvcs.modified=true\n",
			"chatq (devel) revision 489a6ab06a823c75e9354160089fa36c4be31c98 (2025-12-03T16:07:00Z, modified) go1.26.8"},
		{"clean checkout", "path\tgithub.com/chatq/chatq/cmd/chatq\n" +
			"mod\tgithub.com/chatq/chatq\tv0.0.0-20251203160700-489a6ab06a82\t\n" +
			"build\tvcs.revision=489a6ab06a823c75e9354160089fa36c4be31c98\nbuild\tvcs.modified=false\n",
			"chatq v0.0.0-20251203160700-489a6ab06a82 revision 489a6ab06a823c75e9354160089fa36c4be31c98 go1.26.8"},
		{"installed at a tag", "path\tgithub.com/chatq/chatq/cmd/chatq\n" +
			"mod\tgithub.com/chatq/chatq\tv1.4.0\th1:abc=\n",
			"chatq v1.4.0 go1.26.8"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, versionString(parse(tc.info), true))
		})
	}
	require.Equal(t, "chatq: no build information in this binary", versionString(nil, false))
}
