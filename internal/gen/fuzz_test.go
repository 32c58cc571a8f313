package gen_test

import (
	"bytes"
	"io/fs"
	"maps"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"unicode/utf8"

	"github.com/shoal-nix/shoal/examples"
	"github.com/shoal-nix/shoal/internal/check"
	"github.com/shoal-nix/shoal/internal/gen"
	"github.com/shoal-nix/shoal/internal/genfs"
	"github.com/shoal-nix/shoal/internal/layout"
	"github.com/shoal-nix/shoal/internal/synth"
)

// fuzzHead is a valid start of a fleet file for the seeds below.
const fuzzHead = `[fleet]
name = "fuzz"
nixos = "26.05"
admin_keys = ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFuzzKeyFuzzKeyFuzzKeyFuzz admin@fuzz"]

[defaults]
state_version = "26.05"

`

// fuzzCheckSeeds are seeds of check's FuzzCheck (internal/check/fuzz_test.go)
// with their mistakes repaired: as written there, each carries one on
// purpose, so none checks clean. Each is a fleet file and the local feature
// features/x/feature.toml, or "".
var fuzzCheckSeeds = [][2]string{
	{fuzzHead + "[machines.dev]\ndisk = { device = \"/dev/vda\", boot = \"uefi\" }\nprofile = \"developer\"\nfeatures = [\"podman\", \"laptop\"]\nsettings.laptop.power_manager = \"power-profiles-daemon\"\nhardware.form = \"laptop\"\n", ""},
	{fuzzHead + "[machines.box]\ndisk = { device = \"/dev/vda\", boot = \"uefi\" }\nprofile = \"server\"\nfeatures = [\"podman\"]\nsettings.podman.docker_compat = true\n[defaults.settings.nix]\ngc_keep = \"3d\"\n", ""},
	{"[fleet]\nname = \"x\"\nnixos = \"26.05\"\n[defaults]\nstate_version = \"26.05\"\n[machines.vps]\ndisk = { device = \"/dev/vda\", boot = \"uefi\" }\naddress = \"203.0.113.9\"\nsettings.ssh.password_authentication = true\n", ""},
	{fuzzHead + "[machines.a]\ndisk = { device = \"/dev/vda\", boot = \"uefi\" }\naddress = \"10.0.0.1\"\nprofile = \"server\"\n[machines.b]\ndisk = { device = \"/dev/vda\", boot = \"uefi\" }\naddress = \"10.0.0.2\"\n[services.monitoring]\nserver = [\"a\"]\nagents = [\"@all\"]\n[services.backup]\nserver = [\"a\"]\nclients = [\"b\"]\nkeep_daily = 1\n[secrets.restic-password]\nsource = \"external\"\ndestination = \"/var/lib/shoal/secrets/restic-password\"\n[secrets.restic-environment]\nsource = \"external\"\ndestination = \"/var/lib/shoal/secrets/restic-environment\"\n[secrets.restic-htpasswd]\nsource = \"external\"\ndestination = \"/var/lib/shoal/secrets/restic-htpasswd\"\n[secrets.grafana-secret-key]\nsource = \"external\"\ndestination = \"/var/lib/shoal/secrets/grafana-secret-key\"\n[secrets.grafana-admin-password]\nsource = \"external\"\ndestination = \"/var/lib/shoal/secrets/grafana-admin-password\"\n[services.load_balancer]\nfrontends = [\"a\"]\nbackends = [\"b\"]\nport = 8080\nbackend_port = 9100\n", ""},
	{fuzzHead + "[machines.web]\ndisk = { device = \"/dev/vda\", boot = \"uefi\" }\nprofile = \"server\"\nhardware = { cpu = \"arm\", form = \"server\", memory = \"8GiB\", disk = \"8GB\", cores = 4 }\nsystem = \"aarch64-linux\"\nfeatures = [\"x\"]\nsettings.x.level = \"high\"\nnixos.\"services.openssh.openFirewall\" = true\n",
		"description = \"A local feature\"\nprovides = [\"x-thing\"]\n" +
			"[settings.level]\ntype = \"enum\"\nvalues = [\"low\", \"high\"]\ndefault = \"low\"\n[settings.n]\ntype = \"int\"\nmin = 1\nmax = 9\ndefault = 2\n" +
			"[[settings.n.derive]]\nwhen = { \"hardware.cpu\" = \"amd\" }\nvalue = 3\n[[conflicts]]\nfeature = \"docker\"\nwhen = { \"x.level\" = \"high\" }\n" +
			"[[ports]]\nport = 8443\n[[health]]\nname = \"x\"\nunit = \"x.service\"\n" +
			"[nixos]\n\"services.x.enable\" = true\n[[nixos_when]]\nwhen = { \"x.level\" = \"low\" }\nset = { \"services.x.level\" = { setting = \"level\" } }\n"},
}

