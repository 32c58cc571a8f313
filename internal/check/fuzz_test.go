package check_test

import (
	"io/fs"
	"testing"
	"testing/fstest"

	"github.com/shoal-nix/shoal/examples"
	"github.com/shoal-nix/shoal/internal/check"
	"github.com/shoal-nix/shoal/internal/synth"
)

// fuzzHead is a valid start of a fleet file for the seeds below, which add
// one mistake each.
const fuzzHead = `[fleet]
name = "fuzz"
nixos = "26.05"
admin_keys = ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFuzzKeyFuzzKeyFuzzKeyFuzz admin@fuzz"]

[defaults]
state_version = "26.05"

`

// fuzzSeeds are small fleets, each the kind of input one rule looks at;
// the second element is a local feature, features/x/feature.toml, or "".
var fuzzSeeds = [][2]string{
	{"", ""},
	{"[fleet\nname = 1", ""},
	{"a = 1\na = 2\n[t]\n[t]\nb.c = 1\nb = 2\n", ""},
	{"x = \"\xff\"", ""},
	{"a = [[[[[[[[1]]]]]]]]\nb = {c = {d = {e = [1, {f = 2}]}}}\n[[g]]\n[[g]]\nh = 1979-05-27T07:32:00Z\n", ""},
	{fuzzHead + "[machines.web]\nprofle = \"server\"\nhardware = { cpu = \"risc\", memory = \"lots\", cores = 0 }\n", ""},
	{fuzzHead + "[machines.web]\nprofile = 1\nfeatures = \"ssh\"\ntags = [\"Bad Tag\"]\nusers = [2]\n", ""},
	{fuzzHead + "[machines.\"bad name\"]\n[users.Root]\n[users.bob]\nssh_keys = [\"not a key\"]\nshell = \"tcsh\"\n", ""},
	{"[fleet]\nnixos = \"26.04\"\n[machines.web]\nsystem = \"riscv64-linux\"\naddress = \"a b\"\nmodules = [\"../x.nix\", \"missing.nix\"]\n", ""},
	{fuzzHead + "[machines.web]\nprofile = \"servr\"\nfeatures = [\"dockr\", \"x\"]\nusers = [\"alise\"]\nsettings.ssh.prot = 2\nsettings.zram.memory_percent = 500\nsettings.desktop.environment = \"kde\"\n", ""},
	{fuzzHead + "[machines.web]\nprofile = \"server\"\nfeatures = [\"desktop\", \"gaming\", \"gpu-nvidia\", \"laptop\"]\nsystem = \"aarch64-linux\"\nhardware = { cpu = \"arm\", form = \"server\", memory = \"1GiB\", disk = \"8GB\" }\n", ""},
	{fuzzHead + "[machines.dev]\nprofile = \"developer\"\nfeatures = [\"podman\", \"laptop\"]\nsettings.podman.docker_compat = true\nsettings.laptop.power_manager = \"tlp\"\nhardware.form = \"laptop\"\n", ""},
	{fuzzHead + "[machines.a]\naddress = \"10.0.0.1\"\n[machines.b]\naddress = \"10.0.0.1\"\nhostname = \"A\"\n[services.monitoring]\nagents = [\"@all\"]\n[services.backup]\nclients = [\"@nope\", \"c\"]\nkeep_daily = -1\n[services.load_balancer]\nfrontends = [\"a\"]\nport = 70000\n", ""},
	{fuzzHead + "[machines.box]\nprofile = \"server\"\nfeatures = [\"docker\", \"podman\"]\nsettings.laptop.power_manager = \"tlp\"\n[defaults.settings.nix]\ngc_keep = 3\n", ""},
	{"[fleet]\nname = \"x\"\n[machines.vps]\naddress = \"203.0.113.9\"\nsettings.ssh.password_authentication = true\n", ""},
	{fuzzHead + "[machines.web]\nfeatures = [\"x\"]\nsettings.x.level = \"high\"\nnixos.\"services.openssh.openFirewall\" = true\nnixos.services = { a = 1 }\n",
		"description = \"A local feature\"\nlifecycle = \"deprecated\"\nreplacement = \"ssh\"\nrequires = [\"x\", \"nope\"]\nprovides = [\"container-runtime\"]\n" +
			"[settings.level]\ntype = \"enum\"\nvalues = [\"low\", \"high\"]\ndefault = \"medium\"\n[settings.n]\ntype = \"int\"\nmin = 1\nmax = 3\n" +
			"[[settings.n.derive]]\nwhen = { \"hardware.cpu\" = \"amd\" }\nvalue = 9\n[[conflicts]]\nfeature = \"docker\"\nwhen = { \"x.level\" = \"high\" }\n" +
			"[[ports]]\nsetting = \"n\"\n[[health]]\nname = \"x\"\nunit = \"x.service\"\n[hardware]\ngpu = [\"amd\"]\n[resources]\nmemory = \"64GiB\"\n" +
			"[nixos]\n\"services.x.enable\" = true\n[[nixos_when]]\nwhen = { \"x.level\" = \"low\" }\nset = { \"services.x.level\" = { setting = \"level\" } }\n"},
	{fuzzHead + "[machines.web]\nfeatures = [\"x\"]\n", "description = 1\nunknown = true\n[settings.s]\ntype = \"float\"\n[[conflicts]]\nfeature = 2\n"},
	{fuzzHead + "[machines.web]\nfeatures = [\"x\"]\n", "[broken\n"},
}

// FuzzCheck runs the whole pipeline on arbitrary fleet files and local
// features. Whatever the input, it must not panic, and every diagnostic
// must have a code, a summary and a position a user can go to.
func FuzzCheck(f *testing.F) {
	homelab, err := fs.ReadFile(examples.FS, "homelab/shoal.toml")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(homelab, []byte(nil))
	f.Add(synth.Fleet(5, 1), []byte(nil))
	for _, s := range fuzzSeeds {
		f.Add([]byte(s[0]), []byte(s[1]))
	}

	f.Fuzz(func(t *testing.T, fleetSrc, featureSrc []byte) {
		fsys := fstest.MapFS{check.FleetFile: {Data: fleetSrc}}
		inputs := map[string][]byte{check.FleetFile: fleetSrc}
		if len(featureSrc) > 0 {
			fsys["features/x/feature.toml"] = &fstest.MapFile{Data: featureSrc}
			inputs["features/x/feature.toml"] = featureSrc
		}
		res := check.RunSource(fsys, ".", "", fleetSrc)
		for _, d := range res.Diags {
			if d.Code == "" || d.Summary == "" {
				t.Errorf("diagnostic without code or summary: %#v", d)
			}
			if src, ok := inputs[d.File]; !d.Pos.Known() && (!ok || len(src) > 0) {
				t.Errorf("diagnostic without a position: %v (path %v)", d, d.Path)
			}
		}
	})
}
