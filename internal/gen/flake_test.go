package gen_test

// The generated flake's structure, evaluated by real Nix.
//
// No nixpkgs is reachable here, so the test writes a stand-in for it: a flake
// whose lib has nixosSystem (taking exactly the arguments of nixpkgs'
// nixos/lib/eval-config.nix and returning a configuration whose toplevel is a
// stub derivation, with the arguments kept for inspection) and genAttrs, and
// whose default.nix is what `import nixpkgs { system; overlays; config; }`
// calls: a package set of stub derivations with mkShell and
// testers.runNixOSTest, the fleet's overlays applied as nixpkgs applies them.
// Every further input of the fleet ([fleet.inputs]) gets a stand-in flake of
// its own. Nothing is ever built: the stub derivations are only evaluated.
//
// Nix runs with a local store rooted in a temporary directory (--store DIR,
// so that the flake sources are copied to DIR/nix/store) and HOME, XDG and
// NIX_CONF_DIR in temporary directories: no daemon, no network, nothing
// written to /nix, which the test checks.
//
// By hand (Nix 2.8 from Debian's nix-bin), after shoal gen FLEET:
//
//	nix --extra-experimental-features 'nix-command flakes' --store /tmp/store \
//	    --offline --option substituters '' --option flake-registry '' \
//	    --option use-registries false --option build-users-group '' \
//	    flake show --json --no-write-lock-file path:$PWD/FLEET \
//	    --override-input nixpkgs path:/tmp/standin/nixpkgs \
//	    --override-input disko path:/tmp/standin/disko

import (
	"bytes"
	"context"
	"encoding/json"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/shoal-nix/shoal/internal/fleet"
	"github.com/shoal-nix/shoal/internal/gen"
)

// The stand-in nixpkgs flake, file by file.
var standInNixpkgs = map[string]string{
	"flake.nix": `# Stand-in for nixpkgs (shoal's TestFlakeStructure): lib, and default.nix
# for import nixpkgs { ... }.
{
  outputs = _: {
    lib = import ./lib.nix;
    shoalStandIn = "nixpkgs";
  };
}
`,
	"lib.nix": `let
  stub =
    name:
    builtins.derivation {
      inherit name;
      system = "x86_64-linux";
      builder = "/bin/sh";
      args = [ "-c" "exit 1" ];
    };
in
{
  # The arguments of nixos/lib/eval-config.nix, and no others.
  nixosSystem =
    {
      modules,
      specialArgs ? { },
      system ? null,
      pkgs ? null,
      baseModules ? [ ],
      extraModules ? [ ],
      extraArgs ? { },
      modulesLocation ? null,
      check ? true,
      prefix ? [ ],
      lib ? null,
    }@args:
    {
      _type = "configuration";
      config.system.build.toplevel = stub "nixos-system-stub";
      shoalStub = { inherit args; };
    };
  genAttrs =
    names: f:
    builtins.listToAttrs (
      map (n: {
        name = n;
        value = f n;
      }) names
    );
}
`,
	"default.nix": `# import nixpkgs { system; overlays; config; }: stub derivations, with the
# overlays applied in order as nixpkgs applies them (final: prev: { ... }).
{
  system ? throw "import nixpkgs without a system",
  overlays ? [ ],
  config ? { },
  ...
}:
let
  pkg =
    name:
    builtins.derivation {
      inherit name system;
      builder = "/bin/sh";
      args = [ "-c" "exit 1" ];
    }
    // {
      overrideAttrs = _: pkg name;
    };
  names = [ "deadnix" "hello" "htop" "nixd" "nixfmt" "statix" ];
  base = builtins.listToAttrs (
    map (n: {
      name = n;
      value = pkg n;
    }) names
  ) // {
    inherit system config;
    mkShell = args: pkg (args.name or "nix-shell") // { shoalStub = args; };
    testers.runNixOSTest =
      test:
      pkg "vm-test-run-${test.name}"
      // {
        shoalStub = {
          inherit test;
          pkgs = final.shoalStub;
        };
      };
  };
  step =
    acc: overlay:
    let
      defs = overlay final acc.pkgs;
    in
    {
      pkgs = acc.pkgs // defs;
      applied = acc.applied ++ [ (builtins.attrNames defs) ];
    };
  result = builtins.foldl' step {
    pkgs = base;
    applied = [ ];
  } overlays;
  final = result.pkgs // {
    shoalStub = {
      inherit system config;
      # the names each overlay defines, each value forced
      overlays = map (map (n: builtins.seq final.${n} n)) result.applied;
    };
  };
in
final
`,
}

