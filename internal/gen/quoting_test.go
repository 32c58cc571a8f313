package gen_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"unicode/utf8"

	"github.com/shoal-nix/shoal/internal/check"
	"github.com/shoal-nix/shoal/internal/diag"
	"github.com/shoal-nix/shoal/internal/gen"
	"github.com/shoal-nix/shoal/internal/layout"
	"github.com/shoal-nix/shoal/internal/nixopts"
)

// The values of the hostile fleet: everything Nix could read as something
// else (${, ”, ", backslashes, newlines), non-ASCII text, and names that
// are Nix keywords or start with a digit. shoal check accepts all of them,
// so the generator must write each so that Nix reads back exactly this.
const (
	hostileFleetName   = "Grüße ${fleet} \"q\" '' \\ x\nsecond line"
	hostileAdminKey    = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAdminKeyAdminKey root ${admin} ''x'' \"y\" \\z"
	hostileInputName   = "in"
	hostileInputURL    = "github:o/r?dir=${x}''"
	hostileOverlay     = "overlays/my ${x} ''.nix"
	hostileModule      = "extra/a ${b} ''c.nix"
	hostileLocale      = "en_${US}''\\x" // time zones, schedules and addresses are checked by meaning: free text goes here
	hostileMachineKeys = "de-${latin1}"
	hostileDescription = "Grüße ${HOME} \"x\" '' \\ ü" // NixOS refuses newlines and colons here; check does too
	hostileGroup       = "g_x-1"                       // group names are checked to be plain; the hostile part is elsewhere
	hostileUserKey     = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIQuoteKeyQuoteKeyQuote ${x} ''y'' \"z\" \\w"
	hostileAddress     = "h-x.example"
	hostileAddress2    = "b-x.example"
	hostileRepository  = "s3:https://x/${y}''/"
	hostileSchedule    = "mon,Wed..fri *-*~1/2 *:0/15 Europe/Berlin" // [services.backup] schedule, a setting of backup-client
	hostileBackupPath  = "/srv/${x} ''y''"
	hostileDomain      = "ex${am}ple.org ''\" \\ ü\n"
	hostileEtcName     = "m${x} ''q''"
	hostileEtcText     = "multi\nline ${y} ''z''\n\ttab"
	hostileVarName     = "V${x}"
	hostileVarValue    = "v''${y}"

	// The local feature "tricky".
	hostileFeatureDesc = "Tricky: ${x} \"q\" '' \\\nsecond line"
	hostileGreeting    = "hi ${there} ''" // [defaults.settings.tricky]
	hostileGreetingDoc = "A greeting with ${y} and ''z''"
	hostileMode        = "a\"${b}"
	hostileFeatureDom  = "dom${x}''"
	hostileWhenText    = "when ${a} ''b''"
)

var (
	hostileModes = []string{"plain", hostileMode, "c''d"}
	// hostileMachines are valid host names that Nix would misread bare:
	// keywords, true and null, a leading digit.
	hostileMachines = []string{"with", "in", "or", "rec", "let", "if", "then", "else", "assert", "inherit", "true", "null", "1st-box", "a-b"}
	// hostileUsers are valid user names, one of them a keyword.
	hostileUsers = []string{"_x", "in"}
)

