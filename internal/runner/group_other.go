//go:build !unix

package runner

import "os/exec"

// ownGroup leaves the command in shoal's process group: without Unix
// process groups, cancelling kills the command itself (exec's default).
func ownGroup(*exec.Cmd) {}

func killGroup(*exec.Cmd) {}

func termGroup(cmd *exec.Cmd) { _ = cmd.Process.Kill() }
