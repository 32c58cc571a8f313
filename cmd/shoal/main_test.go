package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// runMainEnv makes the test binary run shoal's main instead of the tests,
// so a test can signal a real shoal process without building one.
const runMainEnv = "SHOAL_TEST_RUN_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(runMainEnv) == "1" {
		main()
		return
	}
	os.Exit(m.Run())
}

// realNix finds nix-instantiate, or skips (fails under CI=true, where
// .ci/run installs it).
func realNix(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("nix-instantiate")
	if err == nil {
		return p
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("nix-instantiate is not on PATH but CI=true: .ci/run must install nix-bin (%v)", err)
	}
	t.Skipf("nix-instantiate is not on PATH (apt-get install nix-bin runs this test)")
	return ""
}

// TestInterruptEval sends SIGINT to shoal eval while the real
// nix-instantiate runs, and expects shoal to stop it, remove its
// temporary directory and exit 130 saying it was interrupted.
//
// A nix-instantiate on PATH wraps the real one: it records its process
// id, then execs the real nix-instantiate on a named pipe nobody writes
// to, so Nix blocks reading its input until it is stopped. The test
// signals only once such a Nix process exists, and asserts no timing.
func TestInterruptEval(t *testing.T) {
	nix := realNix(t)
	work := t.TempDir()
	bin := filepath.Join(work, "bin")
	tmp := filepath.Join(work, "tmp")
	for _, d := range []string{bin, tmp} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	pids := filepath.Join(work, "pids")
	wrapper := `#!/bin/sh
fifo="` + work + `/input-$$"
mkfifo "$fifo" || exit 99
echo $$ >> "` + pids + `"
exec "` + nix + `" --parse "$fifo"
`
	if err := os.WriteFile(filepath.Join(bin, "nix-instantiate"), []byte(wrapper), 0o755); err != nil {
		t.Fatal(err)
	}

	cmd := exec.Command(os.Args[0], "eval", filepath.Join("..", "..", "examples", "homelab"))
	cmd.Env = append(os.Environ(), runMainEnv+"=1", "TMPDIR="+tmp, "PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	// Whatever happens, leave no process of this test behind.
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		for _, pid := range recorded(t, pids) {
			if isNix(pid, work) {
				_ = syscall.Kill(pid, syscall.SIGKILL)
			}
		}
	})

	// Wait for a real Nix process: a recorded pid whose program is now
	// nix-instantiate (the wrapper has exec'd it). The limits below only
	// turn a hang into a failure; nothing is timed.
	var running []int
	giveUp := time.After(hangLimit)
	for len(running) == 0 {
		select {
		case err := <-exited:
			t.Fatalf("shoal eval ended before Nix ran: %v\nstdout:\n%s\nstderr:\n%s", err, &stdout, &stderr)
		case <-giveUp:
			t.Fatalf("no nix-instantiate started\nstderr:\n%s", &stderr)
		case <-time.After(10 * time.Millisecond):
		}
		for _, pid := range recorded(t, pids) {
			if isNix(pid, work) {
				running = append(running, pid)
			}
		}
	}
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	var err error
	select {
	case err = <-exited:
	case <-time.After(hangLimit):
		t.Fatalf("shoal eval still runs after SIGINT; stderr:\n%s", &stderr)
	}

	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 130 {
		t.Errorf("shoal eval after SIGINT: %v, want exit status 130", err)
	}
	if !strings.Contains(stderr.String(), "shoal: interrupted") {
		t.Errorf("stderr does not say shoal was interrupted:\n%s", &stderr)
	}
	if strings.Contains(stderr.String(), "panic") || strings.Contains(stdout.String(), "parsed with nix-instantiate") {
		t.Errorf("unexpected output after SIGINT:\nstdout:\n%s\nstderr:\n%s", &stdout, &stderr)
	}
	left, err := filepath.Glob(filepath.Join(tmp, "shoal-eval-*"))
	if err != nil {
		t.Fatal(err)
	}
	if len(left) > 0 {
		t.Errorf("shoal eval left its temporary directory behind: %v", left)
	}
	// shoal waited for every Nix it started; none may still run.
	for _, pid := range recorded(t, pids) {
		if isNix(pid, work) {
			t.Errorf("nix-instantiate (pid %d) survived shoal eval's interruption", pid)
		}
	}
}

// hangLimit is how long the test waits for what should happen at once
// before it calls the run a hang.
const hangLimit = time.Minute

// recorded reads the process ids the wrapper wrote.
func recorded(t *testing.T, file string) []int {
	t.Helper()
	data, err := os.ReadFile(file)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	var pids []int
	for _, f := range strings.Fields(string(data)) {
		if pid, err := strconv.Atoi(f); err == nil {
			pids = append(pids, pid)
		}
	}
	return pids
}

// isNix reports whether pid is a live (not zombie) nix-instantiate reading
// one of the test's pipes: the wrapper, once it has exec'd the real Nix.
func isNix(pid int, work string) bool {
	proc := "/proc/" + strconv.Itoa(pid)
	stat, err := os.ReadFile(proc + "/stat")
	if err != nil {
		return false
	}
	if _, rest, ok := strings.Cut(string(stat), ") "); !ok || strings.HasPrefix(rest, "Z") {
		return false
	}
	cmdline, err := os.ReadFile(proc + "/cmdline")
	if err != nil {
		return false
	}
	argv := strings.Split(string(cmdline), "\x00")
	return filepath.Base(argv[0]) == "nix-instantiate" && strings.Contains(string(cmdline), work+"/input-")
}
