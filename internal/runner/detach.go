package runner

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"syscall"
)

// Detach starts name with args as a daemon and does not wait for it: the
// process runs in its own session (a Ctrl-C on shoal's terminal does not
// reach it), with stdin and stdout on /dev/null and stderr appended to
// logPath. It returns the process id. Use it for processes that must
// outlive shoal, such as the lab's link relays.
func (r *Runner) Detach(ctx context.Context, logPath, name string, args ...string) (int, error) {
	argv := append([]string{name}, args...)
	line := Quote(argv)
	if r.Trace != nil {
		r.mu.Lock()
		fmt.Fprintf(r.Trace, "+ %s 2>>%s &\n", r.Line(argv), quoteWord(logPath))
		r.mu.Unlock()
	}
	if err := ctx.Err(); err != nil {
		return 0, fmt.Errorf("%s: %w", line, err)
	}
	log, err := os.OpenFile(logPath, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", line, err)
	}
	defer log.Close()
	cmd := exec.Command(name, args...)
	cmd.Dir = r.Dir
	if len(r.Env) > 0 {
		cmd.Env = append(cmd.Environ(), r.Env...)
	}
	cmd.Stderr = log
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		if errors.Is(err, exec.ErrNotFound) {
			return 0, &NotFoundError{Name: name, Err: err}
		}
		return 0, fmt.Errorf("%s: %w", line, err)
	}
	pid := cmd.Process.Pid
	// Reap the process if it exits while shoal still runs, so that it does
	// not linger as a zombie; once shoal exits, init adopts it.
	go cmd.Wait()
	return pid, nil
}
