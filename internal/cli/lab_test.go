package cli

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/shoal-nix/shoal/internal/lab"
)

func TestLabInRootHelp(t *testing.T) {
	_, stdout, _ := shoal(t, "--help")
	if !strings.Contains(stdout, "\n  lab ") {
		t.Errorf("root help does not list lab:\n%s", stdout)
	}
}

func TestLabUsageErrors(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "lab")
	for _, c := range []struct {
		args []string
		msg  string
	}{
		{[]string{"lab", "up", "--dir", dir, "--rate", "fast"}, "--rate: rate \"fast\""},
		{[]string{"lab", "up", "--dir", dir, "--hosts", "17"}, "1 to 16 hosts"},
		{[]string{"lab", "up", "--dir", dir, "--delay", "1m"}, "--delay 1m0s"},
		{[]string{"lab", "up", "--dir", "/tmp/a b"}, "unquoted"},
		{[]string{"lab", "up", "--dir", dir, "--name", "Big"}, "lowercase"},
	} {
		code, _, stderr := shoal(t, c.args...)
		if code != ExitUsage || !strings.Contains(stderr, c.msg) {
			t.Errorf("shoal %s: exit %d, stderr %q; want %d and %q", strings.Join(c.args, " "), code, stderr, ExitUsage, c.msg)
		}
	}
	if _, err := os.Stat(dir); err == nil {
		t.Errorf("a refused lab up made %s", dir)
	}
}

func TestLabStatusWithoutLab(t *testing.T) {
	dir := t.TempDir()
	code, _, stderr := shoal(t, "lab", "status", "--dir", dir)
	if code != ExitFailure || !strings.Contains(stderr, "no lab in "+dir+": bring one up with shoal lab up") {
		t.Errorf("status without a lab: exit %d, %q", code, stderr)
	}
}

// TestLabCommands brings a lab up, reads its status as JSON, runs a
// command on its deployer side and tears it down, as a user would.
func TestLabCommands(t *testing.T) {
	if _, err := lab.Preflight(lab.SystemEnv(), false); err != nil || testing.Short() {
		if os.Getenv("CI") == "true" && err != nil {
			t.Fatalf("CI must run the lab tests: %v", err)
		}
		t.Skipf("no lab here (%v)", err)
	}
	dir := filepath.Join(t.TempDir(), "lab")
	suffix := make([]byte, 3)
	rand.Read(suffix)
	name := "c" + hex.EncodeToString(suffix)
	t.Cleanup(func() { shoal(t, "lab", "down", "--dir", dir, "--name", name) })

	code, stdout, stderr := shoal(t, "lab", "up", "--dir", dir, "--name", name, "--hosts", "2", "--rate", "200mbit")
	if code != ExitOK || !strings.Contains(stdout, "h2   10.231.0.12") || !strings.Contains(stderr, "lab: h1 10.231.0.11 sshd up") {
		t.Fatalf("lab up: exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	code, _, stderr = shoal(t, "lab", "up", "--dir", dir, "--name", name)
	if code != ExitFailure || !strings.Contains(stderr, "already up in "+dir) {
		t.Errorf("second lab up: exit %d, %q", code, stderr)
	}

	code, stdout, _ = shoal(t, "lab", "status", "--dir", dir, "--json")
	var s lab.Status
	if code != ExitOK || json.Unmarshal([]byte(stdout), &s) != nil || len(s.Hosts) != 2 || !s.Hosts[1].SSHD || s.Link != "200mbit" {
		t.Errorf("lab status --json: exit %d\n%s", code, stdout)
	}
	code, stdout, _ = shoal(t, "lab", "status", "--dir", dir)
	if code != ExitOK || !strings.Contains(stdout, "h2       10.231.0.12 up    sshd up") {
		t.Errorf("lab status: exit %d\n%s", code, stdout)
	}

	code, stdout, stderr = shoal(t, "lab", "exec", "--dir", dir, "--", "ssh", "h2", "hostname")
	if code != ExitOK || stdout != "h2\n" {
		t.Errorf("lab exec -- ssh h2 hostname: exit %d, %q, %q", code, stdout, stderr)
	}
	if code, _, _ = shoal(t, "lab", "exec", "--dir", dir, "--", "sh", "-c", "exit 7"); code != 7 {
		t.Errorf("lab exec passes exit status 7 as %d", code)
	}

	code, _, stderr = shoal(t, "lab", "down", "--dir", dir)
	if code != ExitOK || !strings.Contains(stderr, "3 namespaces deleted") {
		t.Errorf("lab down: exit %d, %q", code, stderr)
	}
	code, _, stderr = shoal(t, "lab", "status", "--dir", dir)
	if code != ExitFailure || !strings.Contains(stderr, "no lab in") {
		t.Errorf("status after down: exit %d, %q", code, stderr)
	}
}
