package gen_test

import (
	"encoding/json"
	"maps"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/shoal-nix/shoal/internal/gen"
	"github.com/shoal-nix/shoal/internal/nixopts"
	"github.com/shoal-nix/shoal/internal/resolve"
)

// notCovered lists the NixOS options outside the index's coverage that the
// generated modules may define, each with the reason it is fine.
var notCovered = map[string]string{
	"assertions": "the module system's own option, which modules/validation.nix fills; the index covers no top-level options",
	"warnings":   "the module system's own option, which modules/validation.nix fills; the index covers no top-level options",
	// Raw options of the golden fleets, which shoal check does not check
	// either: the index does not cover them.
	"services.postgresql.enable": "raw option of testdata/gen/raw-options; services.postgresql is outside the index",
	// A machine's disk layout (internal/gen/boot.go).
	"disko.enableConfig": "disko's own option (its NixOS module, a flake input), outside NixOS and so the index",
	// The monitoring server's blackbox exporter (internal/gen/monitoring.go),
	// checked by hand in nixpkgs: nixos/modules/services/monitoring/prometheus/exporters.nix
	// (enable, port, listenAddress of every exporter) and exporters/blackbox.nix (configFile).
	"services.prometheus.exporters.blackbox.enable":        "exporters.nix declares enable for every exporter; the index does not cover exporters other than node and systemd",
	"services.prometheus.exporters.blackbox.listenAddress": "exporters.nix declares listenAddress for every exporter",
	"services.prometheus.exporters.blackbox.port":          "exporters.nix declares port for every exporter (blackbox: 9115)",
	"services.prometheus.exporters.blackbox.configFile":    "exporters/blackbox.nix declares configFile (a path; checked by blackbox_exporter --config.check at build)",
	"swapDevices": "a NixOS option (nixos/modules/config/swap.nix) the index lacks; the generator writes only device and randomEncryption.enable",
}

// mustDefine lists, per fleet, option definitions the generator itself
// writes (not the catalog), so that the walk below cannot pass by finding
// nothing.
var mustDefine = map[string][]string{
	"homelab": {
		"networking.hostName",
		"users.users.alice.shell",
		"users.users.alice.openssh.authorizedKeys.keys",
		"users.users.root.openssh.authorizedKeys.keys",
		"users.users.alice.hashedPassword",
		"users.users.bob.hashedPasswordFile",
		"programs.zsh.enable",
		`fileSystems."/".device`,
		`fileSystems."/boot".fsType`,
		"boot.loader.systemd-boot.enable",
		"boot.loader.grub.devices",
		"boot.initrd.luks.devices.cryptroot.device",
		"services.prometheus.scrapeConfigs",
		"systemd.services.alloy.environment",
		"services.restic.backups.shoal.repository",
		"services.restic.backups.shoal.passwordFile",
		"environment.systemPackages",
		"networking.firewall.allowedTCPPorts",
		"networking.firewall.allowedUDPPorts",
		"nixpkgs.hostPlatform",
		"nixpkgs.overlays",
		"services.openssh.openFirewall",
		"assertions",
		"warnings",
	},
	"services": {
		"services.haproxy.config",
		"networking.firewall.allowedTCPPorts",
		"services.restic.backups.shoal.repository",
	},
	"raw-options": {
		"services.nginx.enable",
		"services.nginx.clientMaxBodySize",
		`services.nginx.virtualHosts."example.org".root`,
		`services.nginx.virtualHosts."example.org".locations."/api".proxyPass`,
		"environment.variables",
		"networking.hosts",
		`boot.kernel.sysctl."vm.swappiness"`,
		"environment.systemPackages",
	},
}

// TestOptionPaths has Nix walk every module the generator writes (machines,
// modules/, the inline module of flake/nixos-configurations.nix and the VM
// tests' machines) and checks each option it defines: a NixOS option must
// be in the NixOS options index (declared, or a place inside a declared
// option's value), or outside the index's coverage and listed in
// notCovered; a shoal.* option must be one the generated namespace declares.
func TestOptionPaths(t *testing.T) {
	requireNix(t)
	ix := nixopts.Load()
	trie := optionTrie(ix)
	for _, fl := range testFleets(t) {
		t.Run(fl.name, func(t *testing.T) {
			t.Parallel()
			rf, files := generateFleet(t, fl)
			dir := t.TempDir()
			// The fleet's own files too: local features' module.nix are
			// imported in place.
			if err := os.CopyFS(dir, fl.fsys); err != nil {
				t.Fatal(err)
			}
			writeFlake(t, dir, files)
			defs := walkModules(t, dir, trie, files)
			if len(defs) == 0 {
				t.Fatal("the walk found no module files")
			}
			seen := map[string]bool{}
			for _, file := range slices.Sorted(maps.Keys(defs)) {
				for _, p := range defs[file] {
					name := nixopts.FormatPath(p)
					seen[name] = true
					if problem := optionProblem(ix, rf, p); problem != "" {
						t.Errorf("%s defines %s: %s", file, name, problem)
					}
				}
			}
			for _, name := range mustDefine[strings.TrimPrefix(fl.name, "examples-")] {
				if !seen[name] {
					t.Errorf("no generated module defines %s, which the generator writes for this fleet", name)
				}
			}
		})
	}
}

