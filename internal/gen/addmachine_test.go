package gen_test

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/shoal-nix/shoal/internal/fleet"
	"github.com/shoal-nix/shoal/internal/gen"
	"github.com/shoal-nix/shoal/internal/genfs"
	"github.com/shoal-nix/shoal/internal/layout"
	"github.com/shoal-nix/shoal/internal/secrets"
)

// addMachineDiff is the golden unified diff between the flake of
// examples/homelab and that of the same fleet with testdata/add-machine.toml
// added; -update rewrites it.
const addMachineDiff = "testdata/add-machine.diff"

// TestAddMachine adds one machine to examples/homelab and compares the
// change of the generated flake with a golden diff. The fleet services
// pick the machine up where they list machines: its scrape target (which
// the dashboard's machine variable and the alerts select on), its log
// shipper, its backups, the backup alert for its schedule, and the
// firewall of the server it uses. Every line the diff removes is replaced
// by one that names the new machine (or counts it, in the flake's header):
// nothing else changes.
func TestAddMachine(t *testing.T) {
	example := filepath.Join("..", "..", "examples", "homelab")
	base := generate(t, example)

	added, err := os.ReadFile(filepath.Join("testdata", "add-machine.toml"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS(example)); err != nil {
		t.Fatal(err)
	}
	toml, err := os.ReadFile(filepath.Join(dir, "shoal.toml"))
	if err != nil {
		t.Fatal(err)
	}
	before, after, ok := bytes.Cut(toml, []byte("[services.monitoring]"))
	if !ok {
		t.Fatal("examples/homelab has no [services.monitoring]")
	}
	// A new slice: before's spare capacity is after's bytes.
	toml = slices.Concat(before, added, []byte("[services.monitoring]"), after)
	if err := os.WriteFile(filepath.Join(dir, "shoal.toml"), toml, 0o644); err != nil {
		t.Fatal(err)
	}
	addSecrets(t, dir, toml, "study")
	grown := generate(t, dir)

	out := t.TempDir()
	writeFlake(t, out, base)
	plan, err := genfs.Compare(out, gen.DiskFiles(grown), layout.Owned)
	if err != nil {
		t.Fatal(err)
	}
	var diff bytes.Buffer
	if err := genfs.Diff(&diff, out, gen.DiskFiles(grown), plan); err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := os.WriteFile(addMachineDiff, diff.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(addMachineDiff)
	if err != nil {
		t.Fatalf("%v (run go test ./internal/gen -run TestAddMachine -update)", err)
	}
	if !bytes.Equal(diff.Bytes(), want) {
		t.Errorf("adding a machine changes the flake otherwise than %s (review, then -update):\n%s", addMachineDiff, diff.String())
	}

	// Where the machine must show up: a file per service that lists machines.
	changed := map[string]string{}
	var file string
	for _, l := range strings.Split(diff.String(), "\n") {
		if p, ok := strings.CutPrefix(l, "+++ b/"); ok {
			file = p
		} else if strings.HasPrefix(l, "+") && !strings.HasPrefix(l, "+++") {
			changed[file] += l + "\n"
		}
	}
	names := regexp.MustCompile(`study`)
	for _, p := range []string{layout.ScrapeTargets("node"), layout.AlertRules, "machines/study/default.nix"} {
		if !names.MatchString(changed[p]) {
			t.Errorf("%s does not gain the new machine:\n%s", p, changed[p])
		}
	}
	for _, want := range []string{"log-shipper", "backup-client", "monitoring-agent"} {
		if !strings.Contains(changed["machines/study/default.nix"], want) {
			t.Errorf("machines/study/default.nix does not turn on %s", want)
		}
	}

	// Nothing else changes: each removed line comes back with the machine.
	for _, hunk := range strings.Split(diff.String(), "\n@@") {
		var removed, addedLines []string
		for _, l := range strings.Split(hunk, "\n") {
			switch {
			case strings.HasPrefix(l, "---") || strings.HasPrefix(l, "+++"):
			case strings.HasPrefix(l, "-"):
				removed = append(removed, l)
			case strings.HasPrefix(l, "+"):
				addedLines = append(addedLines, l)
			}
		}
		if len(removed) == 1 && strings.Contains(removed[0], "5 machines") && len(addedLines) == 1 && strings.Contains(addedLines[0], "6 machines") {
			continue // the flake's header counts the machines
		}
		if len(removed) > 0 && !names.MatchString(strings.Join(addedLines, "\n")) {
			t.Errorf("a hunk changes lines without adding the machine:\n%s", hunk)
		}
	}
}

// addSecrets writes, in the fleet directory dir, the files of the
// per-machine secrets the new machine receives, as shoal secrets generate
// would: a stand-in value encrypted to the admins and the machine. The
// fleet then checks clean; the flake does not hold secrets' values.
func addSecrets(t *testing.T, dir string, toml []byte, machine string) {
	t.Helper()
	f, diags := fleet.Parse("shoal.toml", toml)
	if diags.HasErrors() {
		t.Fatalf("the grown fleet does not parse:\n%v", diags)
	}
	m := f.Machine(machine)
	if m == nil {
		t.Fatalf("the grown fleet has no machine %s", machine)
	}
	recipients, err := secrets.Recipients(f, []*fleet.Machine{m})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range f.Secrets {
		if !s.PerMachine {
			continue
		}
		data, err := secrets.Encrypt([]byte("stand-in value of "+s.Name+"\n"), recipients)
		if err != nil {
			t.Fatal(err)
		}
		file := filepath.Join(dir, filepath.FromSlash(secrets.FileOf(s, machine)))
		if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(file, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
