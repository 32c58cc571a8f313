package gen_test

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/shoal-nix/shoal/internal/check"
	"github.com/shoal-nix/shoal/internal/gen"
	"github.com/shoal-nix/shoal/internal/resolve"
	"github.com/shoal-nix/shoal/internal/synth"
)

// testFleet is a fleet that checks clean, by a name for subtests.
type testFleet struct {
	name string
	fsys fs.FS // the fleet directory
}

// testFleets are the fleets whose flakes the tests below generate: the
// bundled example, every golden fleet, and two synthetic fleets of 60
// machines (package synth), whose mix of profiles, features, services and
// raw options no hand-written fleet matches.
func testFleets(t *testing.T) []testFleet {
	t.Helper()
	fleets := []testFleet{{"examples-homelab", os.DirFS(filepath.Join("..", "..", "examples", "homelab"))}}
	for _, name := range goldenFleets(t) {
		fleets = append(fleets, testFleet{name, os.DirFS(filepath.Join(goldenDir, name, "fleet"))})
	}
	for _, seed := range []int64{1, 2} {
		src := synth.Fleet(60, seed)
		fleets = append(fleets, testFleet{fmt.Sprintf("synth-60-seed-%d", seed), fstest.MapFS{check.FleetFile: {Data: src}}})
	}
	return fleets
}

// generateFleet checks the fleet and generates its flake into the fleet
// directory (SourceDir ""), failing on any diagnostic.
func generateFleet(t *testing.T, fl testFleet) (*resolve.Fleet, []gen.File) {
	t.Helper()
	rf := resolveFleet(t, fl.fsys)
	files, err := gen.Generate(rf, gen.Options{})
	if err != nil {
		t.Fatalf("generate: %v", err)
	}
	return rf, files
}

// TestGeneratedNixParses generates the flake of each fleet into a temporary
// directory and has nix-instantiate --parse read every .nix file of it.
func TestGeneratedNixParses(t *testing.T) {
	requireNix(t)
	for _, fl := range testFleets(t) {
		t.Run(fl.name, func(t *testing.T) {
			t.Parallel()
			_, files := generateFleet(t, fl)
			dir := t.TempDir()
			writeFlake(t, dir, files)
			parseNix(t, dir, nixFiles(files))
		})
	}
}

// nixFiles returns the paths of the .nix files among files.
func nixFiles(files []gen.File) []string {
	var out []string
	for _, f := range files {
		if strings.HasSuffix(f.Path, ".nix") {
			out = append(out, f.Path)
		}
	}
	return out
}

// parseNix has nix-instantiate --parse read the files (relative to dir),
// all in one run; when that fails, one by one, so that the failure names
// every file Nix refuses, with Nix's error.
func parseNix(t *testing.T, dir string, files []string) {
	t.Helper()
	if len(files) == 0 {
		t.Fatal("no .nix files to parse")
	}
	args := []string{"--parse"}
	for _, f := range files {
		args = append(args, "./"+f)
	}
	_, all := nixInstantiate(t, dir, args...)
	if all == nil {
		return
	}
	refused := 0
	for _, f := range files {
		if _, err := nixInstantiate(t, dir, "--parse", "./"+f); err != nil {
			var ne *nixError
			if errors.As(err, &ne) {
				t.Errorf("%s: Nix cannot parse it:\n%s", f, ne.stderr)
			} else {
				t.Errorf("%s: %v", f, err)
			}
			refused++
		}
	}
	if refused == 0 {
		t.Errorf("nix-instantiate --parse failed on the files together but on none alone: %v", all)
	}
}

