package deploy

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/shoal-nix/shoal/internal/runner"
)

// A deploy's own scripts over the master connection (probe, activate,
// health checks, finish, going back) run in one sh per host that reads
// them from its standard input: the session of the host's ControlMaster
// itself. Each script over it costs the host no new session, login shell
// or exec of sh by sshd, and the deployer no ssh process and no round
// trips to open a channel: about two round trips and a few processes a
// script, which add up over a fleet. Scripts run one at a time, each to
// its end (a health check carries its own timeout on the host). Secrets,
// which need their own standard input, and nix copy open their own
// sessions over the same master, as before.
//
// The framing: the deployer writes a script's command line with its
// standard input from /dev/null, then a marker with the exit status on
// standard output and the marker alone on standard error. A marker holds
// a random word and a counter, so no script output can forge it.

// PipeStarter starts a command with its standard streams as pipes, for a
// host's shell. RunnerCommander is one; a Commander that is not runs each
// script as its own ssh command.
type PipeStarter interface {
	Start(ctx context.Context, argv []string) (*exec.Cmd, error)
}

// Start returns argv as Output would run it, traced, not yet started.
func (c RunnerCommander) Start(ctx context.Context, argv []string) (*exec.Cmd, error) {
	if c.Wrap != nil {
		argv = c.Wrap(argv)
	}
	r := &runner.Runner{Trace: c.Runner.Trace, Dir: c.Runner.Dir, Env: c.Runner.Env}
	return r.Command(ctx, argv[0], argv[1:]...), nil
}

// shellExit is a script's failure in the host's shell: its exit status
// and what it wrote to standard error. exitCode reads it.
type shellExit struct {
	cmd    string
	code   int
	stderr string
}

func (e *shellExit) Error() string {
	msg := e.cmd + ": exit status " + strconv.Itoa(e.code)
	if e.stderr != "" {
		msg += ": " + e.stderr
	}
	return msg
}

// shell is a host's sh over its master connection.
type shell struct {
	cmd   *exec.Cmd
	line  string // the ssh command, for errors
	in    io.WriteCloser
	out   chan frame // standard output, a frame a script; closed at its end
	errs  chan frame // standard error, likewise
	word  string
	trace func(string)

	mu     sync.Mutex // one script at a time
	n      int
	broken error // set once the shell cannot run another script
	done   chan struct{}
	waited error // the ssh process's end, once done is closed

	tailMu sync.Mutex
	stderr bytes.Buffer // standard error past the last frame
}

// frame is one script's part of a stream: what it wrote, and on standard
// output its exit status.
type frame struct {
	data []byte
	code int
}

// startShell starts h's master connection with a shell on its session.
// The shell is not confirmed to work until its first script answers.
func (h *host) startShell(ctx context.Context) *shell {
	ps, ok := h.opts.Commander.(PipeStarter)
	if !ok || h.ssh.ControlDir == "" {
		return nil
	}
	opts := h.ssh.Options(h.t, shared)
	for i, o := range opts {
		// The master in the foreground: its session is the shell, and it
		// ends when the shell and every command sharing it have ended.
		if strings.HasPrefix(o, "-oControlPersist=") {
			opts[i] = "-oControlPersist=no"
		}
	}
	argv := append(append([]string{"ssh"}, opts...), "--", h.t.dest(), "sh")
	// The shell outlives ctx: once a host activates, it finishes or goes
	// back whatever ctx says. A script that ctx cuts short ends it.
	cmd, err := ps.Start(context.WithoutCancel(ctx), argv)
	if err != nil {
		return nil
	}
	s, err := openShell(cmd, Quote(argv...))
	if err != nil {
		return nil
	}
	if rc, ok := h.opts.Commander.(RunnerCommander); ok && rc.Runner.Trace != nil {
		r, dest := rc.Runner, h.t.dest()
		s.trace = func(line string) { r.Tracef("[%s shell] %s", dest, line) }
	}
	return s
}

// openShell starts cmd, a command that runs sh on its standard input
// (line names it in errors), as a shell.
func openShell(cmd *exec.Cmd, line string) (*shell, error) {
	b := make([]byte, 9)
	rand.Read(b)
	s := &shell{cmd: cmd, line: line, word: "shoal-" + hex.EncodeToString(b), done: make(chan struct{}),
		out: make(chan frame, 1), errs: make(chan frame, 1)}
	in, err1 := cmd.StdinPipe()
	out, err2 := cmd.StdoutPipe()
	errs, err3 := cmd.StderrPipe()
	if err := errors.Join(err1, err2, err3); err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s.in = in
	var readers sync.WaitGroup
	readers.Add(2)
	go func() { defer readers.Done(); s.read(out, s.out, true) }()
	go func() { defer readers.Done(); s.read(errs, s.errs, false) }()
	go func() {
		// Wait closes the pipes: only once both readers reached their
		// end, so that no last word of ssh's is lost.
		readers.Wait()
		s.waited = cmd.Wait()
		close(s.done)
	}()
	return s, nil
}