// standInInput is the stand-in flake for the fleet input NAME.
func standInInput(name string) string {
	return "{ outputs = _: { shoalStandIn = \"" + name + "\"; nixosModules.default = { }; nixosModules." + name + " = { }; }; }\n"
}

// What nix eval --apply reports of the outputs (see the expressions below).
type (
	evalModule struct {
		Type    string `json:"type"`
		Path    string `json:"path"`
		Exists  bool   `json:"exists"`
		Imports string `json:"imports"` // what importing the path gives
		// ImportPaths are the path imports of a set module ({ imports = [ ../machines/x inputs.disko.nixosModules.disko ]; }).
		ImportPaths []string `json:"importPaths"`
		// ImportStandIns are the sets among its imports, by the stand-in input's name.
		ImportSets   int      `json:"importSets"`
		HostPlatform *string  `json:"hostPlatform"`
		Overlays     []string `json:"overlays"`
	}
	evalConfiguration struct {
		Type     string             `json:"type"`
		Toplevel string             `json:"toplevel"`
		Modules  []evalModule       `json:"modules"`
		Inputs   map[string]*string `json:"inputs"` // input name: its stand-in's name
	}
	evalImport struct {
		Type   string `json:"type"`
		Path   string `json:"path"`
		Exists bool   `json:"exists"`
	}
	evalCheck struct {
		Type       string                  `json:"type"`
		Name       string                  `json:"name"`
		TestScript string                  `json:"testScript"`
		Nodes      map[string][]evalImport `json:"nodes"`
		System     string                  `json:"system"`
		Overlays   [][]string              `json:"overlays"`
	}
	evalShell struct {
		Type     string   `json:"type"`
		Packages []string `json:"packages"`
	}
	flakeShow struct {
		NixosConfigurations map[string]struct {
			Type string `json:"type"`
		} `json:"nixosConfigurations"`
		Checks    map[string]map[string]showDerivation `json:"checks"`
		DevShells map[string]map[string]showDerivation `json:"devShells"`
		Formatter map[string]showDerivation            `json:"formatter"`
	}
	showDerivation struct {
		Type string `json:"type"`
		Name string `json:"name"`
	}
)

const (
	applyConfigurations = `cs: builtins.mapAttrs (name: c: {
  type = c._type or null;
  toplevel = c.config.system.build.toplevel.type or null;
  modules = map (m: let t = builtins.typeOf m; in {
    type = t;
    path = if t == "path" then toString m else null;
    exists = t == "path" && builtins.pathExists m;
    imports = if t == "path" then builtins.typeOf (import m) else null;
    hostPlatform = if t == "set" then m.nixpkgs.hostPlatform or null else null;
    overlays = if t == "set" && m ? nixpkgs.overlays then map builtins.typeOf m.nixpkgs.overlays else null;
    importPaths = if t == "set" then map toString (builtins.filter builtins.isPath (m.imports or [ ])) else [ ];
    importSets = if t == "set" then builtins.length (builtins.filter builtins.isAttrs (m.imports or [ ])) else 0;
  }) c.shoalStub.args.modules;
  inputs = builtins.mapAttrs (n: i: i.shoalStandIn or null) (c.shoalStub.args.specialArgs.inputs or { });
}) cs`
	applyChecks = `cs: builtins.mapAttrs (system: builtins.mapAttrs (name: c: let s = c.shoalStub; in {
  type = c.type or null;
  name = s.test.name;
  testScript = builtins.typeOf (s.test.testScript or null);
  nodes = builtins.mapAttrs (n: node: let
    # A node that is a function is called with arguments that fail when
    # used: its imports and disabledModules must not need them.
    m = if builtins.isFunction node then node (builtins.mapAttrs (a: _: throw "node ${n} needs its argument ${a} for its imports") (builtins.functionArgs node)) else node;
  in map (p: let t = builtins.typeOf p; in {
    type = t;
    path = if t == "path" || t == "string" then toString p else null;
    exists = t == "path" && builtins.pathExists p;
  }) (if builtins.isAttrs m then (m.imports or [ ]) ++ (m.disabledModules or [ ]) else [ ])) (s.test.nodes or { });
  system = s.pkgs.system;
  overlays = s.pkgs.overlays;
})) cs`
	applyShells = `ds: builtins.mapAttrs (system: builtins.mapAttrs (name: d: {
  type = d.type or null;
  packages = map (p: p.name) (d.shoalStub.packages or [ ]);
})) ds`
)

