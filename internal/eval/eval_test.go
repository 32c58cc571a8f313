package eval

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/shoal-nix/shoal/internal/check"
	"github.com/shoal-nix/shoal/internal/diag"
	"github.com/shoal-nix/shoal/internal/gen"
)

// needNix skips without nix-instantiate, except under CI=true, where
// .ci/run installs it and its absence is a failure.
func needNix(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath(Program); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is not on PATH but CI=true: .ci/run must install nix-bin", Program)
		}
		t.Skipf("%s is not on PATH (apt-get install nix-bin runs this test)", Program)
	}
}

// copyFleet copies the golden fleet name into a temporary directory.
func copyFleet(t *testing.T, name string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "fleet")
	if err := os.CopyFS(dir, os.DirFS(filepath.Join("..", "..", "testdata", "gen", name, "fleet"))); err != nil {
		t.Fatal(err)
	}
	return dir
}

func checked(t *testing.T, dir, display string) *check.Result {
	t.Helper()
	res, err := check.Run(os.DirFS(dir), ".", display)
	if err != nil || res.Resolved == nil {
		t.Fatalf("check %s: %v", dir, err)
	}
	return res
}

// noTempLeft fails if tmp holds anything: eval must remove its directory.
func noTempLeft(t *testing.T, tmp string) {
	t.Helper()
	entries, err := os.ReadDir(tmp)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		t.Errorf("eval left %s in its temporary directory's parent", e.Name())
	}
}

func TestFleetParsesEverything(t *testing.T) {
	needNix(t)
	dir := copyFleet(t, "local-features")
	tmp := t.TempDir()
	var trace strings.Builder
	rep, err := Fleet(context.Background(), checked(t, dir, "fleet"), dir, Options{TempDir: tmp, Trace: &trace})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Diags) > 0 || rep.WorkDir != "" {
		t.Errorf("report = %+v", rep)
	}
	// The generated Nix files and the fleet's module.nix, each parsed once.
	if n := strings.Count(trace.String(), "\n"); n != rep.Files || rep.Files < 20 {
		t.Errorf("%d commands traced for %d files", n, rep.Files)
	}
	if !strings.Contains(trace.String(), "NIX_REMOTE=dummy:// nix-instantiate --parse "+filepath.Join(dir, "features", "website", "module.nix")+"\n") {
		t.Errorf("the fleet's module.nix was not parsed:\n%s", trace.String())
	}
	noTempLeft(t, tmp)
}

func TestFleetReportsBrokenModule(t *testing.T) {
	needNix(t)
	dir := copyFleet(t, "local-features")
	module := filepath.Join(dir, "features", "website", "module.nix")
	if err := os.WriteFile(module, []byte("{ config, ... }:\n{\n  a = 1\n}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	rep, err := Fleet(context.Background(), checked(t, dir, "fleet"), dir, Options{TempDir: tmp, Keep: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Diags) != 1 {
		t.Fatalf("diagnostics = %v, want one", rep.Diags)
	}
	d := rep.Diags[0]
	if d.Code != diag.CodeModuleParse || d.File != "fleet/features/website/module.nix" || d.Pos.Line != 4 || d.Pos.Col != 1 ||
		d.Summary != "nix cannot parse this file: syntax error, unexpected '}', expecting ';'" || d.Hint != "" {
		t.Errorf("diagnostic = %s %+v", d.Error(), d)
	}
	if rep.WorkDir == "" || !strings.HasPrefix(rep.WorkDir, tmp) {
		t.Errorf("Keep: WorkDir = %q", rep.WorkDir)
	}
	if _, err := os.Stat(filepath.Join(rep.WorkDir, "flake", "flake.nix")); err != nil {
		t.Errorf("Keep did not keep the flake: %v", err)
	}
}

func TestFleetCancelled(t *testing.T) {
	needNix(t)
	dir := copyFleet(t, "homelab")
	tmp := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Fleet(ctx, checked(t, dir, ""), dir, Options{TempDir: tmp})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Fleet with a cancelled context = %v, want context.Canceled", err)
	}
	noTempLeft(t, tmp)
}