// parseRegressions are fleets, found by FuzzGenerate and the like, whose
// generated Nix real Nix once refused. Each checks clean.
func parseRegressions() []testFleet {
	carriageReturns := fuzzHead + "[machines.web]\ndisk = { device = \"/dev/vda\", boot = \"uefi\" }\nprofile = \"server\"\nfeatures = [\"x\"]\n"
	carriageReturns = strings.Replace(carriageReturns, `name = "fuzz"`, `name = "a\rb\r\nc"`, 1)
	return []testFleet{
		// A carriage return ends a Nix comment as a newline does: the fleet
		// name and a feature's description are written in comments.
		{"carriage returns in comments", fstest.MapFS{
			check.FleetFile:           {Data: []byte(carriageReturns)},
			"features/x/feature.toml": {Data: []byte("description = \"X\\rY\\r\\nZ\"\n")},
		}},
		// A local feature's own options that set environment.systemPackages
		// or a set holding the firewall's ports, beside packages and ports
		// of its own: one attribute set would define them twice.
		{"feature options beside its packages and ports", fstest.MapFS{
			check.FleetFile: {Data: []byte(fuzzHead + "[machines.web]\ndisk = { device = \"/dev/vda\", boot = \"uefi\" }\nprofile = \"server\"\nfeatures = [\"x\"]\n")},
			"features/x/feature.toml": {Data: []byte("description = \"X\"\npackages = [\"curl\"]\n[[ports]]\nport = 8080\n[[ports]]\nport = 8443\nprotocol = \"udp\"\n" +
				"[nixos]\n\"environment.systemPackages\" = []\n\"networking.firewall\" = { enable = true }\n")},
		}},
		// A local feature's condition keys are not checked, and each
		// conditional block is introduced by a comment that names them.
		{"line breaks in condition keys", fstest.MapFS{
			check.FleetFile: {Data: []byte(fuzzHead + "[machines.web]\ndisk = { device = \"/dev/vda\", boot = \"uefi\" }\nprofile = \"server\"\nfeatures = [\"x\"]\n")},
			"features/x/feature.toml": {Data: []byte("description = \"X\"\n[settings.n]\ntype = \"int\"\ndefault = 1\n" +
				"[[nixos_when]]\nwhen = { \"x.n\\n\" = 1 }\nset = { \"environment.etc.a.text\" = \"a\" }\n" +
				"[[nixos_when]]\nwhen = { \"x\\ry\" = \"b\", \"hardware.form\\r\\n\" = \"vm\" }\nset = { \"environment.etc.b.text\" = \"b\" }\n")},
		}},
		// A condition key given an empty list of values, which nothing matches.
		{"condition keys without values", fstest.MapFS{
			check.FleetFile: {Data: []byte(fuzzHead + "[machines.web]\ndisk = { device = \"/dev/vda\", boot = \"uefi\" }\nprofile = \"server\"\nfeatures = [\"x\"]\n")},
			"features/x/feature.toml": {Data: []byte("description = \"X\"\n[settings.n]\ntype = \"int\"\ndefault = 1\n" +
				"[[nixos_when]]\nwhen = { \"x.n\" = [] }\nset = { \"environment.etc.a.text\" = \"a\" }\n" +
				"[[nixos_when]]\nwhen = { \"hardware.form\" = [], \"hardware.cpu\" = \"amd\" }\nset = { \"environment.etc.b.text\" = \"b\" }\n")},
		}},
		// A raw option beside its parent's table: Nix merges the two.
		{"raw option beside its parent's table", fstest.MapFS{
			check.FleetFile: {Data: []byte(fuzzHead + "[machines.web]\ndisk = { device = \"/dev/vda\", boot = \"uefi\" }\nprofile = \"server\"\nnixos.\"myapp.extra\" = { a = 1 }\nnixos.\"myapp.extra.b\" = 2\n")},
		}},
	}
}

// TestParseRegressions has nix-instantiate --parse read the flake of each
// of parseRegressions.
func TestParseRegressions(t *testing.T) {
	requireNix(t)
	for _, fl := range parseRegressions() {
		t.Run(fl.name, func(t *testing.T) {
			t.Parallel()
			_, files := generateFleet(t, fl)
			dir := t.TempDir()
			writeFlake(t, dir, files)
			parseNix(t, dir, nixFiles(files))
		})
	}
}