// TestOptionPathsCatchesMistakes holds the walk and the judgement to what
// they are for: a misspelt NixOS option, a misspelt shoal option and a value
// given to a set of options are found, through lib.mkIf and lib.mkMerge.
func TestOptionPathsCatchesMistakes(t *testing.T) {
	requireNix(t)
	ix := nixopts.Load()
	rf := resolveFleet(t, os.DirFS(filepath.Join(goldenDir, "base-only", "fleet")))
	dir := t.TempDir()
	module := `{ lib, ... }:
{
  config = lib.mkMerge [
    { services.openssh.portz = [ 22 ]; }
    (lib.mkIf true { networking.hostname = "x"; shoal.features.ssh.enabel = true; })
    { services.openssh = true; users.users.bob.isNormalUsr = true; }
    { networking.hostName = "fine"; services.openssh.settings.Whatever = 1; }
  ];
}
`
	files := []gen.File{
		{Path: "machines/bad/default.nix", Data: []byte(module)},
		{Path: "modules/defaults.nix", Data: []byte("{ }\n")},
	}
	writeFlake(t, dir, files)
	var problems []string
	for _, p := range walkModules(t, dir, optionTrie(ix), files)["machines/bad/default.nix"] {
		if problem := optionProblem(ix, rf, p); problem != "" {
			problems = append(problems, nixopts.FormatPath(p))
		}
	}
	slices.Sort(problems)
	want := []string{
		"networking.hostname",
		"services.openssh",
		"services.openssh.portz",
		"shoal.features.ssh.enabel",
		"users.users.bob.isNormalUsr",
	}
	if !slices.Equal(problems, want) {
		t.Errorf("problems found: %q, want %q", problems, want)
	}
}

// optionProblem says what is wrong with a definition of the option path p
// in a module generated for rf, or "" when nothing is.
func optionProblem(ix *nixopts.Index, rf *resolve.Fleet, p []string) string {
	if p[0] == "shoal" {
		if !shoalOptions(rf)[strings.Join(p, ".")] {
			return "the generated namespace (modules/nixos/default.nix) declares no such shoal option"
		}
		return ""
	}
	r := ix.Lookup(p)
	switch r.Kind {
	case nixopts.Found, nixopts.Within:
		return ""
	case nixopts.NotCovered:
		if notCovered[nixopts.FormatPath(p)] != "" {
			return ""
		}
		return "outside the NixOS options index, so unchecked; list it in notCovered with a reason if that is right"
	case nixopts.OptionSet:
		return "a set of options, given a value that is not an attribute set"
	}
	if len(r.Suggestions) > 0 {
		return "unknown NixOS option; did you mean " + strings.Join(r.Suggestions, " or ") + "?"
	}
	return "unknown NixOS option"
}

// shoalOptions returns the shoal.* options the generated namespace declares
// for rf: the profile, the hardware facts, and enable and the settings of
// each feature some machine uses.
func shoalOptions(rf *resolve.Fleet) map[string]bool {
	out := map[string]bool{"shoal.profile": true, "shoal.public": true, "shoal.name": true}
	for _, fact := range []string{"system", "cpu", "gpu", "form", "memory", "disk", "cores"} {
		out["shoal.hardware."+fact] = true
	}
	for _, m := range rf.Machines {
		for _, f := range m.Features {
			out["shoal.features."+f.Name()+".enable"] = true
			for _, s := range f.Def.Settings {
				out["shoal.features."+f.Name()+"."+s.Name] = true
			}
		}
	}
	return out
}

// optionTrie returns the index's option paths as a tree for the walker:
// each attribute name maps to its subtree, any `<name>` becomes "<*>", and
// a declared option carries "__opt". Within the walk, a declared option
// with nothing declared below it ends the path: its value is not walked,
// so nothing that needs a real config or pkgs is evaluated.
func optionTrie(ix *nixopts.Index) []byte {
	root := map[string]any{}
	for _, o := range ix.Options() {
		n := root
		for _, name := range o.Path {
			if len(name) >= 2 && name[0] == '<' && name[len(name)-1] == '>' {
				name = "<*>"
			}
			child, ok := n[name].(map[string]any)
			if !ok {
				child = map[string]any{}
				n[name] = child
			}
			n = child
		}
		n["__opt"] = true
	}
	data, err := json.Marshal(root)
	if err != nil {
		panic(err)
	}
	return data
}