// TestFlakeStructure generates the flake of each test fleet and evaluates
// its outputs with real Nix against the stand-in nixpkgs: the outputs are
// the fleet's machines and, for every system they run, a check per profile,
// a development shell and a formatter, and each is wired as it should be.
func TestFlakeStructure(t *testing.T) {
	nix := requireNixFlakes(t)
	before := nixStoreNames(t)
	t.Cleanup(func() {
		// /nix/store, not /nix: the lab's tests, which may run meanwhile,
		// make an empty /nix as a mount point for their own stores.
		if before == nil {
			if _, err := os.Lstat("/nix/store"); err == nil {
				t.Errorf("/nix/store did not exist before the test and does now: Nix must only use the temporary store")
			}
		}
	})
	parts := flakePartsDirs(t)
	for _, fl := range testFleets(t) {
		// Each fleet in both layouts: flake-parts, the default, and plain;
		// the synthetic fleets, which only add size, in the plain one.
		for _, layout := range fleet.FlakeLayouts {
			if layout == fleet.FlakeParts && strings.HasPrefix(fl.name, "synth-") {
				continue
			}
			t.Run(fl.name+"/"+layout, func(t *testing.T) {
				if layout == fleet.FlakeParts && parts == nil {
					_, err := os.Stat(sharedDir)
					if os.Getenv("CI") == "true" && err == nil {
						t.Fatalf("CI=true and %s exists, but it has no data/flake-parts and data/nixpkgs-lib to evaluate the flake-parts layout with", sharedDir)
					}
					t.Skip("no ../shared/data/flake-parts and nixpkgs-lib beside the clone")
				}
				t.Parallel()
				rf := resolveFleet(t, fl.fsys)
				rf.Spec.Flake = layout
				files, err := gen.Generate(rf, gen.Options{})
				if err != nil {
					t.Fatalf("generate: %v", err)
				}
				var with []string
				if layout == fleet.FlakeParts {
					with = parts
				}
				checkGeneratedFlake(t, nix, fl.fsys, rf.Spec, files, before, with...)
			})
		}
	}
}

// flakePartsDirs finds the unmodified copies of flake-parts and its input
// nixpkgs-lib in ../shared/data beside the clone (NIXPKGS_LIB names
// another nixpkgs-lib), or returns nil when they are not there.
func flakePartsDirs(t *testing.T) []string {
	t.Helper()
	parts, err := filepath.Abs(filepath.Join("..", "..", "..", "shared", "data", "flake-parts"))
	if err != nil {
		t.Fatal(err)
	}
	lib := os.Getenv("NIXPKGS_LIB")
	if lib == "" {
		lib = filepath.Join(filepath.Dir(parts), "nixpkgs-lib")
	}
	for _, dir := range []string{parts, lib} {
		if _, err := os.Stat(filepath.Join(dir, "flake.nix")); err != nil {
			return nil
		}
	}
	return []string{parts, lib}
}

