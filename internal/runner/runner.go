package runner

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"strings"
	"sync"
)

// Runner runs commands. The zero value runs them silently.
type Runner struct {
	// Trace, when set, receives each command line before it runs (-x).
	Trace io.Writer
	// Env is added to the environment of every command.
	Env []string

	mu sync.Mutex
}

// Error is a command that failed: its command line, exit status and the
// tail of its stderr.
type Error struct {
	Cmd    string
	Err    error
	Stderr string
}

func (e *Error) Error() string {
	if e.Stderr == "" {
		return fmt.Sprintf("%s: %v", e.Cmd, e.Err)
	}
	return fmt.Sprintf("%s: %v: %s", e.Cmd, e.Err, e.Stderr)
}

func (e *Error) Unwrap() error { return e.Err }

// tailLines is how much of a failed command's stderr an Error keeps.
const tailLines = 20

// Output runs name with args and returns its stdout. On failure the error
// is an *Error; a missing program is reported as such.
func (r *Runner) Output(ctx context.Context, name string, args ...string) ([]byte, error) {
	line := Quote(append([]string{name}, args...))
	if r.Trace != nil {
		r.mu.Lock()
		fmt.Fprintf(r.Trace, "+ %s\n", line)
		r.mu.Unlock()
	}
	cmd := exec.CommandContext(ctx, name, args...)
	if len(r.Env) > 0 {
		cmd.Env = append(cmd.Environ(), r.Env...)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		if errors.Is(err, exec.ErrNotFound) {
			return nil, fmt.Errorf("%s is not installed (not found on PATH)", name)
		}
		return stdout.Bytes(), &Error{Cmd: line, Err: err, Stderr: tail(stderr.String(), tailLines)}
	}
	return stdout.Bytes(), nil
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// Quote renders argv as a shell command line a user can paste.
func Quote(argv []string) string {
	parts := make([]string, len(argv))
	for i, a := range argv {
		if a != "" && strings.IndexFunc(a, func(r rune) bool {
			return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./=:@%+,", r))
		}) < 0 {
			parts[i] = a
			continue
		}
		parts[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
	}
	return strings.Join(parts, " ")
}