// fuzzBases returns the fleet directories the fuzzed fleet file is put
// into, by name: each golden fleet's directory, the bundled example, the
// hostile fleet of quoting_test.go, and the check seeds that come with a
// local feature. The name "" (or any unknown one) is an empty directory.
func fuzzBases(t testing.TB) map[string]fstest.MapFS {
	t.Helper()
	bases := map[string]fstest.MapFS{}
	for _, name := range goldenFleets(t) {
		bases[name] = readMapFS(t, os.DirFS(filepath.Join(goldenDir, name, "fleet")))
	}
	homelab, err := fs.Sub(examples.FS, "homelab")
	if err != nil {
		t.Fatal(err)
	}
	bases["examples/homelab"] = readMapFS(t, homelab)
	bases["hostile"] = hostileFleet()
	for i, s := range fuzzCheckSeeds {
		if s[1] != "" {
			bases["check-"+string(rune('a'+i))] = fstest.MapFS{
				check.FleetFile:           {Data: []byte(s[0])},
				"features/x/feature.toml": {Data: []byte(s[1])},
			}
		}
	}
	return bases
}

// readMapFS copies every file of fsys into a MapFS.
func readMapFS(t testing.TB, fsys fs.FS) fstest.MapFS {
	t.Helper()
	out := fstest.MapFS{}
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		out[p] = &fstest.MapFile{Data: data}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// FuzzGenerate puts an arbitrary fleet file into one of the fleet
// directories of fuzzBases (chosen by name) and, whenever check finds no
// error in it, generates its flake. Generate must then succeed, and its
// output must be something genfs accepts and Nix can at least read as
// text: every file carries the header, every path is valid and given once,
// the content is UTF-8 without NUL bytes, and the same fleet always gives
// the same bytes. Real Nix reads the golden fleets' output in
// parse_test.go; here it would be far too slow.
//
// Most mutations of a fleet file make check fail, so the generator is
// reached through the seeds and through testdata/fuzz/FuzzGenerate, whose
// entries are mostly fleets that check clean with hostile values, names and
// raw options in them: keep those when pruning the corpus.
func FuzzGenerate(f *testing.F) {
	bases := fuzzBases(f)
	type seed struct {
		base string
		src  []byte
	}
	var seeds []seed
	for _, name := range slices.Sorted(maps.Keys(bases)) {
		seeds = append(seeds, seed{name, bases[name][check.FleetFile].Data})
	}
	for _, s := range fuzzCheckSeeds {
		if s[1] == "" {
			seeds = append(seeds, seed{"", []byte(s[0])})
		}
	}
	seeds = append(seeds, seed{"", synth.Fleet(5, 1)}, seed{"", synth.Fleet(3, 2)})
	// in returns the fleet directory base with src as its fleet file.
	in := func(base string, src []byte) fstest.MapFS {
		fsys := fstest.MapFS{}
		maps.Copy(fsys, bases[base])
		fsys[check.FleetFile] = &fstest.MapFile{Data: src}
		return fsys
	}
	for _, s := range seeds {
		// A seed with an error would seed nothing: the generator never sees it.
		if res := check.RunSource(in(s.base, s.src), ".", "", s.src); res.Diags.HasErrors() {
			f.Fatalf("seed %q does not check clean:\n%s", s.base, describe(res.Diags))
		}
		f.Add(s.base, s.src)
	}
	empty := f.TempDir() // never written: Compare must plan to create every file

	f.Fuzz(func(t *testing.T, base string, src []byte) {
		checkGenerated(t, in(base, src), src, empty)
	})
}

// checkGenerated checks the fleet directory fsys, whose fleet file is src,
// and when check finds no error, generates its flake and holds the output
// to FuzzGenerate's properties. empty is an empty directory.
func checkGenerated(t testing.TB, fsys fstest.MapFS, src []byte, empty string) {
	t.Helper()
	res := check.RunSource(fsys, ".", "", src)
	if res.Diags.HasErrors() {
		return
	}
	if res.Resolved == nil {
		t.Fatalf("the fleet checks without errors but did not resolve:\n%s", describe(res.Diags))
	}
	files, err := gen.Generate(res.Resolved, gen.Options{})
	if err != nil {
		t.Fatalf("the fleet checks without errors, but Generate fails: %v", err)
	}
	if len(files) == 0 {
		t.Fatal("Generate returned no files")
	}
	for i, file := range files {
		if i > 0 && files[i-1].Path >= file.Path {
			t.Errorf("files out of order or given twice: %s before %s", files[i-1].Path, file.Path)
		}
		if !layout.Owned(file.Path) {
			t.Errorf("%s: written where layout.Owned says shoal does not own", file.Path)
		}
		if file.Origin.Kind == "" {
			t.Errorf("%s: no origin", file.Path)
		}
		if !genfs.IsGenerated(file.Path, file.Data) {
			t.Errorf("%s: does not start with shoal's header:\n%.200s", file.Path, file.Data)
		}
		if path.Ext(file.Path) != ".json" && !bytes.HasPrefix(file.Data, []byte(gen.Header+"\n")) {
			t.Errorf("%s: the first line is not gen.Header", file.Path)
		}
		if !utf8.Valid(file.Data) {
			t.Errorf("%s: not valid UTF-8", file.Path)
		}
		if i := bytes.IndexByte(file.Data, 0); i >= 0 {
			t.Errorf("%s: a NUL byte at offset %d", file.Path, i)
		}
		if strings.HasSuffix(file.Path, ".nix") && !bytes.HasSuffix(file.Data, []byte("\n")) {
			t.Errorf("%s: does not end with a newline", file.Path)
		}
	}
	plan, err := genfs.Compare(empty, gen.DiskFiles(files), layout.Owned)
	if err != nil {
		t.Fatalf("genfs refuses the generated tree: %v", err)
	}
	if len(plan.Creates) != len(files) || plan.Changes() != len(files) || len(plan.Refused) > 0 {
		t.Errorf("writing into an empty directory should create every file: %+v", plan)
	}

	again, err := gen.Generate(res.Resolved, gen.Options{})
	if err != nil {
		t.Fatalf("the second Generate of the same fleet fails: %v", err)
	}
	if diff := sameFiles(files, again); diff != "" {
		t.Fatalf("the same resolved fleet generates differently the second time: %s", diff)
	}
	res2 := check.RunSource(fsys, ".", "", src)
	if res2.Resolved == nil {
		t.Fatal("the second check did not resolve")
	}
	fresh, err := gen.Generate(res2.Resolved, gen.Options{})
	if err != nil {
		t.Fatalf("Generate after a second check fails: %v", err)
	}
	if diff := sameFiles(files, fresh); diff != "" {
		t.Fatalf("a second check of the same fleet generates differently: %s", diff)
	}
}
