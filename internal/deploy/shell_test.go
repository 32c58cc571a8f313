package deploy

import (
	"context"
	"errors"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// localShell opens a shell on a local sh, as a host's shell runs on the
// master's session.
func localShell(t *testing.T) *shell {
	t.Helper()
	cmd := exec.Command("sh")
	// In a process group of its own, as runner.Command starts ssh.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	s, err := openShell(cmd, "sh")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.close)
	return s
}

func TestShellFramesEachScript(t *testing.T) {
	s := localShell(t)
	ctx := context.Background()
	big := strings.Repeat("x", 200<<10)
	for _, c := range []struct {
		name, cmdline, out string
		code               int
		stderr             string
	}{
		{"output ending in a newline", Quote("sh", "-c", `echo one; echo two`), "one\ntwo\n", 0, ""},
		{"output without a final newline", Quote("printf", "%s", "no newline"), "no newline", 0, ""},
		{"no output", "true", "", 0, ""},
		{"a failure, its status and standard error", Quote("sh", "-c", `echo partial; echo "went wrong" >&2; exit 11`), "partial\n", 11, "went wrong"},
		// A line that looks like a marker of another shell, or of an
		// earlier script, ends nothing.
		{"output that looks like a marker", Quote("sh", "-c", `printf '\nshoal-0123456789abcdef01-1 0\nafter\n'`), "\nshoal-0123456789abcdef01-1 0\nafter\n", 0, ""},
		// More than a pipe holds, on both streams at once.
		{"large output on both streams", Quote("sh", "-c", `head -c 204800 /dev/zero | tr '\0' x; head -c 204800 /dev/zero | tr '\0' x >&2; exit 3`), big, 3, big[:1000]},
		{"standard input is not the shell's", Quote("sh", "-c", `cat; echo read`), "read\n", 0, ""},
	} {
		out, err := s.run(ctx, c.cmdline)
		if out != c.out {
			t.Errorf("%s: output %.80q (%d bytes), want %.80q (%d bytes)", c.name, out, len(out), c.out, len(c.out))
		}
		if got := exitCode(err); (c.code == 0 && err != nil) || (c.code != 0 && got != c.code) {
			t.Errorf("%s: %v (exit %d), want exit %d", c.name, err, got, c.code)
		}
		var se *shellExit
		if c.stderr != "" && (!errors.As(err, &se) || !strings.Contains(se.stderr, c.stderr)) {
			t.Errorf("%s: error %.200v, want its standard error", c.name, err)
		}
	}
	// The shell keeps its state between scripts only in the host's
	// files: each script is a command of its own.
	if out, err := s.run(ctx, "x=1"); err != nil || out != "" {
		t.Fatalf("x=1: %q, %v", out, err)
	}
}

// TestShellEnds: a shell whose process dies fails the script running with
// exit status 255 and what the process said, as an ssh command that lost
// its connection; later scripts are not run (errShellBroken), so that
// the deploy runs them as ssh commands of their own.
func TestShellEnds(t *testing.T) {
	s := localShell(t)
	ctx := context.Background()
	_, err := s.run(ctx, `echo "connection lost" >&2; exit 9`)
	if code := exitCode(err); code != 9 || !strings.Contains(err.Error(), "connection lost") {
		t.Errorf("the shell's end: %v (exit %d), want exit 9 naming what it said", err, code)
	}
	if _, err := s.run(ctx, "true"); !errors.Is(err, errShellBroken) {
		t.Errorf("a script after the shell ended: %v, want errShellBroken", err)
	}
}

// TestShellCancel: ctx ending while a script runs ends the shell, and the
// script's error says why.
func TestShellCancel(t *testing.T) {
	s := localShell(t)
	ctx, cancel := context.WithCancelCause(context.Background())
	errStop := errors.New("stopped by the test")
	go func() {
		time.Sleep(100 * time.Millisecond)
		cancel(errStop)
	}()
	if _, err := s.run(ctx, "sleep 30"); !errors.Is(err, errStop) {
		t.Errorf("cancelled script: %v, want the cause", err)
	}
	if _, err := s.run(context.Background(), "true"); !errors.Is(err, errShellBroken) {
		t.Errorf("a script after a cancelled one: %v, want errShellBroken", err)
	}
}
