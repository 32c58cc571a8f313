package backup

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// needRestic returns restic's path, skipping without it except under
// CI=true, where .ci/run installs it.
func needRestic(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("restic"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("restic is not installed; .ci/run installs it")
		}
		t.Skip("restic is not installed")
	}
}

// runLocal runs a remote script here, with sh, as a session would run it
// on a host.
func runLocal(t *testing.T, script string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command("sh", append([]string{"-c", script, "sh"}, args...)...)
	cmd.Env = append(os.Environ(), "HOME="+t.TempDir())
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return string(out), &scriptError{err: err, stderr: stderr.String()}
	}
	return string(out), nil
}

type scriptError struct {
	err    error
	stderr string
}

func (e *scriptError) Error() string { return e.err.Error() + ": " + e.stderr }

// TestScriptsWithRealRestic runs the prelude and the restore script with
// real restic against a local repository: credentials from the files the
// unit reads, a restore compared byte for byte, a file changed behind the
// backup's back found, one changed after the snapshot told apart.
func TestScriptsWithRealRestic(t *testing.T) {
	needRestic(t)
	dir := t.TempDir()
	repo, live, scratch := filepath.Join(dir, "repo"), filepath.Join(dir, "live"), filepath.Join(dir, "scratch")
	pw, env := filepath.Join(dir, "password"), filepath.Join(dir, "environment")
	write := func(p, s string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write(pw, "correct horse\n")
	write(env, "# comment\n\nRESTIC_COMPRESSION=\"off\"\n")
	write(filepath.Join(live, "a.txt"), "alpha\n")
	write(filepath.Join(live, "sub", "b.bin"), "\x00\x01\x02beta")
	write(filepath.Join(live, "sub", "c.txt"), "gamma\n")
	if err := os.Symlink("a.txt", filepath.Join(live, "link")); err != nil {
		t.Fatal(err)
	}
	creds := []string{repo, pw, env}
	if out, err := runLocal(t, resticPrelude+`restic init && restic backup "$@"`, append(creds, live)...); err != nil {
		t.Fatalf("init and backup: %v\n%s", err, out)
	}
	out, err := runLocal(t, resticPrelude+`restic snapshots --json`, creds...)
	if err != nil {
		t.Fatalf("snapshots: %v", err)
	}
	if !strings.Contains(out, `"paths":["`+live+`"]`) {
		t.Fatalf("snapshots --json = %s, want the live directory", out)
	}
	at := strconv.FormatInt(time.Now().Add(-time.Minute).Unix(), 10)
	restore := func() HostRestore {
		t.Helper()
		out, err := runLocal(t, resticPrelude+restoreScript, append(creds, "latest", at, scratch, "")...)
		if err != nil {
			t.Fatalf("restore: %v", err)
		}
		var r HostRestore
		parseRestore(out, &r)
		return r
	}
	r := restore()
	if r.Compared != 4 || r.Same != 4 || len(r.Differ)+len(r.Missing)+len(r.ChangedSince) != 0 {
		t.Errorf("restore of an unchanged tree: %+v, want 4 files, all the same", r)
	}
	if entries, _ := os.ReadDir(scratch); len(entries) != 0 {
		t.Errorf("the scratch directory was left behind: %v", entries)
	}

	// b.bin changes behind the backup's back (its time put back before
	// the snapshot), c.txt goes, a.txt changes now: two failures and one
	// change since.
	write(filepath.Join(live, "sub", "b.bin"), "\x00\x01\x02bet4")
	old := time.Now().Add(-time.Hour)
	if err := os.Chtimes(filepath.Join(live, "sub", "b.bin"), old, old); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(live, "sub", "c.txt")); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(filepath.Join(live, "sub"), old, old); err != nil {
		t.Fatal(err)
	}
	write(filepath.Join(live, "a.txt"), "alpha 2\n")
	r = restore()
	if !slices.Equal(r.Differ, []string{filepath.Join(live, "sub", "b.bin")}) ||
		!slices.Equal(r.Missing, []string{filepath.Join(live, "sub", "c.txt")}) ||
		!slices.Equal(r.ChangedSince, []string{filepath.Join(live, "a.txt")}) || r.Same != 1 {
		t.Errorf("restore after changes: %+v, want b.bin differing, c.txt missing, a.txt changed since, the link the same", r)
	}

	// A missing password file is said plainly, before restic runs.
	_, err = runLocal(t, resticPrelude+`restic snapshots`, repo, filepath.Join(dir, "nope"), env)
	if err == nil || !strings.Contains(err.Error(), "nope is missing on the host") {
		t.Errorf("missing password file: %v", err)
	}
	write(env, "not a pair\n")
	_, err = runLocal(t, resticPrelude+`restic snapshots`, creds...)
	if err == nil || !strings.Contains(err.Error(), "environment:1: not a KEY=VALUE line") {
		t.Errorf("bad environment file: %v", err)
	}
}