func TestFleetWithoutNix(t *testing.T) {
	dir := copyFleet(t, "base-only")
	t.Setenv("PATH", t.TempDir())
	tmp := t.TempDir()
	_, err := Fleet(context.Background(), checked(t, dir, ""), dir, Options{TempDir: tmp})
	if !errors.Is(err, exec.ErrNotFound) || !strings.Contains(err.Error(), "nix-instantiate is not installed") {
		t.Errorf("Fleet without nix = %v", err)
	}
	noTempLeft(t, tmp)
}

// TestDiagnoseGenerated maps a parse error in each kind of generated file
// to the place it comes from, through the generator's origins.
func TestDiagnoseGenerated(t *testing.T) {
	dir := copyFleet(t, "services")
	res := checked(t, dir, "fleet")
	files, err := gen.Generate(res.Resolved, gen.Options{})
	if err != nil {
		t.Fatal(err)
	}
	origin := map[string]gen.Origin{}
	for _, f := range files {
		origin[f.Path] = f.Origin
	}
	stderr := func(p string) string {
		return "error: syntax error, unexpected '}'\n\n       at /tmp/shoal-eval-1/flake/" + p + ":7:3:\n"
	}
	for _, c := range []struct {
		file    string
		related string // "" for none
		relFile string
		line    int // of the related position
	}{
		{"machines/app1/default.nix", "generated from machine app1", "fleet/shoal.toml", lineOf(t, dir, "[machines.app1]")},
		{"modules/features/ssh.nix", "generated from feature ssh", "catalog/features/ssh/feature.toml", 1},
		{"modules/profiles/server.nix", "generated from profile server", "catalog/profiles/server.toml", 1},
		{"tests/server.nix", "generated from profile server", "catalog/profiles/server.toml", 1},
		{"modules/services/defaults.nix", "generated from the fleet's services", "fleet/shoal.toml", lineOf(t, dir, "[services")},
		{"flake/overlays.nix", "generated from here", "fleet/shoal.toml", lineOf(t, dir, "overlays =")},
		{"modules/nixos/default.nix", "", "", 0},
		{"flake/formatter.nix", "", "", 0},
	} {
		o, ok := origin[c.file]
		if !ok {
			t.Fatalf("%s is not generated", c.file)
		}
		d := diagnose(job{display: "(generated) " + c.file, arg: "flake/" + c.file, origin: &o}, stderr(c.file))
		l := diag.List{d}
		locate(l, res)
		d = l[0]
		if d.Code != diag.CodeGeneratedParse || d.Pos.Line != 7 || d.Pos.Col != 3 || !strings.Contains(d.Hint, "bug in shoal") {
			t.Errorf("%s: %s (hint %q)", c.file, d.Error(), d.Hint)
		}
		if c.related == "" {
			if len(d.Related) != 0 {
				t.Errorf("%s: related %+v, want none", c.file, d.Related)
			}
			continue
		}
		if len(d.Related) != 1 {
			t.Errorf("%s: related %+v, want one", c.file, d.Related)
			continue
		}
		r := d.Related[0]
		if r.Message != c.related || r.File != c.relFile || r.Pos.Line != c.line {
			t.Errorf("%s: related %q at %s:%d, want %q at %s:%d", c.file, r.Message, r.File, r.Pos.Line, c.related, c.relFile, c.line)
		}
	}
}

// lineOf is the 1-based line of shoal.toml in dir where prefix starts
// a line (after spaces).
func lineOf(t *testing.T, dir, prefix string) int {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, check.FleetFile))
	if err != nil {
		t.Fatal(err)
	}
	for i, l := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(strings.TrimSpace(l), prefix) {
			return i + 1
		}
	}
	t.Fatalf("no line starts with %q", prefix)
	return 0
}
