package redistest

import (
	"os/exec"
	"syscall"
)

// dieWithParent has the kernel kill cmd when the test process ends, so a
// server no test cleanup stops (the process's own server, or one left by a
// test binary killed on timeout) does not outlive it.
func dieWithParent(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
