package cli

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

const homelab = "../../examples/homelab"

// shoal runs the command line in-process, as a user would from a shell.
func shoal(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = Main(args, strings.NewReader(""), &out, &errOut)
	return code, out.String(), errOut.String()
}

// writeFleet writes a fleet directory holding shoal.toml with src and
// returns the directory.
func writeFleet(t *testing.T, src string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "shoal.toml"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

const fleetHead = `[fleet]
name = "test"
nixos = "26.05"
admin_keys = ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExampleAdminKeyExample admin@example"]

[defaults]
state_version = "26.05"
`

func TestCheckExampleIsClean(t *testing.T) {
	code, stdout, stderr := shoal(t, "check", homelab)
	if code != ExitOK {
		t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, ExitOK, stdout, stderr)
	}
	if want := "homelab: 5 machines checked: 0 errors, 0 warnings\n"; stdout != want {
		t.Errorf("stdout = %q, want %q", stdout, want)
	}
}

func TestCheckBrokenFleet(t *testing.T) {
	dir := writeFleet(t, fleetHead+`
[machines.web]
profile = "server"
features = ["zrm"]
`)
	code, stdout, stderr := shoal(t, "check", dir)
	if code != ExitFleetError {
		t.Errorf("exit %d, want %d\nstderr:\n%s", code, ExitFleetError, stderr)
	}
	file := filepath.ToSlash(filepath.Join(dir, "shoal.toml"))
	for _, want := range []string{
		file + `:11:13: error[SH021]: unknown feature "zrm"` + "\n",
		`  hint: did you mean "zram"?` + "\n",
		"test: 1 machine checked: 1 error, 0 warnings\n",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, stdout)
		}
	}
	if stderr != "" {
		t.Errorf("stderr = %q, want nothing: diagnostics go to stdout", stderr)
	}
}

func TestCheckStrictFailsOnWarnings(t *testing.T) {
	// Settings for a feature the machine does not have: a warning only.
	dir := writeFleet(t, fleetHead+`
[machines.web]
profile = "server"
settings.zram.memory_percent = 25
`)
	code, stdout, _ := shoal(t, "check", dir)
	if code != ExitOK {
		t.Errorf("without --strict: exit %d, want %d\n%s", code, ExitOK, stdout)
	}
	if !strings.Contains(stdout, "warning[SH026]") {
		t.Errorf("the fleet was meant to have a warning:\n%s", stdout)
	}
	code, stdout, _ = shoal(t, "check", "--strict", dir)
	if code != ExitFleetError {
		t.Errorf("with --strict: exit %d, want %d\n%s", code, ExitFleetError, stdout)
	}
}

func TestCheckJSON(t *testing.T) {
	dir := writeFleet(t, fleetHead+`
[machines.web]
profile = "sever"
`)
	code, stdout, _ := shoal(t, "check", "--json", dir)
	if code != ExitFleetError {
		t.Errorf("exit %d, want %d", code, ExitFleetError)
	}
	var rep struct {
		Fleet       string
		Machines    int
		Errors      int
		Warnings    int
		Diagnostics []struct {
			Code     string
			Severity string
			Summary  string
			Hint     string
			File     string
			Path     []string
			Position struct{ Line, Column int }
		}
	}
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatalf("--json output is not JSON: %v\n%s", err, stdout)
	}
	if rep.Fleet != "test" || rep.Machines != 1 || rep.Errors != 1 || rep.Warnings != 0 || len(rep.Diagnostics) != 1 {
		t.Fatalf("report = %+v, want fleet test, 1 machine, 1 error", rep)
	}
	d := rep.Diagnostics[0]
	if d.Code != "SH020" || d.Severity != "error" || d.Summary != `unknown profile "sever"` || d.Hint != `did you mean "server"?` ||
		d.Position.Line != 10 || d.Position.Column != 1 || strings.Join(d.Path, ".") != "machines.web.profile" {
		t.Errorf("diagnostic = %+v", d)
	}
}

func TestCheckJSONClean(t *testing.T) {
	code, stdout, _ := shoal(t, "check", "--json", homelab)
	if code != ExitOK {
		t.Errorf("exit %d, want %d", code, ExitOK)
	}
	var rep map[string]any
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatalf("--json output is not JSON: %v\n%s", err, stdout)
	}
	if d, ok := rep["diagnostics"].([]any); !ok || len(d) != 0 {
		t.Errorf("diagnostics = %#v, want an empty list", rep["diagnostics"])
	}
}

func TestUnknownFlag(t *testing.T) {
	code, _, stderr := shoal(t, "check", "--bogus", homelab)
	if code != ExitUsage {
		t.Errorf("exit %d, want %d", code, ExitUsage)
	}
	if !strings.Contains(stderr, "unknown flag: --bogus") {
		t.Errorf("stderr = %q", stderr)
	}
}

func TestUnknownCommand(t *testing.T) {
	code, _, stderr := shoal(t, "chekc")
	if code != ExitUsage {
		t.Errorf("exit %d, want %d", code, ExitUsage)
	}
	if !strings.Contains(stderr, `unknown command "chekc"`) {
		t.Errorf("stderr = %q", stderr)
	}
}

func TestExplain(t *testing.T) {
	code, stdout, stderr := shoal(t, "explain", "laptop", homelab)
	if code != ExitOK {
		t.Fatalf("exit %d, want %d\n%s", code, ExitOK, stderr)
	}
	for _, want := range []string{
		"laptop: profile developer, x86_64-linux",
		"docker  ", // a feature of the developer profile
		"profile developer, ../../examples/homelab/shoal.toml:33:1",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, stdout)
		}
	}
	// Columns are as wide as the longest value, which the catalog decides.
	if want := regexp.MustCompile(`\n  desktop\.environment += "plasma" +machine, \.\./\.\./examples/homelab/shoal\.toml:38:18\n`); !want.MatchString(stdout) {
		t.Errorf("stdout lacks the machine's desktop.environment with where it was set:\n%s", stdout)
	}
}

func TestExplainUnknownMachine(t *testing.T) {
	code, stdout, stderr := shoal(t, "explain", "laptpo", homelab)
	if code != ExitUsage {
		t.Errorf("exit %d, want %d", code, ExitUsage)
	}
	if want := `shoal: no machine "laptpo" in ../../examples/homelab/shoal.toml; did you mean "laptop"?` + "\n"; stderr != want {
		t.Errorf("stderr = %q, want %q", stderr, want)
	}
	if stdout != "" {
		t.Errorf("stdout = %q, want nothing", stdout)
	}

	code, _, stderr = shoal(t, "explain", "nosuch", homelab)
	if code != ExitUsage {
		t.Errorf("exit %d, want %d", code, ExitUsage)
	}
	if want := "machines are: laptop, family, gamer, nas, vps"; !strings.Contains(stderr, want) {
		t.Errorf("stderr = %q, want it to list the machines, as nothing is close", stderr)
	}
}

func TestCheckMissingFleet(t *testing.T) {
	code, stdout, stderr := shoal(t, "check", "/nonexistent")
	if code != ExitFailure {
		t.Errorf("exit %d, want %d", code, ExitFailure)
	}
	if want := "shoal: /nonexistent does not exist\n"; stderr != want {
		t.Errorf("stderr = %q, want %q", stderr, want)
	}
	if stdout != "" {
		t.Errorf("stdout = %q, want nothing", stdout)
	}

	code, _, stderr = shoal(t, "check", t.TempDir())
	if code != ExitFailure || !strings.Contains(stderr, "no shoal.toml in") {
		t.Errorf("a directory without shoal.toml: exit %d, stderr %q", code, stderr)
	}
}
