package gen_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/shoal-nix/shoal/internal/gen"
)

// requireNix returns the path of nix-instantiate. Without one the test is
// skipped, except under CI=true, where .ci/run installs Nix and a missing
// one is a failure: reading the generated files with real Nix is the point.
func requireNix(t *testing.T) string {
	t.Helper()
	bin, err := exec.LookPath("nix-instantiate")
	if err == nil {
		return bin
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("nix-instantiate is not on PATH but CI=true: .ci/run must install nix-bin (%v)", err)
	}
	t.Skipf("nix-instantiate is not on PATH, so the generated Nix is not read by real Nix (apt-get install nix-bin runs it; under CI=true it fails instead)")
	return ""
}

// nixInstantiate runs nix-instantiate with args in dir and returns its
// standard output, or its error with the tail of its standard error.
//
// The store is dummy://, so nothing needs a Nix daemon, a store database or
// write access to /nix; HOME and the XDG directories point into a temporary
// directory so that Nix writes nothing elsewhere.
func nixInstantiate(t *testing.T, dir string, args ...string) ([]byte, error) {
	t.Helper()
	bin := requireNix(t)
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, append([]string{"--store", "dummy://"}, args...)...)
	cmd.Dir = dir
	home := t.TempDir()
	cmd.Env = append(os.Environ(),
		"NIX_REMOTE=dummy://",
		"HOME="+home,
		"XDG_CACHE_HOME="+filepath.Join(home, "cache"),
		"XDG_CONFIG_HOME="+filepath.Join(home, "config"),
		"XDG_DATA_HOME="+filepath.Join(home, "data"),
		"XDG_STATE_HOME="+filepath.Join(home, "state"),
	)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, &nixError{args: args, err: err, stderr: nixTail(stderr.Bytes(), 3000)}
	}
	return stdout.Bytes(), nil
}

type nixError struct {
	args   []string
	err    error
	stderr []byte
}

func (e *nixError) Error() string {
	return "nix-instantiate " + strings.Join(e.args, " ") + ": " + e.err.Error() + "\n" + string(e.stderr)
}

func nixTail(b []byte, n int) []byte {
	if len(b) > n {
		return b[len(b)-n:]
	}
	return b
}

// writeFlake writes the generated files into dir, which may already hold
// the fleet's own files.
func writeFlake(t *testing.T, dir string, files []gen.File) {
	t.Helper()
	for _, f := range files {
		p := filepath.Join(dir, filepath.FromSlash(f.Path))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, f.Data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