// checkGeneratedFlake writes the fleet directory fsys and the files
// generated from it into a temporary directory and evaluates the flake.
// With flakeParts (the flake-parts and nixpkgs-lib directories), the
// flake's flake-parts input is the one, and its nixpkgs-lib the other.
func checkGeneratedFlake(t *testing.T, bin string, fsys fs.FS, spec *fleet.Fleet, files []gen.File, realStore map[string]bool, flakeParts ...string) {
	out := t.TempDir()
	if err := os.CopyFS(out, fsys); err != nil {
		t.Fatal(err)
	}
	writeFlake(t, out, files)

	n := newFlakeNix(t, bin, realStore)
	n.flake = "path:" + out
	n.override(t, "nixpkgs", standInNixpkgs)
	for _, in := range fleetInputs(spec) {
		n.override(t, in, map[string]string{"flake.nix": standInInput(in)})
	}
	if spec.Flake == fleet.FlakeParts {
		n.inputs = append(n.inputs, "flake-parts")
		n.overrides = append(n.overrides, "--override-input", "flake-parts", "path:"+flakeParts[0],
			"--override-input", "flake-parts/nixpkgs-lib", "path:"+flakeParts[1])
	}

	// What the outputs must be.
	var machines []string
	systemOf := map[string]string{}
	for _, m := range spec.Machines {
		machines = append(machines, m.Name)
		systemOf[m.Name] = m.System
	}
	systems := sortedValues(systemOf)
	profiles := generatedProfiles(files)
	if len(profiles) == 0 {
		t.Fatal("the generator wrote no tests/PROFILE.nix")
	}
	// The checks: a test per profile, named after it, and one per fleet
	// service that has one (tests/services/NAME.nix), service-NAME.
	testNames := map[string]string{}
	for _, p := range profiles {
		testNames[p] = "shoal-profile-" + p
	}
	for _, s := range generatedServiceTests(files) {
		testNames["service-"+s] = "shoal-service-" + s
	}
	wantChecks := sortedKeys(testNames)

	// The inputs flake.nix declares: each must have a stand-in, before any
	// command could try to fetch one.
	var declared []string
	n.env = append(n.env, "SHOAL_FLAKE_NIX="+filepath.Join(out, "flake.nix")) // Nix 2.8's --expr takes no --arg
	n.json(t, &declared, "eval", "--json", "--impure", "--expr", `builtins.attrNames (import (builtins.getEnv "SHOAL_FLAKE_NIX")).inputs`)
	if want := sorted(n.inputs); !slices.Equal(declared, want) {
		t.Fatalf("flake.nix declares the inputs %v, want nixpkgs and the fleet's: %v", declared, want)
	}

	// nix flake show: the outputs and their kinds.
	var show flakeShow
	n.json(t, &show, "flake", "show", "--json", "--all-systems?")
	if got := sortedKeys(show.NixosConfigurations); !slices.Equal(got, sorted(machines)) {
		t.Errorf("nixosConfigurations = %v, want the fleet's machines %v", got, sorted(machines))
	}
	for name, c := range show.NixosConfigurations {
		if c.Type != "nixos-configuration" {
			t.Errorf("nix flake show: nixosConfigurations.%s is a %q, not a NixOS configuration", name, c.Type)
		}
	}
	for output, got := range map[string][]string{
		"checks":    sortedKeys(show.Checks),
		"devShells": sortedKeys(show.DevShells),
		"formatter": sortedKeys(show.Formatter),
	} {
		if !slices.Equal(got, systems) {
			t.Errorf("%s has the systems %v, want those of the machines: %v", output, got, systems)
		}
	}
	for _, sys := range systems {
		if got := sortedKeys(show.Checks[sys]); !slices.Equal(got, wantChecks) {
			t.Errorf("checks.%s = %v, want one per generated test (tests/PROFILE.nix, tests/services/NAME.nix): %v", sys, got, wantChecks)
		}
		for p, d := range show.Checks[sys] {
			if d.Type != "derivation" {
				t.Errorf("checks.%s.%s is not a derivation: %+v", sys, p, d)
			}
		}
		if got := sortedKeys(show.DevShells[sys]); !slices.Equal(got, []string{"default"}) {
			t.Errorf("devShells.%s = %v, want [default]", sys, got)
		}
		if d, ok := show.Formatter[sys]; ok && d.Type != "derivation" {
			t.Errorf("formatter.%s is not a derivation: %+v", sys, d)
		}
	}

	// nix flake check --no-build: every configuration's toplevel, every
	// check, shell and formatter instantiates (into the temporary store).
	n.run(t, "flake", "check", "--no-build", "--all-systems?")

	// Each configuration: nixosSystem got the machine's module, the
	// machine's system and the fleet's overlays, and the flake's inputs
	// (every one of them the stand-in: all were overridden).
	var confs map[string]evalConfiguration
	n.json(t, &confs, "eval", "--json", n.flake+"#nixosConfigurations", "--apply", applyConfigurations)
	for _, name := range machines {
		c, ok := confs[name]
		if !ok {
			continue // reported above
		}
		checkConfiguration(t, name, systemOf[name], spec, c)
	}

	// Each check: the test file is called with what it takes, with the
	// package set of its system (overlays applied), and its node imports
	// files that exist.
	var checks map[string]map[string]evalCheck
	n.json(t, &checks, "eval", "--json", n.flake+"#checks", "--apply", applyChecks)
	for _, sys := range systems {
		for _, p := range wantChecks {
			c, ok := checks[sys][p]
			if !ok {
				continue // reported above
			}
			where := "checks." + sys + "." + p
			if c.Type != "derivation" {
				t.Errorf("%s: runNixOSTest's result is not a derivation (%q)", where, c.Type)
			}
			if c.Name != testNames[p] {
				t.Errorf("%s: the test is named %q, want %q", where, c.Name, testNames[p])
			}
			if c.TestScript != "string" {
				t.Errorf("%s: testScript is a %s, not a string", where, c.TestScript)
			}
			if c.System != sys {
				t.Errorf("%s: the test got the package set of %q", where, c.System)
			}
			if len(c.Overlays) != len(spec.Overlays) {
				t.Errorf("%s: the package set has %d overlays applied, want the fleet's %d", where, len(c.Overlays), len(spec.Overlays))
			}
			if len(c.Nodes) == 0 {
				t.Errorf("%s: the test has no nodes", where)
			}
			for node, imports := range c.Nodes {
				// A profile test's probe is a bare NixOS machine.
				if len(imports) == 0 && node != "probe" {
					t.Errorf("%s: node %s imports nothing", where, node)
				}
				for _, im := range imports {
					if im.Type != "path" || !im.Exists {
						t.Errorf("%s: node %s imports %s %q, which is not an existing path", where, node, im.Type, im.Path)
					}
				}
			}
		}
	}

	// The development shell and the formatter.
	var shells map[string]map[string]evalShell
	n.json(t, &shells, "eval", "--json", n.flake+"#devShells", "--apply", applyShells)
	for _, sys := range systems {
		d := shells[sys]["default"]
		if d.Type != "derivation" || !slices.Equal(sorted(d.Packages), []string{"deadnix", "nixd", "nixfmt", "statix"}) {
			t.Errorf("devShells.%s.default = %+v, want a mkShell with deadnix, nixd, nixfmt and statix", sys, d)
		}
		if f := show.Formatter[sys]; f.Name != "nixfmt" {
			t.Errorf("formatter.%s = %+v, want nixfmt", sys, f)
		}
	}
}

