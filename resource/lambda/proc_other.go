//go:build !unix

package lambda

import "os/exec"

// killGroup kills the command alone where there are no process groups.
func killGroup(*exec.Cmd) {}