// read splits a stream into frames, one a script, and closes frames at
// the stream's end. What standard error holds past its last frame (ssh's
// own complaint, when the connection fails) is kept for fail.
func (s *shell) read(r io.Reader, frames chan<- frame, status bool) {
	defer close(frames)
	br := bufio.NewReader(r)
	var buf []byte
	for n := 1; ; n++ {
		mark := s.word + "-" + strconv.Itoa(n)
		for {
			line, err := br.ReadBytes('\n')
			buf = append(buf, line...)
			if err != nil {
				if !status {
					s.tailMu.Lock()
					s.stderr.Write(buf)
					s.tailMu.Unlock()
				}
				return
			}
			// The marker is a line of its own after the newline written
			// before it: "\nWORD-N STATUS\n" on standard output,
			// "\nWORD-N\n" on standard error.
			start := len(buf) - len(line)
			rest, ok := strings.CutPrefix(string(line[:len(line)-1]), mark)
			if !ok || start == 0 || buf[start-1] != '\n' {
				continue
			}
			code := 0
			if status {
				c, err := strconv.Atoi(strings.TrimPrefix(rest, " "))
				if err != nil || !strings.HasPrefix(rest, " ") {
					continue
				}
				code = c
			} else if rest != "" {
				continue
			}
			frames <- frame{data: append([]byte(nil), buf[:start-1]...), code: code}
			buf = buf[:0]
			break
		}
	}
}

// run runs cmdline (a command line built with Quote) in the shell and
// returns its standard output. A failed script returns a *shellExit. If
// the shell cannot run it (the connection is gone, ctx ended), the error
// says so and the shell is broken: later scripts go over ssh commands of
// their own.
func (s *shell) run(ctx context.Context, cmdline string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.broken != nil {
		return "", errShellBroken
	}
	s.n++
	mark := s.word + "-" + strconv.Itoa(s.n)
	if s.trace != nil {
		s.trace(cmdline)
	}
	script := cmdline + " </dev/null\nprintf '\\n%s %s\\n' " + mark + " \"$?\"; printf '\\n%s\\n' " + mark + " >&2\n"
	if _, err := io.WriteString(s.in, script); err != nil {
		return "", s.fail(err)
	}
	var out, errs *frame
	for out == nil || errs == nil {
		var f frame
		var ok bool
		select {
		case f, ok = <-s.out:
			out = &f
		case f, ok = <-s.errs:
			errs = &f
		case <-ctx.Done():
			s.kill()
			return "", s.fail(fmt.Errorf("%s: %w", cmdline, context.Cause(ctx)))
		}
		if !ok {
			return "", s.fail(nil)
		}
	}
	if out.code != 0 {
		return string(out.data), &shellExit{cmd: cmdline, code: out.code, stderr: runner.Tail(string(errs.data))}
	}
	return string(out.data), nil
}

// fail marks the shell broken and returns why: err, or the ssh process's
// end and what it wrote to standard error (exit status 255 when the
// connection failed, as for an ssh command).
func (s *shell) fail(err error) error {
	if err == nil {
		code := 255
		var ee *exec.ExitError
		if s.wait() && errors.As(s.waited, &ee) && ee.ExitCode() > 0 {
			code = ee.ExitCode()
		}
		s.tailMu.Lock()
		err = &shellExit{cmd: s.line, code: code, stderr: runner.Tail(s.stderr.String())}
		s.tailMu.Unlock()
	}
	s.broken = err
	return err
}

// errShellBroken: the shell failed before, or is closed; the script was
// not run.
var errShellBroken = errors.New("the host's shell is gone")

// waitDelay bounds the wait for the ssh process once its streams ended.
const waitDelay = 3 * time.Second

func (s *shell) kill() {
	runner.KillGroup(s.cmd)
	if s.cmd.Process != nil {
		_ = s.cmd.Process.Kill()
	}
}

// wait waits for the ssh process to end, killing it if it has not within
// waitDelay, and reports whether it ended.
func (s *shell) wait() bool {
	select {
	case <-s.done:
		return true
	case <-time.After(waitDelay):
	}
	s.kill()
	select {
	case <-s.done:
		return true
	case <-time.After(waitDelay):
		return false
	}
}

// close ends the shell and its master connection at once, as ssh -O exit
// would (the host's sshd ends the session's sh), without waiting a round
// trip for the sh to see the end of its input: nothing else uses the
// master any more.
func (s *shell) close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	_ = s.in.Close()
	runner.TermGroup(s.cmd)
	s.wait()
	if s.broken == nil {
		s.broken = errShellBroken
	}
}