// walkNix evaluates, for each module file, the option paths it defines.
// lib is a stub whose mkIf, mkOverride and the like return their value
// (conditions are never evaluated) and whose mkMerge marks a list that is
// walked element by element; config holds the fleet's setting defaults for
// the few modules that compute attribute names from settings.
const walkNix = `
let
  trie = builtins.fromJSON (builtins.readFile ./options-trie.json);
  files = builtins.fromJSON (builtins.readFile ./walk-files.json);
  id = v: v;
  lib = {
    mkIf = _: id;
    mkMerge = list: { __shoalMerge = list; };
    mkOverride = _: id;
    mkDefault = id;
    mkForce = id;
    mkBefore = id;
    mkAfter = id;
    mkOrder = _: id;
    optionalAttrs = _: id;
    optional = _: v: [ v ];
    optionals = _: id;
    concatLists = builtins.concatLists;
    filter = builtins.filter;
    elem = builtins.elem;
    attrByPath = path: default: set: (builtins.foldl' (acc: n:
      if acc.found && builtins.isAttrs acc.value && acc.value ? ${n} then { found = true; value = acc.value.${n}; }
      else { found = false; value = default; }) { found = true; value = set; } path).value;
  };
  defaults = if builtins.pathExists ./modules/defaults.nix then import ./modules/defaults.nix else { };
  config = {
    shoal = {
      features = builtins.mapAttrs (_: s: s // { enable = true; }) defaults;
      hardware = {
        system = "x86_64-linux";
        cpu = null;
        gpu = [ ];
        form = null;
        memory = null;
        disk = null;
        cores = null;
      };
      profile = null;
      name = "host";
    };
    networking.hostName = "host";
  };
  # the packages the VM tests' nodes name, as strings
  pkgs = builtins.listToAttrs (map (n: { name = n; value = "/nix/store/stub-${n}"; }) [ "curl" "jq" "openssl" "pulseaudio" "python3" ]);
  args = { inherit config lib pkgs; modulesPath = /modules-path-stub; };
  child = node: name: if node == null then null else node.${name} or (node."<*>" or null);
  ends = node: node != null && node ? __opt && builtins.length (builtins.attrNames node) == 1;
  walk = path: node: v:
    if ends node then [ path ]
    else if builtins.isAttrs v then
      (if v ? __shoalMerge then builtins.concatMap (walk path node) v.__shoalMerge
       else builtins.concatMap (name: walk (path ++ [ name ]) (child node name) v.${name}) (builtins.attrNames v))
    else [ path ];
  module = m:
    let v = if builtins.isFunction m then m args else m; in
    (if v ? config || v ? options then walk [ ] trie (v.config or { })
     else walk [ ] trie (removeAttrs v [ "imports" "disabledModules" "_file" "key" ]))
    # inline modules among the imports (a machine's raw nixos."…" options)
    ++ builtins.concatMap module (builtins.filter builtins.isAttrs (v.imports or [ ]));
  inputs = { nixpkgs.lib.nixosSystem = id; disko.nixosModules.disko = { }; };
  of = file: kind:
    if kind == "module" then module (import (./. + "/${file}"))
    else if kind == "configurations" then
      builtins.concatMap (c: builtins.concatMap module (builtins.filter builtins.isAttrs c.modules))
        (builtins.attrValues (import (./. + "/${file}") inputs))
    else if kind == "nodes" then
      builtins.concatMap module (builtins.attrValues (import (./. + "/${file}") { inherit inputs; pkgs.testers.runNixOSTest = id; }).nodes)
    else module (import (./. + "/${file}") { inherit inputs; pkgs.testers.runNixOSTest = id; }).nodes.machine;
in
builtins.mapAttrs of files
`

// walkModules returns, for each module file among files (written in dir),
// the option paths it defines.
func walkModules(t *testing.T, dir string, trie []byte, files []gen.File) map[string][][]string {
	t.Helper()
	byFile := map[string]string{} // file -> how to get its modules
	for _, f := range files {
		p := f.Path
		switch {
		case p == "flake/nixos-configurations.nix":
			byFile[p] = "configurations"
		case strings.HasPrefix(p, "tests/services/") && strings.Count(p, "/") == 2 && strings.HasSuffix(p, ".nix"):
			byFile[p] = "nodes" // a fleet service's VM test: every node
		case strings.HasPrefix(p, "tests/services/") && strings.HasSuffix(p, ".nix"):
			byFile[p] = "module" // the wiring beside it
		case strings.HasPrefix(p, "tests/") && strings.HasSuffix(p, ".nix"):
			byFile[p] = "test"
		case strings.HasPrefix(p, "machines/") && path.Base(p) == "default.nix",
			strings.HasPrefix(p, "modules/") && strings.HasSuffix(p, ".nix") &&
				p != "modules/defaults.nix" && p != "modules/packages/common.nix" &&
				path.Base(p) != "module.nix": // catalog modules, walked from their feature's
			byFile[p] = "module"
		}
	}
	list, err := json.Marshal(byFile)
	if err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string][]byte{"options-trie.json": trie, "walk-files.json": list, "walk.nix": []byte(walkNix)} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out, err := nixInstantiate(t, dir, "--eval", "--strict", "--json", "./walk.nix")
	if err != nil {
		t.Fatalf("walk the generated modules: %v", err)
	}
	var defs map[string][][]string
	if err := json.Unmarshal(out, &defs); err != nil {
		t.Fatalf("decode the walk: %v\n%s", err, nixTail(out, 2000))
	}
	if len(defs) != len(byFile) {
		t.Fatalf("walked %d files, want %d", len(defs), len(byFile))
	}
	return defs
}