// tomlString quotes s as a TOML basic string.
func tomlString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\u%04X`, r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

func tomlList(items ...string) string {
	q := make([]string, len(items))
	for i, s := range items {
		q[i] = tomlString(s)
	}
	return "[" + strings.Join(q, ", ") + "]"
}

// hostileFleet returns the fleet's files: shoal.toml, the local feature
// tricky, an overlay and an extra module, whose paths hold ${ and ”.
func hostileFleet() fstest.MapFS {
	var b strings.Builder
	line := func(parts ...string) { b.WriteString(strings.Join(parts, "") + "\n") }
	line("[fleet]")
	line("name = ", tomlString(hostileFleetName))
	line(`nixos = "26.05"`)
	line(`domain = "example.test"`)
	line("admin_keys = ", tomlList(hostileAdminKey))
	line("overlays = ", tomlList(hostileOverlay))
	line("[fleet.inputs]")
	line(tomlString(hostileInputName), " = ", tomlString(hostileInputURL))
	line("[defaults]")
	line(`state_version = "26.05"`)
	line("locale = ", tomlString(hostileLocale))
	line("[defaults.settings.tricky]")
	line("greeting = ", tomlString(hostileGreeting))
	line("[users._x]")
	line("description = ", tomlString(hostileDescription))
	line("groups = ", tomlList("wheel", hostileGroup))
	line("ssh_keys = ", tomlList(hostileUserKey))
	line(`shell = "zsh"`)
	// "$" before a letter or a digit stays as it is in a Nix string.
	line(`hashed_password = "$6$rounds=5000$saltsalt$Mn2rVZAt1bVxJwSPT1e0cLwQdGSAjt1ydI1uwQ2jrFJsYXVb0K/eIlu6eWBcv4Cz2.xJZW1L8rq3QQc8nvfaV1"`)
	line(`[users."in"]`)
	line(`description = "a user named in"`)
	for _, m := range hostileMachines {
		line("[machines.", tomlString(m), "]")
		line(`hardware.form = "container"`)
		switch m {
		case "with":
			line("address = ", tomlString(hostileAddress))
			line("users = ", tomlList(hostileUsers...))
			line(`features = ["tricky"]`)
			line("modules = ", tomlList(hostileModule))
			line("settings.core.keymap = ", tomlString(hostileMachineKeys))
			line("settings.tricky.mode = ", tomlString(hostileMode))
			line(`nixos."networking.domain" = `, tomlString(hostileDomain))
			line("nixos.", tomlString(nixopts.FormatPath([]string{"environment", "etc", hostileEtcName, "text"})), " = ", tomlString(hostileEtcText))
			line(`nixos."environment.variables" = { `, tomlString(hostileVarName), " = ", tomlString(hostileVarValue), " }")
		case "a-b":
			line("address = ", tomlString(hostileAddress2))
		}
	}
	line("[services.monitoring]")
	line(`server = ["with"]`)
	line(`agents = ["@all"]`)
	line("[services.load_balancer]")
	line(`frontends = ["with"]`)
	line(`backends = ["a-b", "with"]`)
	line(`backend_port = 9100`) // every machine's node exporter listens there
	line("[services.backup]")
	line(`clients = ["in"]`)
	line("repository = ", tomlString(hostileRepository))
	line("schedule = ", tomlString(hostileSchedule))
	line("paths = ", tomlList(hostileBackupPath))
	line("[services.logs]")
	line(`server = ["with"]`)
	line(`agents = ["or"]`)
	line("[secrets.restic-password]") // put in place by another tool
	line(`source = "external"`)
	line(`destination = "/var/lib/shoal/secrets/restic-password"`)
	line("[secrets.restic-environment]")
	line(`source = "external"`)
	line(`destination = "/var/lib/shoal/secrets/restic-environment"`)
	for _, name := range []string{"grafana-secret-key", "grafana-admin-password"} {
		line("[secrets." + name + "]")
		line(`source = "external"`)
		line(`destination = "/var/lib/shoal/secrets/` + name + `"`)
	}

	var f strings.Builder
	fline := func(parts ...string) { f.WriteString(strings.Join(parts, "") + "\n") }
	fline("description = ", tomlString(hostileFeatureDesc))
	fline("[settings.greeting]")
	fline(`type = "string"`)
	fline(`default = "hello"`)
	fline("description = ", tomlString(hostileGreetingDoc))
	fline("[settings.mode]")
	fline(`type = "enum"`)
	fline("values = ", tomlList(hostileModes...))
	fline(`default = "plain"`)
	fline("[nixos]")
	fline(`"users.motd" = { setting = "greeting" }`)
	// Not networking.domain, which the machine "with" sets raw: NixOS
	// refuses two values of one string option (check says so, SH033).
	fline(`"environment.etc.trickydom.text" = `, tomlString(hostileFeatureDom))
	fline("[[nixos_when]]")
	fline(`when = { "tricky.mode" = `, tomlString(hostileMode), " }")
	fline(`set = { "environment.etc.tricky.text" = `, tomlString(hostileWhenText), " }")

	return fstest.MapFS{
		check.FleetFile:                {Data: []byte(b.String())},
		"features/tricky/feature.toml": {Data: []byte(f.String())},
		hostileOverlay:                 {Data: []byte("_: _: { marker = \"the overlay\"; }\n")},
		hostileModule:                  {Data: []byte("{ marker = \"the extra module\"; }\n")},
	}
}

// hostileEval reads back, with real Nix, what the generated files say of
// each hostile value. Attribute names come from names.json, never from Go
// text pasted into Nix. The stub lib's mkIf keeps its condition so that the
// tricky feature's condition can be tested against each enum value.
const hostileEval = `
let
  names = builtins.fromJSON (builtins.readFile ./names.json);
  id = v: v;
  lib = {
    mkOverride = _: id;
    mkDefault = id;
    mkAfter = id;
    mkBefore = id;
    mkIf = _: id;
    mkMerge = id;
    optional = c: x: if c then [ x ] else [ ];
    concatLines = lines: builtins.concatStringsSep "" (map (l: l + "\n") lines);
    mkEnableOption = id;
    mkOption = id;
    types.enum = id;
  };
  pkgs = { zsh = "the zsh package"; };
  machine = name: import (./machines + "/${name}/default.nix") { inherit lib pkgs; config = { }; };
  withMachine = machine "with";
  # Raw nixos."…" options are an inline module among the imports.
  raw = builtins.foldl' (a: b: a // b) { } (builtins.filter builtins.isAttrs withMachine.imports);
  flake = import ./flake.nix;
  configurations = import ./flake/nixos-configurations.nix { nixpkgs.lib.nixosSystem = id; };
  tricky = mode: (import ./modules/features/tricky.nix {
    config.shoal.features.tricky = { enable = true; inherit mode; greeting = "g"; };
    lib = lib // { mkIf = c: v: { _if = c; _then = v; }; };
    pkgs = { };
  }).config._then;
  trickyOption = (import ./modules/nixos/default.nix { inherit lib; }).options.shoal.features.tricky;
  services = (import ./modules/services/defaults.nix {
    config = {
      shoal.features.load-balancer = { port = 8443; health_path = "/ready"; };
      networking.hostName = "HOST";
    };
    inherit lib;
  }).config;
  last = list: builtins.elemAt list (builtins.length list - 1);
in
{
  fleetDescription = flake.description;
  inputs = builtins.mapAttrs (_: i: i.url) flake.inputs;
  overlays = map (o: (o { } { }).marker) (import ./flake/overlays.nix { });
  configurations = builtins.mapAttrs (_: c: {
    module = toString (builtins.elemAt c.modules 0);
    system = (builtins.elemAt c.modules 1).nixpkgs.hostPlatform;
  }) configurations;
  hostNames = builtins.listToAttrs (map (name: { inherit name; value = (machine name).networking.hostName; }) names.machines);
  users = withMachine.users.users;
  machineKeymap = withMachine.shoal.features.core.keymap;
  machineMode = withMachine.shoal.features.tricky.mode;
  domain = raw.networking.domain;
  etcText = (builtins.getAttr names.etc raw.environment.etc).text;
  variables = raw.environment.variables;
  extraModule = (import (last (builtins.filter (x: !builtins.isAttrs x) withMachine.imports))).marker;
  defaults = import ./modules/defaults.nix;
  trickyEnable = trickyOption.enable;
  trickyGreeting = { inherit (trickyOption.greeting) default description; };
  trickyModes = trickyOption.mode.type;
  trickyDomain = (builtins.elemAt (tricky "plain") 0).environment.etc.trickydom.text;
  trickyWhenText = (builtins.elemAt (tricky "plain") 1)._then.environment.etc.tricky.text;
  trickyWhen = map (mode: (builtins.elemAt (tricky mode) 1)._if) names.modes;
  services = services;
  nixd = builtins.fromJSON (builtins.readFile ./.nixd.json);
}
`

// TestHostileValuesRoundTrip generates the hostile fleet, has Nix parse
// every file, and has Nix evaluate what the files say of each value:
// every one must come back exactly as the Go string written in shoal.toml.
func TestHostileValuesRoundTrip(t *testing.T) {
	requireNix(t)
	fsys := hostileFleet()
	rf := resolveFleet(t, fsys)
	files, err := gen.Generate(rf, gen.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if !utf8.Valid(f.Data) {
			t.Errorf("%s is not valid UTF-8", f.Path)
		}
	}
	dir := t.TempDir()
	if err := os.CopyFS(dir, fsys); err != nil {
		t.Fatal(err)
	}
	writeFlake(t, dir, files)
	parseNix(t, dir, nixFiles(files))
	if t.Failed() {
		return
	}

	names, err := json.Marshal(map[string]any{"machines": hostileMachines, "etc": hostileEtcName, "modes": hostileModes})
	if err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string][]byte{"names.json": names, "eval.nix": []byte(hostileEval)} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out, err := nixInstantiate(t, dir, "--eval", "--strict", "--json", "./eval.nix")
	if err != nil {
		t.Fatalf("evaluate the generated files: %v", err)
	}
	var got struct {
		FleetDescription string
		Inputs           map[string]string
		Overlays         []string
		Configurations   map[string]struct{ Module, System string }
		HostNames        map[string]string
		Users            map[string]struct {
			Description  string
			ExtraGroups  []string
			IsNormalUser bool
			Openssh      struct{ AuthorizedKeys struct{ Keys []string } }
			Shell        string
		}
		MachineKeymap  string
		MachineMode    string
		Domain         string
		EtcText        string
		Variables      map[string]string
		ExtraModule    string
		Defaults       map[string]map[string]any
		TrickyEnable   string
		TrickyGreeting struct{ Default, Description string }
		TrickyModes    []string
		TrickyDomain   string
		TrickyWhenText string
		TrickyWhen     []bool
		Services       []map[string]any
		Nixd           map[string]any
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("decode the evaluation: %v\n%s", err, nixTail(out, 3000))
	}

	same := func(what string, got, want any) {
		t.Helper()
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: Nix reads %#v, want %#v", what, got, want)
		}
	}
	same("flake description", got.FleetDescription, hostileFleetName+": NixOS fleet generated by shoal")
	// flake-parts is the default layout's input.
	same("flake inputs", got.Inputs, map[string]string{"nixpkgs": "github:NixOS/nixpkgs/nixos-26.05", "flake-parts": "github:hercules-ci/flake-parts", hostileInputName: hostileInputURL})
	same("overlays", got.Overlays, []string{"the overlay"})
	same("extra module", got.ExtraModule, "the extra module")
	if len(got.Configurations) != len(hostileMachines) {
		t.Errorf("nixosConfigurations has %d machines, want %d", len(got.Configurations), len(hostileMachines))
	}
	for _, m := range hostileMachines {
		c := got.Configurations[m]
		same("nixosConfigurations."+m+" module", c.Module, filepath.Join(dir, "machines", m))
		same("nixosConfigurations."+m+" system", c.System, "x86_64-linux")
		same("networking.hostName of "+m, got.HostNames[m], m)
	}

	x := got.Users["_x"]
	same("users._x.description", x.Description, hostileDescription)
	same("users._x.extraGroups", x.ExtraGroups, []string{"wheel", hostileGroup})
	same("users._x keys", x.Openssh.AuthorizedKeys.Keys, []string{hostileUserKey})
	same("users._x.shell", x.Shell, "the zsh package")
	same("users._x.isNormalUser", x.IsNormalUser, true)
	same("users.in.description", got.Users["in"].Description, "a user named in")
	same("root's keys", got.Users["root"].Openssh.AuthorizedKeys.Keys, []string{hostileAdminKey})
	same("user names", slices.Sorted(maps.Keys(got.Users)), []string{"_x", "in", "root"})

	same("machine keymap", got.MachineKeymap, hostileMachineKeys)
	same("machine mode", got.MachineMode, hostileMode)
	same("raw networking.domain", got.Domain, hostileDomain)
	same("raw environment.etc text", got.EtcText, hostileEtcText)
	same("raw environment.variables", got.Variables, map[string]string{hostileVarName: hostileVarValue})
	same("fleet default locale", got.Defaults["core"]["locale"], hostileLocale)
	same("fleet default greeting", got.Defaults["tricky"]["greeting"], hostileGreeting)

	same("tricky enable description", got.TrickyEnable, strings.TrimSuffix(strings.Split(hostileFeatureDesc, "\n")[0], "."))
	same("tricky greeting option", got.TrickyGreeting, struct{ Default, Description string }{hostileGreeting, hostileGreetingDoc})
	same("tricky mode values", got.TrickyModes, hostileModes)
	same("tricky environment.etc.trickydom.text", got.TrickyDomain, hostileFeatureDom)
	same("tricky conditional text", got.TrickyWhenText, hostileWhenText)
	same("tricky condition for each mode "+fmt.Sprint(hostileModes), got.TrickyWhen, []bool{false, true, false})

	// The services' blocks, found by what they set: beside them are the
	// blocks of each machine's firewall.
	block := func(path ...any) map[string]any {
		for _, b := range got.Services {
			if dig(b, path...) != nil {
				return b
			}
		}
		t.Fatalf("services/defaults.nix has no block setting %v: %v", path, got.Services)
		return nil
	}
	var targets []any
	for _, m := range hostileMachines {
		host := m + ".example.test" // [fleet] domain
		switch m {
		case "with":
			host = hostileAddress
		case "a-b":
			host = hostileAddress2
		}
		targets = append(targets, host+":9100")
	}
	same("scrape targets", nodeTargets(t, dir), targets)
	haproxy, _ := dig(block("services", "haproxy", "config"), "services", "haproxy", "config").(string)
	// The frontend's port and health check are the machine's settings.
	for _, want := range []string{"\n  bind *:8443\n", "\n  server a-b " + hostileAddress2 + ":9100 check\n", "\n  server with " + hostileAddress + ":9100 check\n", "\n  option httpchk GET /ready\n"} {
		if !strings.Contains(haproxy, want) {
			t.Errorf("haproxy config %q does not hold %q", haproxy, want)
		}
	}
	backupClient := dig(block("shoal", "features", "backup-client"), "shoal", "features", "backup-client")
	same("backup schedule from [services.backup]", dig(backupClient, "schedule"), hostileSchedule)
	same("backup paths from [services.backup]", dig(backupClient, "paths"), []any{hostileBackupPath})
	same("backup repository", dig(block("services", "restic", "backups", "shoal", "repository"), "services", "restic", "backups", "shoal", "repository"), hostileRepository+"HOST")
	same("loki URL", dig(block("systemd", "services", "alloy", "environment", "SHOAL_LOKI_URL"), "systemd", "services", "alloy", "environment", "SHOAL_LOKI_URL"), "http://"+hostileAddress+":3100/loki/api/v1/push")

	same("nixd options expression", dig(got.Nixd, "options", "nixos", "expr"), `(builtins.getFlake (toString ./.)).nixosConfigurations."with".options`)
}

// dig follows keys (strings) and indexes (ints) into decoded JSON.
func dig(v any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, _ := v.(map[string]any)
			v = m[k]
		case int:
			l, _ := v.([]any)
			if k >= len(l) {
				return nil
			}
			v = l[k]
		}
	}
	return v
}

// TestInvalidNamesNeverReachTheGenerator holds shoal check to refusing the
// names the generator could not write as they are (a machine name is a
// directory and a host name; a user name is a login): each is an error, so
// shoal gen, which generates only a fleet without errors, never sees it.
func TestInvalidNamesNeverReachTheGenerator(t *testing.T) {
	const head = "[fleet]\nname = \"t\"\nnixos = \"26.05\"\nadmin_keys = [\"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExampleAdminKeyExample admin@example\"]\n[defaults]\nstate_version = \"26.05\"\n"
	cases := map[string]string{}
	for _, name := range []string{"a b", "a/b", "..", "../x", "x\\y", "grüße", "-x", "x-", "${x}", "a\"b", "a.b", "a'b", "", strings.Repeat("a", 64)} {
		cases["machine "+tomlString(name)] = "[machines." + tomlString(name) + "]\n"
		cases["host name "+tomlString(name)] = "[machines.ok]\nhostname = " + tomlString(name) + "\n"
	}
	for _, name := range []string{"a b", "A", "a/b", "1x", "${x}", "a.b", "ü", strings.Repeat("a", 33)} {
		cases["user "+tomlString(name)] = "[users." + tomlString(name) + "]\n[machines.ok]\nusers = [" + tomlString(name) + "]\n"
	}
	for what, body := range cases {
		src := []byte(head + body)
		res := check.RunSource(fstest.MapFS{check.FleetFile: {Data: src}}, ".", "", src)
		found := false
		for _, d := range res.Diags {
			if d.Code == diag.CodeInvalidName {
				found = true
			}
		}
		if !found || !res.Diags.HasErrors() {
			t.Errorf("%s: shoal check reports no invalid name (%s), so the generator would see it:\n%s", what, diag.CodeInvalidName, describe(res.Diags))
		}
	}
}

// nodeTargets returns the targets of the generated node scrape job's
// file_sd file in the flake at dir, in file order.
func nodeTargets(t *testing.T, dir string) []any {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, layout.ScrapeTargets("node")))
	if err != nil {
		t.Fatal(err)
	}
	var groups []struct{ Targets []string }
	if err := json.Unmarshal(stripYAMLComments(data), &groups); err != nil {
		t.Fatalf("%s: %v", layout.ScrapeTargets("node"), err)
	}
	var out []any
	for _, g := range groups {
		for _, target := range g.Targets {
			out = append(out, target)
		}
	}
	return out
}

// stripYAMLComments drops the comment lines that head a generated YAML
// file, leaving its JSON body.
func stripYAMLComments(data []byte) []byte {
	var b bytes.Buffer
	for _, line := range strings.SplitAfter(string(data), "\n") {
		if !strings.HasPrefix(line, "#") {
			b.WriteString(line)
		}
	}
	return b.Bytes()
}
