//go:build unix

package lambda

import (
	"os/exec"
	"syscall"
)

// killGroup makes a cancelled command take its children with it: a
// function's shell script must not leave processes behind.
func killGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error {
		return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
}
