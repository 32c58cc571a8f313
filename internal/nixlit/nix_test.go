package nixlit

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// requireNix returns the path of nix-instantiate. Without one the test is
// skipped, except under CI=true, where .ci/run installs Nix and a missing
// one is a failure: the round trips through real Nix are the point.
func requireNix(t *testing.T) string {
	t.Helper()
	bin, err := exec.LookPath("nix-instantiate")
	if err == nil {
		return bin
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("nix-instantiate is not on PATH but CI=true: .ci/run must install nix-bin (%v)", err)
	}
	t.Skipf("nix-instantiate is not on PATH, so this round trip through real Nix is skipped (apt-get install nix-bin runs it; under CI=true it fails instead)")
	return ""
}

// nixEval writes expr to expr.nix in dir, evaluates it with one run of
// nix-instantiate --eval --strict --json and decodes the JSON into out. A
// relative path in expr is relative to dir.
//
// The store is dummy://, so evaluation needs no Nix daemon, no store
// database and no write access to /nix: it works as root on a fresh
// install and as any other user. HOME and the XDG directories point into
// dir so that Nix writes nothing outside it.
func nixEval(t *testing.T, dir, expr string, out any) {
	t.Helper()
	bin := requireNix(t)
	file := filepath.Join(dir, "expr.nix")
	if err := os.WriteFile(file, []byte(expr), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	args := []string{"--store", "dummy://", "--eval", "--strict", "--json", file}
	cmd := exec.CommandContext(ctx, bin, args...)
	home := filepath.Join(dir, "home")
	cmd.Env = append(os.Environ(),
		"HOME="+home,
		"XDG_CACHE_HOME="+filepath.Join(home, "cache"),
		"XDG_CONFIG_HOME="+filepath.Join(home, "config"),
		"XDG_DATA_HOME="+filepath.Join(home, "data"),
		"XDG_STATE_HOME="+filepath.Join(home, "state"),
	)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %v: %v\n%s", bin, args, err, tail(stderr.Bytes(), 4000))
	}
	if err := json.Unmarshal(stdout.Bytes(), out); err != nil {
		t.Fatalf("decode the output of nix-instantiate: %v\n%s", err, tail(stdout.Bytes(), 2000))
	}
}

func tail(b []byte, n int) []byte {
	if len(b) > n {
		return b[len(b)-n:]
	}
	return b
}

// exhaustive returns every string of length 0 to n over alphabet.
func exhaustive(alphabet string, n int) []string {
	out := []string{""}
	level := []string{""}
	for range n {
		var next []string
		for _, s := range level {
			for i := 0; i < len(alphabet); i++ {
				next = append(next, s+alphabet[i:i+1])
			}
		}
		out = append(out, next...)
		level = next
	}
	return out
}
