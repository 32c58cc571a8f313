//go:build unix

package runner

import (
	"errors"
	"os/exec"
	"syscall"
)

// ownGroup starts the command in a process group of its own, so that
// cancelling reaches whatever the command starts, and a terminal's Ctrl-C
// reaches shoal alone, which then ends the group: SIGTERM when the
// context is done.
func ownGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return signalGroup(cmd, syscall.SIGTERM) }
}

// termGroup asks the command's process group to end.
func termGroup(cmd *exec.Cmd) { _ = signalGroup(cmd, syscall.SIGTERM) }

// killGroup ends what is left of the command's process group.
func killGroup(cmd *exec.Cmd) { _ = signalGroup(cmd, syscall.SIGKILL) }

func signalGroup(cmd *exec.Cmd, sig syscall.Signal) error {
	err := syscall.Kill(-cmd.Process.Pid, sig)
	if errors.Is(err, syscall.ESRCH) {
		return nil
	}
	return err
}
