//go:build !linux

package redistest

import "os/exec"

// dieWithParent is Linux-only (Pdeathsig); elsewhere the process's own
// server outlives a test binary and must be stopped by hand.
func dieWithParent(*exec.Cmd) {}
