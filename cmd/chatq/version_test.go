package main_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestVersion_BuiltFromCheckout builds chatq from a git checkout with
// local changes, as a developer does, and checks that "chatq version" and
// "chatq --version" name the commit, the local changes and the module
// version the Go toolchain stamped (read back with "go version -m").
//
// The checkout is a fresh repository holding a copy of this source tree:
// the toolchain stamps no VCS data from a git worktree (.git is a file
// there) or under GOFLAGS=-buildvcs=false, which CI and this machine use.
func TestVersion_BuiltFromCheckout(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not installed")
	}
	dir := copyToFreshRepo(t)
	rev := strings.TrimSpace(runIn(t, dir, "git", "rev-parse", "HEAD"))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "LOCAL-CHANGE"), []byte("x\n"), 0o644))
	bin := filepath.Join(t.TempDir(), "chatq")
	// The Dockerfile's flags (CI builds with them first, so the build cache
	// holds every package), plus -buildvcs=true over GOFLAGS.
	build := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w", "-buildvcs=true", "-o", bin, "./cmd/chatq")
	build.Dir, build.Env = dir, append(os.Environ(), "CGO_ENABLED=0")
	out, err := build.CombinedOutput()
	require.NoError(t, err, "go build: %s", out)

	stamped := runIn(t, dir, "go", "version", "-m", bin)
	modVersion := regexp.MustCompile(`(?m)^\tmod\tgithub\.com/chatq/chatq\t(\S+)`).FindStringSubmatch(stamped)
	require.NotNil(t, modVersion, "go version -m: %s", stamped)
	require.Contains(t, stamped, "vcs.revision="+rev)

	viaCmd := runIn(t, dir, bin, "version")
	viaFlag := runIn(t, dir, bin, "--version")
	require.Equal(t, viaCmd, viaFlag)
	require.Regexp(t, `^chatq `+regexp.QuoteMeta(modVersion[1])+` revision `+rev+` \(\S+Z, modified\) go1\.\S+\n$`, viaCmd)
}

// copyToFreshRepo copies the module's tracked and untracked files into a
// new git repository with one commit, and returns its directory.
func copyToFreshRepo(t *testing.T) string {
	t.Helper()
	root := strings.TrimSpace(runIn(t, ".", "go", "list", "-m", "-f", "{{.Dir}}"))
	files := runIn(t, root, "git", "ls-files", "--cached", "--others", "--exclude-standard")
	dir := t.TempDir()
	for _, f := range strings.Split(strings.TrimSpace(files), "\n") {
		b, err := os.ReadFile(filepath.Join(root, f))
		if os.IsNotExist(err) {
			continue // deleted in the working tree
		}
		require.NoError(t, err)
		require.NoError(t, os.MkdirAll(filepath.Dir(filepath.Join(dir, f)), 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(dir, f), b, 0o644))
	}
	git := []string{"-c", "user.name=chatq test", "-c", "user.email=test@chatq.invalid", "-c", "commit.gpgsign=false"}
	runIn(t, dir, "git", "init", "-q")
	runIn(t, dir, "git", "add", "-A")
	runIn(t, dir, "git", append(git, "commit", "-q", "-m", "snapshot")...)
	return dir
}

// runIn runs a command in dir and returns its standard output.
func runIn(t *testing.T, dir string, name string, args ...string) string {
	t.Helper()
	var out, errb bytes.Buffer
	cmd := exec.Command(name, args...)
	cmd.Dir, cmd.Stdout, cmd.Stderr = dir, &out, &errb
	require.NoError(t, cmd.Run(), "%s %s: %s", name, strings.Join(args, " "), errb.String())
	return out.String()
}