// checkConfiguration checks what nixosSystem received for one machine.
func checkConfiguration(t *testing.T, name, system string, spec *fleet.Fleet, c evalConfiguration) {
	t.Helper()
	where := "nixosConfigurations." + name
	if c.Type != "configuration" || c.Toplevel != "derivation" {
		t.Errorf("%s: not what nixosSystem returns (_type %q, toplevel %q)", where, c.Type, c.Toplevel)
	}
	var machine, platform, overlays bool
	for _, m := range c.Modules {
		switch {
		case m.Type == "path" && strings.HasSuffix(m.Path, "/machines/"+name):
			machine = true
			if !m.Exists || (m.Imports != "lambda" && m.Imports != "set") {
				t.Errorf("%s: the machine module %s does not import as a module (exists %v, import gives a %s)", where, m.Path, m.Exists, m.Imports)
			}
		case m.Type == "set" && slices.ContainsFunc(m.ImportPaths, func(p string) bool { return strings.HasSuffix(p, "/machines/"+name) }):
			// A machine with a disk layout: its directory and disko's module.
			machine = true
			if m.ImportSets != 1 || spec.Machine(name).Disk == nil {
				t.Errorf("%s: the machine's module imports %v and %d modules of inputs; want disko's module with a disk layout, none without", where, m.ImportPaths, m.ImportSets)
			}
		case m.Type == "set":
			if m.HostPlatform != nil {
				platform = true
				if *m.HostPlatform != system {
					t.Errorf("%s: nixpkgs.hostPlatform = %q, want the machine's system %q", where, *m.HostPlatform, system)
				}
			}
			if m.Overlays != nil {
				overlays = true
				if len(m.Overlays) != len(spec.Overlays) || slices.ContainsFunc(m.Overlays, func(s string) bool { return s != "lambda" }) {
					t.Errorf("%s: nixpkgs.overlays = %v, want the fleet's %d overlays, each a function", where, m.Overlays, len(spec.Overlays))
				}
			}
		}
	}
	if !machine {
		t.Errorf("%s: no module is machines/%s: %+v", where, name, c.Modules)
	}
	if !platform {
		t.Errorf("%s: no module sets nixpkgs.hostPlatform", where)
	}
	if !overlays {
		t.Errorf("%s: no module sets nixpkgs.overlays", where)
	}
	want := append([]string{"nixpkgs", "self"}, fleetInputs(spec)...)
	if spec.Flake == fleet.FlakeParts {
		want = append(want, "flake-parts") // the real one: no stand-in
	}
	if got := sortedKeys(c.Inputs); !slices.Equal(got, sorted(want)) {
		t.Errorf("%s: specialArgs.inputs has %v, want %v", where, got, sorted(want))
	}
	for in, standIn := range c.Inputs {
		if in != "self" && !(in == "flake-parts" && spec.Flake == fleet.FlakeParts) && (standIn == nil || *standIn != in) {
			t.Errorf("%s: inputs.%s is not its stand-in", where, in)
		}
	}
}

