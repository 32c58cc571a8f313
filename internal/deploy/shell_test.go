package deploy

import (
	"context"
	"errors"
	"os/exec"
	"slices"
	"strings"
	"sync"
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

// shellCommander runs a host's shell as a local sh and records the ssh
// commands deploy runs instead (answering them with "ssh\n").
type shellCommander struct {
	mu    sync.Mutex
	calls [][]string
}

func (c *shellCommander) Output(_ context.Context, _ []string, argv []string) ([]byte, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.calls = append(c.calls, argv)
	return []byte("ssh\n"), nil
}

func (c *shellCommander) Start(_ context.Context, argv []string) (*exec.Cmd, error) {
	if argv[0] != "ssh" || argv[len(argv)-1] != "sh" || !slices.Contains(argv, "-oControlPersist=no") {
		return nil, errors.New("not a shell's master: " + strings.Join(argv, " "))
	}
	cmd := exec.Command("sh")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	return cmd, nil
}

// TestHostScriptsUseItsShell: scripts over the master run in the host's
// shell, the confirmation's never; once the shell is gone, scripts run as
// ssh commands of their own, and the master those start is ended with
// ssh -O exit.
func TestHostScriptsUseItsShell(t *testing.T) {
	for _, breakIt := range []bool{false, true} {
		c := &shellCommander{}
		h := &host{t: Target{Machine: "m", Host: "m.example"}, opts: &Options{Commander: c},
			ssh: SSH{ControlDir: t.TempDir(), ConnectTimeout: time.Second, ServerAliveInterval: time.Second}, res: &HostResult{Steps: map[string]time.Duration{}}}
		ctx := context.Background()
		if h.sh = h.startShell(ctx); h.sh == nil {
			t.Fatal("no shell")
		}
		if out, err := h.remote(ctx, shared, true, `echo "in the shell: $1"`, "a b"); err != nil || out != "in the shell: a b\n" {
			t.Fatalf("script over the master: %q, %v", out, err)
		}
		if out, _ := h.remote(ctx, fresh, true, "true"); out != "ssh\n" || len(c.calls) != 1 {
			t.Errorf("the confirmation's script went through the shell: %q, %q", out, c.calls)
		}
		if breakIt {
			// The shell's process dies under the script that runs.
			if _, err := h.remote(ctx, shared, true, `kill -9 $PPID`); exitCode(err) != 255 {
				t.Errorf("script whose shell died: %v (exit %d), want exit 255 as for a lost connection", err, exitCode(err))
			}
			if out, err := h.remote(ctx, shared, true, "true"); err != nil || out != "ssh\n" || len(c.calls) != 2 {
				t.Errorf("script after the shell died: %q, %v; ssh commands %q", out, err, c.calls)
			}
		}
		h.end(ctx)
		exits := 0
		for _, argv := range c.calls {
			if slices.Contains(argv, "-O") {
				exits++
			}
		}
		if want := map[bool]int{false: 0, true: 1}[breakIt]; exits != want {
			t.Errorf("shell broken %v: %d ssh -O exit, want %d (%q)", breakIt, exits, want, c.calls)
		}
		if h.res.Commands != map[bool]int{false: 2, true: 4}[breakIt] {
			t.Errorf("shell broken %v: %d commands counted", breakIt, h.res.Commands)
		}
	}
}
