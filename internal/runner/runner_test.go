package runner

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestQuote(t *testing.T) {
	got := Quote([]string{"nix-instantiate", "--parse", "a b.nix", "it's", ""})
	want := `nix-instantiate --parse 'a b.nix' 'it'\''s' ''`
	if got != want {
		t.Errorf("Quote = %s, want %s", got, want)
	}
}

func TestOutputTraceAndFailure(t *testing.T) {
	var trace bytes.Buffer
	r := &Runner{Trace: &trace}
	out, err := r.Output(context.Background(), "sh", "-c", "echo hi; echo oops >&2; exit 3")
	var e *Error
	if !errors.As(err, &e) || e.Stderr != "oops" || string(out) != "hi\n" {
		t.Fatalf("Output = %q, %v; want stdout hi and an *Error keeping stderr", out, err)
	}
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 3 {
		t.Errorf("the *Error does not wrap the exit status 3: %v", err)
	}
	if !strings.HasPrefix(trace.String(), "+ sh -c ") {
		t.Errorf("trace = %q", trace.String())
	}
}

func TestMissingProgram(t *testing.T) {
	_, err := (&Runner{}).Output(context.Background(), "no-such-program-shoal")
	if !errors.Is(err, exec.ErrNotFound) {
		t.Errorf("errors.Is(%v, exec.ErrNotFound) = false", err)
	}
	if err == nil || err.Error() != "no-such-program-shoal is not installed (not found on PATH)" {
		t.Errorf("missing program: %v", err)
	}
	var e *Error
	if errors.As(err, &e) {
		t.Errorf("a missing program is reported as a failed command: %v", err)
	}
}

func TestLine(t *testing.T) {
	for _, c := range []struct {
		r    *Runner
		argv []string
		want string
	}{
		{&Runner{}, []string{"nix-instantiate", "--parse", "x.nix"}, "nix-instantiate --parse x.nix"},
		{&Runner{Dir: "/tmp/x"}, []string{"true"}, "cd /tmp/x && true"},
		{&Runner{Dir: "/tmp/a b", Env: []string{"HOME=/tmp/a b/home", "NIX_REMOTE=dummy://", "EMPTY="}}, []string{"nix", "it's"},
			`cd '/tmp/a b' && HOME='/tmp/a b/home' NIX_REMOTE=dummy:// EMPTY='' nix 'it'\''s'`},
	} {
		if got := c.r.Line(c.argv); got != c.want {
			t.Errorf("Line(%q) = %s, want %s", c.argv, got, c.want)
		}
	}
}

// TestTraceIsPasteable runs the line -x prints with a shell and expects
// what the runner itself ran: same directory, same environment, same
// arguments.
func TestTraceIsPasteable(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a dir with 'quotes'")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	var trace bytes.Buffer
	r := &Runner{Trace: &trace, Dir: dir, Env: []string{"SHOAL_TEST_VAR=a b $HOME", "NIX_REMOTE=dummy://"}}
	script := `printf '%s|%s|%s|%s\n' "$(pwd)" "$SHOAL_TEST_VAR" "$NIX_REMOTE" "$1"`
	out, err := r.Output(context.Background(), "sh", "-c", script, "sh", "an * argument")
	if err != nil {
		t.Fatal(err)
	}
	line, ok := strings.CutPrefix(strings.TrimSuffix(trace.String(), "\n"), "+ ")
	if !ok {
		t.Fatalf("trace = %q", trace.String())
	}
	pasted, err := exec.Command("sh", "-c", line).Output()
	if err != nil {
		t.Fatalf("the traced line %s fails in a shell: %v", line, err)
	}
	if string(pasted) != string(out) {
		t.Errorf("pasting %s prints %q; the runner's command printed %q", line, pasted, out)
	}
	if want := dir + "|a b $HOME|dummy://|an * argument\n"; string(out) != want {
		t.Errorf("Output = %q, want %q", out, want)
	}
}

// TestCancelEndsProcessGroup cancels a command whose child runs in the
// background, and expects both gone and the error to say cancelled.
func TestCancelEndsProcessGroup(t *testing.T) {
	pidFile := filepath.Join(t.TempDir(), "pid")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		// The child ignores SIGTERM: only the SIGKILL that follows ends it.
		_, err := (&Runner{}).Output(ctx, "sh", "-c", `sh -c 'trap "" TERM; sleep 1000' & echo $! > `+pidFile+`.tmp; mv `+pidFile+`.tmp `+pidFile+`; wait`)
		done <- err
	}()
	pid := waitForPID(t, pidFile)
	cancel()
	err := <-done
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Output after cancel = %v, want context.Canceled", err)
	}
	var e *Error
	if errors.As(err, &e) {
		t.Errorf("a cancelled command is reported as a failed one: %v", err)
	}
	waitGone(t, pid)
}

// waitForPID polls for a file holding a process id.
func waitForPID(t *testing.T, file string) int {
	t.Helper()
	for range 2000 {
		if data, err := os.ReadFile(file); err == nil {
			pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
			if err != nil {
				t.Fatal(err)
			}
			return pid
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("%s never appeared", file)
	return 0
}

// waitGone polls until process pid is gone or a zombie (nobody reaps
// orphans in some containers), failing if it is still running after a
// long while.
func waitGone(t *testing.T, pid int) {
	t.Helper()
	for range 2000 {
		stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
		if err != nil {
			return
		}
		if _, rest, ok := strings.Cut(string(stat), ") "); ok && strings.HasPrefix(rest, "Z") {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Errorf("process %d survived the cancellation", pid)
}