// generatedProfiles returns the profiles the generator wrote a test for
// (tests/PROFILE.nix), sorted.
func generatedProfiles(files []gen.File) []string {
	var out []string
	for _, f := range files {
		if name, ok := strings.CutPrefix(f.Path, "tests/"); ok && !strings.Contains(name, "/") && strings.HasSuffix(name, ".nix") {
			out = append(out, strings.TrimSuffix(name, ".nix"))
		}
	}
	return sorted(out)
}

// generatedServiceTests returns the fleet services the generator wrote a
// VM test for (tests/services/NAME.nix), sorted.
func generatedServiceTests(files []gen.File) []string {
	var out []string
	for _, f := range files {
		if name, ok := strings.CutPrefix(f.Path, "tests/services/"); ok && !strings.Contains(name, "/") && strings.HasSuffix(name, ".nix") {
			out = append(out, strings.TrimSuffix(name, ".nix"))
		}
	}
	return sorted(out)
}

// requireNixFlakes returns the path of nix. Without one the test is
// skipped, except under CI=true, where .ci/run installs Nix (nix-bin) and a
// missing one is a failure.
func requireNixFlakes(t *testing.T) string {
	t.Helper()
	bin, err := exec.LookPath("nix")
	if err == nil {
		return bin
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("nix is not on PATH but CI=true: .ci/run must install nix-bin (%v)", err)
	}
	t.Skipf("nix is not on PATH, so the generated flake's structure is not evaluated (apt-get install nix-bin runs it; under CI=true it fails instead)")
	return ""
}

// nixStoreNames returns the names in /nix/store, or nil when there is no
// /nix/store at all.
func nixStoreNames(t *testing.T) map[string]bool {
	t.Helper()
	if _, err := os.Lstat("/nix/store"); err != nil {
		return nil
	}
	names := map[string]bool{}
	entries, err := os.ReadDir("/nix/store")
	if err != nil && !os.IsNotExist(err) {
		t.Fatalf("reading /nix/store: %v", err)
	}
	for _, e := range entries {
		names[e.Name()] = true
	}
	return names
}

// flakeNix runs nix on one flake with a store, HOME and configuration of
// its own, every input overridden with a stand-in.
type flakeNix struct {
	bin       string
	store     string // the store's root: the store itself is STORE/nix/store
	env       []string
	flake     string   // path:DIR
	inputs    []string // the inputs overridden
	overrides []string
	standIns  string
	noAll     bool // this Nix has no --all-systems
}

func newFlakeNix(t *testing.T, bin string, realStore map[string]bool) *flakeNix {
	t.Helper()
	tmp := t.TempDir()
	n := &flakeNix{bin: bin, store: filepath.Join(tmp, "store"), standIns: filepath.Join(tmp, "standin")}
	home := filepath.Join(tmp, "home")
	conf := filepath.Join(tmp, "etc-nix")
	for _, d := range []string{home, conf} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, e := range os.Environ() {
		name, _, _ := strings.Cut(e, "=")
		if !strings.HasPrefix(name, "NIX_") && !strings.HasPrefix(name, "XDG_") && name != "HOME" && !strings.HasSuffix(strings.ToLower(name), "_proxy") {
			n.env = append(n.env, e)
		}
	}
	n.env = append(n.env,
		"HOME="+home,
		"NIX_CONF_DIR="+conf,
		"XDG_CACHE_HOME="+filepath.Join(home, "cache"),
		"XDG_CONFIG_HOME="+filepath.Join(home, "config"),
		"XDG_CONFIG_DIRS="+conf,
		"XDG_DATA_HOME="+filepath.Join(home, "data"),
		"XDG_STATE_HOME="+filepath.Join(home, "state"),
		// Whatever would still be fetched fails at once (--offline does not
		// stop Nix from fetching an input it has no copy of).
		"http_proxy=http://127.0.0.1:9", "https_proxy=http://127.0.0.1:9", "all_proxy=http://127.0.0.1:9",
	)
	// Runs before t.TempDir removes tmp: the store's paths are read-only,
	// and none of them may have reached the real store.
	t.Cleanup(func() {
		entries, _ := os.ReadDir(filepath.Join(n.store, "nix", "store"))
		for _, e := range entries {
			if realStore != nil && !realStore[e.Name()] {
				if _, err := os.Lstat(filepath.Join("/nix/store", e.Name())); err == nil {
					t.Errorf("/nix/store/%s appeared during the test: Nix must only use the temporary store", e.Name())
				}
			}
		}
		_ = filepath.WalkDir(tmp, func(p string, d fs.DirEntry, err error) error {
			if err == nil && d.IsDir() {
				_ = os.Chmod(p, 0o755)
			}
			return nil
		})
	})
	return n
}

