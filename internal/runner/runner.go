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
	"time"
)

// Runner runs commands. The zero value runs them silently, in the current
// directory, with shoal's own environment.
type Runner struct {
	// Trace, when set, receives each command line before it runs (-x), as
	// a line a user can paste into a shell: the directory, the environment
	// the runner adds and the quoted argv.
	Trace io.Writer
	// Env is added to the environment of every command, as KEY=VALUE.
	Env []string
	// Dir is the working directory of every command; "" is the current one.
	Dir string
	// Stdin, when set, is every command's standard input. It is never
	// traced: deploy sends secrets' values this way, off the command line.
	Stdin []byte

	mu sync.Mutex
}

// Error is a command that ran and failed: its command line, exit status
// and the tail of its stderr.
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

// NotFoundError is a program that is not installed. It wraps the error of
// os/exec, so errors.Is(err, exec.ErrNotFound) holds.
type NotFoundError struct {
	Name string
	Err  error
}

func (e *NotFoundError) Error() string {
	return e.Name + " is not installed (not found on PATH)"
}

func (e *NotFoundError) Unwrap() error { return e.Err }

// tailLines is how much of a failed command's stderr an Error keeps.
const tailLines = 20

// waitDelay is how long a cancelled command's process group has to exit
// after SIGTERM before it is killed.
const waitDelay = 3 * time.Second

// Output runs name with args and returns its stdout.
//
// A command that ran and failed is an *Error; a missing program is a
// *NotFoundError. When ctx is done first, the command's whole process
// group gets SIGTERM, then SIGKILL if it lingers, and the error wraps
// ctx's error (errors.Is(err, context.Canceled)), never an *Error.
func (r *Runner) Output(ctx context.Context, name string, args ...string) ([]byte, error) {
	line := Quote(append([]string{name}, args...))
	cmd := r.Command(ctx, name, args...)
	if r.Stdin != nil {
		cmd.Stdin = bytes.NewReader(r.Stdin)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if ctx.Err() != nil && cmd.Process != nil {
		// Whatever of the group outlived its leader goes too.
		killGroup(cmd)
	}
	if err == nil {
		return stdout.Bytes(), nil
	}
	if errors.Is(err, exec.ErrNotFound) {
		return nil, &NotFoundError{Name: name, Err: err}
	}
	if ctx.Err() != nil {
		return nil, fmt.Errorf("%s: %w", line, context.Cause(ctx))
	}
	return stdout.Bytes(), &Error{Cmd: line, Err: err, Stderr: Tail(stderr.String())}
}

// Command returns name with args as Output would run it (in its own
// process group, in Dir, with Env added; ctx ends the group), traced as
// Output traces, for a caller that needs the command's standard streams
// while it runs: it sets them, starts the command and waits for it.
func (r *Runner) Command(ctx context.Context, name string, args ...string) *exec.Cmd {
	r.Tracef("%s", r.Line(append([]string{name}, args...)))
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = r.Dir
	if len(r.Env) > 0 {
		cmd.Env = append(cmd.Environ(), r.Env...)
	}
	ownGroup(cmd)
	cmd.WaitDelay = waitDelay
	return cmd
}

// KillGroup ends a command started from Command, and whatever it started
// in its process group.
func KillGroup(cmd *exec.Cmd) {
	if cmd.Process != nil {
		killGroup(cmd)
	}
}

// TermGroup asks a command started from Command, and whatever it started
// in its process group, to end (SIGTERM).
func TermGroup(cmd *exec.Cmd) {
	if cmd.Process != nil {
		termGroup(cmd)
	}
}

// Tracef writes one line of the trace, when there is one: for work a
// command started by Command does on its input.
func (r *Runner) Tracef(format string, args ...any) {
	if r.Trace == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	fmt.Fprintf(r.Trace, "+ "+format+"\n", args...)
}

// Line renders argv as the runner runs it, for a shell: "cd DIR && "
// when Dir is set, then the added environment, then the quoted argv.
func (r *Runner) Line(argv []string) string {
	var b strings.Builder
	if r.Dir != "" {
		b.WriteString("cd " + quoteWord(r.Dir) + " && ")
	}
	for _, kv := range r.Env {
		k, v, _ := strings.Cut(kv, "=")
		// Only the value is quoted: a quoted NAME=value is a command to a
		// shell, not an assignment.
		b.WriteString(k + "=" + quoteWord(v) + " ")
	}
	b.WriteString(Quote(argv))
	return b.String()
}

// Tail returns the last lines of s that an error quotes of a command's
// standard error (tailLines of them), without its final newline.
func Tail(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > tailLines {
		lines = lines[len(lines)-tailLines:]
	}
	return strings.Join(lines, "\n")
}

// Quote renders argv as a POSIX shell command line: sh -c parses it back
// into exactly these words. It is the one function that builds a command
// line for a shell, both the -x lines a user pastes and the command ssh
// hands a remote host's shell. No word may hold a NUL byte (no program can
// receive one); callers validate remote input before quoting it.
func Quote(argv []string) string {
	parts := make([]string, len(argv))
	for i, a := range argv {
		parts[i] = quoteWord(a)
		// A bare first word with "=" would be a variable assignment.
		if i == 0 && parts[i] == a && strings.Contains(a, "=") {
			parts[i] = "'" + a + "'"
		}
	}
	return strings.Join(parts, " ")
}

// quoteWord quotes one word for a POSIX shell, leaving it bare when it
// is safe so.
func quoteWord(a string) string {
	if a != "" && strings.IndexFunc(a, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./=:@%+,", r))
	}) < 0 {
		return a
	}
	return "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
}