// override writes a stand-in flake for the input and overrides the input
// with it.
func (n *flakeNix) override(t *testing.T, input string, files map[string]string) {
	t.Helper()
	dir := filepath.Join(n.standIns, input)
	for name, data := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	n.inputs = append(n.inputs, input)
	n.overrides = append(n.overrides, "--override-input", input, "path:"+dir)
}

// run runs nix with args; a flake subcommand gets the flake as its last
// argument. An argument "--all-systems?" is --all-systems where this Nix
// knows it (newer ones evaluate only the current system without it; 2.8
// evaluates all and has no such flag).
func (n *flakeNix) run(t *testing.T, args ...string) []byte {
	t.Helper()
	if i := slices.Index(args, "--all-systems?"); i >= 0 {
		args = slices.Clone(args)
		if n.noAll {
			args = slices.Delete(args, i, i+1)
		} else {
			args[i] = "--all-systems"
			out, stderr, err := n.exec(t, args)
			if err == nil || !strings.Contains(stderr, "'--all-systems'") {
				return n.result(t, args, out, stderr, err)
			}
			n.noAll = true
			args = slices.Delete(args, i, i+1)
		}
	}
	out, stderr, err := n.exec(t, args)
	return n.result(t, args, out, stderr, err)
}

func (n *flakeNix) result(t *testing.T, args []string, out []byte, stderr string, err error) []byte {
	t.Helper()
	if err != nil {
		t.Fatalf("nix %s: %v\n%s", strings.Join(args, " "), err, stderr)
	}
	return out
}

// json runs nix with args and decodes its standard output into v.
func (n *flakeNix) json(t *testing.T, v any, args ...string) {
	t.Helper()
	out := n.run(t, args...)
	if err := json.Unmarshal(out, v); err != nil {
		t.Fatalf("nix %s: %v\n%s", strings.Join(args, " "), err, nixTail(out, 2000))
	}
}

func (n *flakeNix) exec(t *testing.T, args []string) (stdout []byte, stderr string, err error) {
	t.Helper()
	full := []string{
		"--extra-experimental-features", "nix-command flakes",
		"--store", n.store,
		"--offline",
		"--option", "substituters", "",
		"--option", "flake-registry", "",
		"--option", "use-registries", "false",
		"--option", "build-users-group", "",
		"--option", "allow-import-from-derivation", "false",
	}
	full = append(full, args...)
	if !slices.Contains(args, "--expr") {
		if args[0] == "flake" {
			full = append(full, n.flake)
		}
		full = append(full, "--no-write-lock-file")
		full = append(full, n.overrides...)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, n.bin, full...)
	cmd.Env = n.env
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err = cmd.Run()
	return out.Bytes(), string(nixTail(errb.Bytes(), 3000)), err
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	sort.Strings(s)
	return s
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return sorted(out)
}

func sortedValues(m map[string]string) []string {
	set := map[string]bool{}
	for _, v := range m {
		set[v] = true
	}
	return sortedKeys(set)
}

// fleetInputs are the flake inputs the generated flake declares beside
// nixpkgs: the fleet's, and disko when a machine has a disk layout.
func fleetInputs(spec *fleet.Fleet) []string {
	var names []string
	for _, in := range spec.Inputs {
		names = append(names, in.Name)
	}
	for _, m := range spec.Machines {
		if m.Disk != nil && !slices.Contains(names, "disko") {
			names = append(names, "disko")
		}
	}
	return names
}
