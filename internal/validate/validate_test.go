package validate_test

import (
	"strings"
	"testing"
	"testing/fstest"

	"github.com/shoal-nix/shoal/internal/catalog"
	"github.com/shoal-nix/shoal/internal/diag"
	"github.com/shoal-nix/shoal/internal/fleet"
	"github.com/shoal-nix/shoal/internal/resolve"
	"github.com/shoal-nix/shoal/internal/tomltree"
	"github.com/shoal-nix/shoal/internal/validate"
)

// head starts every fleet of these tests: a fleet with an admin key and a
// state version, so that only what a case adds can be wrong.
const head = `[fleet]
name = "t"
nixos = "26.05"
admin_keys = ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExampleAdminKeyExample admin@example"]

[defaults]
state_version = "26.05"
`

// validateFleet parses, loads and resolves a fleet whose shoal.toml is src
// and whose own features are local (file name to content), and returns
// what validate.Fleet says about it, one line per diagnostic:
// "CODE severity path: summary", with "  hint: ..." and "  related path:
// message" lines. The fleet must be clean up to validation, so that each
// case tests validate alone. Every path validate emits must be written in
// its file: a diagnostic's position comes from its path.
//
// Whether a machine says how it boots (SH073) is left out: these cases
// leave it unsaid; boot_test.go tests that rule with validateFleetAll.
func validateFleet(t *testing.T, src string, local map[string]string) string {
	t.Helper()
	return validateFleetAll(t, src, local, func(c diag.Code) bool { return c != diag.CodeNoBoot })
}

// validateFleetAll is validateFleet with the diagnostics whose code keep
// accepts.
func validateFleetAll(t *testing.T, src string, local map[string]string, keep func(diag.Code) bool) string {
	t.Helper()
	f, diags := fleet.Parse("shoal.toml", []byte(src))
	fsys := fstest.MapFS{}
	for name, data := range local {
		fsys[name] = &fstest.MapFile{Data: []byte(data)}
	}
	base, more := catalog.Builtin()
	diags = append(diags, more...)
	cat, more := base.WithLocal(fsys, ".", "")
	diags = append(diags, more...)
	rf, more := resolve.Resolve(f, cat)
	diags = append(diags, more...)
	if len(diags) > 0 {
		t.Fatalf("the fleet is not clean before validation:\n%v", diags)
	}
	docs := map[string]*tomltree.Doc{"shoal.toml": f.Doc}
	for name, doc := range cat.Docs {
		docs[name] = doc
	}
	written := func(file string, p diag.Path) {
		t.Helper()
		doc := docs[file]
		if doc == nil {
			t.Errorf("path %s is in %s, which was not read", p, file)
			return
		}
		if _, exact := doc.Lookup(p); !exact {
			t.Errorf("path %s is not written in %s", p, file)
		}
	}
	var b strings.Builder
	for _, d := range validate.Fleet(rf) {
		if !keep(d.Code) {
			continue
		}
		written(d.File, d.Path)
		info, ok := d.Code.Info()
		if !ok || info.Severity != d.Severity {
			t.Errorf("%s is %s; the registry says %+v", d.Code, d.Severity, info)
		}
		b.WriteString(string(d.Code) + " " + d.Severity.String() + " " + d.Path.String() + ": " + d.Summary + "\n")
		if d.Hint != "" {
			b.WriteString("  hint: " + d.Hint + "\n")
		}
		for _, r := range d.Related {
			written(r.File, r.Path)
			b.WriteString("  related " + r.Path.String() + ": " + r.Message + "\n")
		}
	}
	return b.String()
}

type ruleCase struct {
	name  string
	src   string            // appended to head
	local map[string]string // the fleet's own features
	want  string            // as validateFleet renders it; "" for clean
}

func runCases(t *testing.T, cases []ruleCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := validateFleet(t, head+c.src, c.local)
			if got != c.want {
				t.Errorf("got:\n%s\nwant:\n%s", got, c.want)
			}
		})
	}
}

func TestConflicts(t *testing.T) {
	// Two local features that each declare the conflict.
	mutual := map[string]string{
		"features/left/feature.toml":  "description = \"L\"\n[[conflicts]]\nfeature = \"right\"\n",
		"features/right/feature.toml": "description = \"R\"\n[[conflicts]]\nfeature = \"left\"\nreason = \"they share a port\"\n",
	}
	runCases(t, []ruleCase{{
		name:  "a pair that conflicts both ways is reported once, with the reason either side gives",
		src:   "[machines.web]\nprofile = \"server\"\nfeatures = [\"left\", \"right\"]\n",
		local: mutual,
		want: "SH041 error $.machines.web.features.0: feature left conflicts with right on web\n" +
			"  hint: they share a port\n" +
			"  related $.machines.web.features.1: right is enabled here\n",
	}, {
		name:  "features on different machines do not conflict",
		src:   "[machines.a]\nprofile = \"server\"\nfeatures = [\"left\"]\n[machines.b]\nprofile = \"server\"\nfeatures = [\"right\"]\n",
		local: mutual,
	}, {
		name: "a conditional conflict holds only when its condition does",
		src: "[machines.dev]\nprofile = \"developer\"\nfeatures = [\"podman\"]\nsettings.podman.docker_compat = false\n" +
			"[machines.ci]\nprofile = \"developer\"\nfeatures = [\"podman\"]\nsettings.podman.docker_compat = true\nsettings.podman.docker_socket = false\n",
		want: "SH041 error $.machines.ci.features.0: feature podman conflicts with docker on ci when podman.docker_compat = true\n" +
			"  hint: NixOS refuses podman's docker command beside Docker (podman/default.nix: \"Option dockerCompat conflicts with docker\"); set podman.docker_compat = false or remove docker\n" +
			"  related $.machines.ci.profile: docker is enabled by profile developer\n" +
			"  related $.machines.ci.settings.podman.docker_compat: podman.docker_compat is set to true here\n",
	}})
}

func TestProvides(t *testing.T) {
	vpn := func(name string) string { return "description = \"" + name + "\"\nprovides = [\"vpn\"]\n" }
	runCases(t, []ruleCase{{
		name: "the second provider is reported, pointing at the first",
		src:  "[machines.gw]\nprofile = \"server\"\nfeatures = [\"wg\", \"ovpn\"]\n",
		local: map[string]string{
			"features/wg/feature.toml":   vpn("wg"),
			"features/ovpn/feature.toml": vpn("ovpn"),
		},
		want: "SH042 error $.machines.gw.features.0: features ovpn and wg both provide vpn on gw\n" +
			"  hint: a machine can have one provider of vpn; remove one of them\n" +
			"  related $.machines.gw.features.1: ovpn is enabled here\n",
	}})
}

func TestExcluded(t *testing.T) {
	runCases(t, []ruleCase{{
		name:  "an excluded feature required by an allowed one names the one to remove",
		src:   "[machines.web]\nprofile = \"server\"\nfeatures = [\"kiosk\"]\n",
		local: map[string]string{"features/kiosk/feature.toml": "description = \"K\"\nrequires = [\"desktop\"]\n"},
		want: "SH045 error $.machines.web.features.0: feature desktop, required by kiosk, cannot be used with profile server\n" +
			"  hint: profile server excludes it (a headless machine that serves others); use profile base, desktop or developer, or remove kiosk, which requires it\n" +
			"  related $.machines.web.profile: the machine's profile is server\n",
	}, {
		name: "a feature is allowed by every profile that does not exclude it",
		src:  "[machines.web]\nprofile = \"base\"\nfeatures = [\"desktop\"]\n",
	}})
}

func TestHardware(t *testing.T) {
	runCases(t, []ruleCase{{
		name: "what the machine does not say is not judged",
		src:  "[machines.web]\nprofile = \"base\"\nfeatures = [\"laptop\"]\nhardware = { cpu = \"amd\" }\n",
	}, {
		name: "a GPU need is met by any listed GPU",
		src:  "[machines.ws]\nprofile = \"base\"\nfeatures = [\"gpu-nvidia\"]\nhardware = { gpu = [\"amd\", \"nvidia\"] }\n",
	}, {
		name: "a hardware table without gpu is the fact pointed at",
		src:  "[machines.ws]\nprofile = \"base\"\nfeatures = [\"gpu-amd\"]\nhardware = { cpu = \"amd\" }\n",
		want: "SH050 error $.machines.ws.features.0: feature gpu-amd needs an amd GPU, but ws has no GPU listed\n" +
			"  hint: add gpu = [\"amd\"] to the machine's hardware if it has one, or remove gpu-amd\n" +
			"  related $.machines.ws.hardware: the hardware of ws, with no gpu\n",
	}, {
		name: "a written system is the fact pointed at",
		src:  "[machines.pi]\nprofile = \"base\"\nsystem = \"aarch64-linux\"\nfeatures = [\"gaming\"]\n",
		want: "SH050 error $.machines.pi.features.0: feature gaming needs x86_64-linux, but pi is aarch64-linux\n" +
			"  related $.machines.pi.system: the system of pi\n",
	}})
}

func TestResources(t *testing.T) {
	runCases(t, []ruleCase{{
		name: "no memory or disk given: nothing to compare",
		src:  "[machines.dev]\nprofile = \"developer\"\n",
	}, {
		name: "enough for everything",
		src:  "[machines.dev]\nprofile = \"developer\"\nhardware = { memory = \"64GiB\", disk = \"2TB\" }\n",
	}, {
		name: "one feature short says wants, with the memory hint",
		src:  "[machines.dev]\nprofile = \"developer\"\nhardware = { memory = \"6GiB\" }\n",
		want: "SH051 warning $.machines.dev.hardware.memory: dev has 6GiB of memory, less than development (8GiB) wants\n" +
			"  hint: it will run, slowly; consider the zram feature or more memory\n" +
			"  related $.machines.dev.profile: development is enabled by profile developer\n",
	}})
}

func TestSecurity(t *testing.T) {
	noAdmin := strings.Replace(head, "admin_keys", "# admin_keys", 1)
	cases := []struct {
		name, src, want string
	}{{
		name: "a user with a key on the machine can log in",
		src: "[users.alice]\nssh_keys = [\"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExampleAdminKeyExample alice@example\"]\n" +
			"[machines.web]\nprofile = \"base\"\nusers = [\"alice\"]\n",
	}, {
		name: "a user with a key elsewhere does not help",
		src: "[users.alice]\nssh_keys = [\"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExampleAdminKeyExample alice@example\"]\n" +
			"[machines.web]\nprofile = \"base\"\n[machines.db]\nprofile = \"base\"\nusers = [\"alice\"]\n",
		want: "SH070 warning $.machines.web: nobody can log in to web over SSH: no user on it has an SSH key and [fleet] has no admin_keys\n" +
			"  hint: add admin_keys to [fleet], or a user with ssh_keys to the machine's users; password login is off\n",
	}, {
		name: "password login on a private address is no lockout and no warning",
		src:  "[machines.home]\nprofile = \"base\"\naddress = \"192.168.1.5\"\nsettings.ssh.password_authentication = true\n",
	}}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := validateFleet(t, noAdmin+c.src, nil); got != c.want {
				t.Errorf("got:\n%s\nwant:\n%s", got, c.want)
			}
		})
	}
	runCases(t, []ruleCase{{
		name: "password login on a public machine is reported where it is turned on",
		src:  "[defaults.settings.ssh]\npassword_authentication = true\n[machines.edge]\nprofile = \"base\"\npublic = true\n",
		want: "SH071 warning $.defaults.settings.ssh.password_authentication: SSH password login is on for edge, which is marked public\n" +
			"  hint: set settings.ssh.password_authentication = false and log in with keys\n" +
			"  related $.machines.edge.public: edge is marked public here\n",
	}})
}

func TestDuplicates(t *testing.T) {
	runCases(t, []ruleCase{{
		name: "addresses are compared without case; the later machine is reported",
		src:  "[machines.nas]\nprofile = \"base\"\naddress = \"NAS.home.arpa\"\n[machines.backup]\nprofile = \"base\"\naddress = \"nas.home.arpa\"\n",
		want: "SH060 error $.machines.backup.address: machines nas and backup have the same address nas.home.arpa\n" +
			"  hint: each machine needs its own address for deploy to reach it\n" +
			"  related $.machines.nas.address: address of nas\n",
	}, {
		name: "a machine's name is its host name",
		src:  "[machines.web]\nprofile = \"base\"\n[machines.web2]\nprofile = \"base\"\nhostname = \"Web\"\n",
		want: "SH061 error $.machines.web2.hostname: machines web and web2 have the same host name Web\n" +
			"  hint: host names are compared without case; give one a different hostname\n" +
			"  related $.machines.web: host name of web\n",
	}, {
		name: "machines without an address do not clash",
		src:  "[machines.a]\nprofile = \"base\"\n[machines.b]\nprofile = \"base\"\n",
	}})
}

func TestServices(t *testing.T) {
	runCases(t, []ruleCase{{
		name: "backup clients with a repository need no server",
		src:  "[machines.web]\nprofile = \"server\"\n[services.backup]\nclients = [\"web\"]\nrepository = \"s3:bucket\"\n",
		// The secret files it reads are secrets' business (SH105).
	}, {
		name: "a load balancer with backends and no frontends is not reported",
		src:  "[machines.web]\nprofile = \"server\"\n[services.load_balancer]\nbackends = [\"web\"]\n",
	}, {
		name: "two servers: a warning, agents go to the first",
		src: "[machines.a]\nprofile = \"server\"\naddress = \"10.0.0.1\"\n[machines.b]\nprofile = \"server\"\n[machines.c]\nprofile = \"server\"\n" +
			"[services.logs]\nserver = [\"a\", \"b\"]\nagents = [\"c\"]\n",
		want: "SH066 warning $.services.logs.server: services.logs has 2 servers; agents are wired to the first only\n" +
			"  hint: name one server; shoal does not yet spread agents over several\n",
	}, {
		name: "alerts mailed with no mail server are an error",
		src: "[machines.mon]\nprofile = \"server\"\n" +
			"[services.monitoring]\nserver = [\"mon\"]\nalert_email = \"ops@example.org\"\n",
		want: "SH079 error $.services.monitoring.alert_email: alerts go to ops@example.org, but services.monitoring names no smtp_server to send them through\n" +
			"  hint: add smtp_server = \"mail.example.com:587\" to [services.monitoring], and smtp_user when the server wants a login (its password is then the secret smtp-password)\n",
	}, {
		name: "alerts mailed through a mail server check clean",
		src: "[machines.mon]\nprofile = \"server\"\n" +
			"[services.monitoring]\nserver = [\"mon\"]\nalert_email = \"ops@example.org\"\nsmtp_server = \"mail.example.org:587\"\nsmtp_user = \"alerts\"\n",
	}, {
		name: "a relay on port 25 needs no login",
		src: "[machines.mon]\nprofile = \"server\"\n" +
			"[services.monitoring]\nserver = [\"mon\"]\nalert_email = \"ops@example.org\"\nsmtp_server = \"relay.example.org:25\"\n",
	}, {
		name: "a submission port without a login",
		src: "[machines.mon]\nprofile = \"server\"\n" +
			"[services.monitoring]\nserver = [\"mon\"]\nalert_email = \"ops@example.org\"\nsmtp_server = \"mail.example.org:465\"\n",
		want: "SH127 warning $.services.monitoring.smtp_server: alerts are mailed through mail.example.org:465, a submission port, but services.monitoring has no smtp_user to log in as\n" +
			"  hint: mail servers take mail on port 465 from users who log in: add smtp_user = \"alerts\" (shoal check then asks for its password as [secrets.smtp-password], from an age file or a command); or use a relay on port 25 that needs no login\n",
	}, {
		name: "a webhook over plain http inside the fleet is fine",
		src: "[machines.mon]\nprofile = \"server\"\n" +
			"[services.monitoring]\nserver = [\"mon\"]\nalert_webhook = \"http://10.0.0.5:8080/hook\"\n",
	}, {
		name: "a webhook over plain http to the internet",
		src: "[machines.mon]\nprofile = \"server\"\n" +
			"[services.monitoring]\nserver = [\"mon\"]\nalert_webhook = \"http://hooks.example.net/alerts\"\n",
		want: "SH128 warning $.services.monitoring.alert_webhook: alerts are posted to hooks.example.net over plain http, unencrypted across networks the fleet does not control\n" +
			"  hint: use an https:// URL; plain http is fine for a host on the fleet's own networks (an address in a private range or a machine of the fleet)\n",
	}})
}

// TestOperations covers the rules that catch what an operator wants to know
// before a deploy (SH125-SH129), beside SH063; other codes the fleets
// bring (missing addresses, secret files, boot) are left out.
func TestOperations(t *testing.T) {
	keep := func(c diag.Code) bool {
		return c == diag.CodeNoServer || c >= diag.CodeRoleNoMachine && c <= diag.CodeBackupToItself
	}
	for _, c := range []ruleCase{{
		name: "a service with no role",
		src:  "[machines.a]\nprofile = \"server\"\n[services.logs]\nretention = \"24h\"\n",
		want: "SH125 warning $.services.logs: services.logs names no machine: it does nothing\n" +
			"  hint: give its roles machines (server, agents), such as agents = [\"@all\"], or remove [services.logs]\n",
	}, {
		name: "an empty role that nothing needs",
		src:  "[machines.a]\nprofile = \"server\"\n[services.logs]\nserver = [\"a\"]\nagents = []\n",
		want: "SH125 warning $.services.logs.agents: services.logs.agents names no machine\n" +
			"  hint: name machines or tags (agents = [\"@all\"]), or remove the line\n",
	}, {
		name: "an empty role that another needs is SH063's",
		src:  "[machines.a]\nprofile = \"server\"\n[services.logs]\nserver = []\nagents = [\"a\"]\n",
		want: "SH063 error $.services.logs.agents: services.logs has agents but no server\n" +
			"  hint: add server = [\"MACHINE\"] to [services.logs]\n",
	}, {
		name: "a monitoring server with too little disk",
		src: "[machines.mon]\nprofile = \"server\"\naddress = \"10.0.0.1\"\nhardware = { disk = \"20GiB\" }\n" +
			"[machines.a]\nprofile = \"server\"\naddress = \"10.0.0.2\"\n" +
			"[services.monitoring]\nserver = [\"mon\"]\nagents = [\"@all\"]\nretention = \"2y\"\nscrape_interval = \"15s\"\n",
		want: "SH126 warning $.services.monitoring.retention: Prometheus on mon needs about 47GiB of disk for 2y of samples, more than its 20GiB\n" +
			"  hint: the estimate: 4000 series (2 node × 1500 + 1 prometheus × 1000) scraped every 15s is 267 samples/s; × 2y × 2 bytes a sample × 1.5 for the write-ahead log and compaction. Shorten retention, scrape less often, or give the server more disk\n" +
			"  related $.machines.mon: the monitoring server is mon\n",
	}, {
		name: "a log server with too little disk for its agents' logs",
		src: "[machines.logs]\nprofile = \"server\"\naddress = \"10.0.0.1\"\nhardware = { disk = \"20GiB\" }\n" +
			"[machines.a]\nprofile = \"server\"\naddress = \"10.0.0.2\"\n" +
			"[services.logs]\nserver = [\"logs\"]\nagents = [\"@all\"]\nretention = \"2160h\"\ndaily_volume = \"100MiB\"\n",
		want: "SH126 warning $.services.logs.retention: Loki on logs needs about 27GiB of disk for 2160h of logs, more than its 20GiB\n" +
			"  hint: the estimate: 2 agents × 100MiB a day (services.logs.daily_volume) × 2160h × 1.5 for the index, write-ahead log and compaction. Shorten retention, set daily_volume to what your machines log (the estimate's default is 50MiB a machine), or give the server more disk\n" +
			"  related $.machines.logs: the log server is logs\n",
	}, {
		name: "Prometheus and Loki on one machine: their disks add up",
		src: "[machines.mon]\nprofile = \"server\"\naddress = \"10.0.0.1\"\nhardware = { disk = \"40GiB\" }\n" +
			"[machines.a]\nprofile = \"server\"\naddress = \"10.0.0.2\"\n" +
			"[services.monitoring]\nserver = [\"mon\"]\nagents = [\"@all\"]\nretention = \"1y\"\nscrape_interval = \"15s\"\n" +
			"[services.logs]\nserver = [\"mon\"]\nagents = [\"@all\"]\nretention = \"2160h\"\ndaily_volume = \"100MiB\"\n",
		want: "SH126 warning $.services.monitoring.retention: Prometheus and Loki on mon need about 59GiB of disk (33GiB for 1y of samples, 27GiB for 2160h of logs), more than its 40GiB\n" +
			"  hint: the estimates: Prometheus: 5500 series (2 node × 1500 + 1 prometheus × 1000 + 1 loki × 1500) scraped every 15s is 367 samples/s; × 1y × 2 bytes a sample × 1.5 for the write-ahead log and compaction; Loki: 2 agents × 100MiB a day (services.logs.daily_volume) × 2160h × 1.5 for the index, write-ahead log and compaction. Shorten retention, scrape less often, or give the server more disk\n" +
			"  related $.machines.mon: the monitoring server is mon\n",
	}, {
		name: "a monitoring server with enough disk",
		src: "[machines.mon]\nprofile = \"server\"\naddress = \"10.0.0.1\"\nhardware = { disk = \"100GB\" }\n" +
			"[services.monitoring]\nserver = [\"mon\"]\nagents = [\"@all\"]\nretention = \"1y\"\n",
	}, {
		name: "the backup server backs up to itself",
		src: "[machines.nas]\nprofile = \"server\"\naddress = \"10.0.0.1\"\n" +
			"[services.backup]\nserver = [\"nas\"]\nclients = [\"nas\"]\nno_auth = true\n",
		want: "SH129 warning $.services.backup.clients: nas backs up to itself: it is services.backup's server, so a failure of its disks takes the backups with them\n" +
			"  hint: leave nas out of clients and copy its repositories elsewhere (docs/recovery.md: restic copy to a second repository, or the data directory to another site)\n" +
			"  related $.machines.nas: nas is here\n",
	}} {
		t.Run(c.name, func(t *testing.T) {
			if got := validateFleetAll(t, head+c.src, c.local, keep); got != c.want {
				t.Errorf("got:\n%s\nwant:\n%s", got, c.want)
			}
		})
	}
}

func TestRequiresCycles(t *testing.T) {
	runCases(t, []ruleCase{{
		name: "a cycle is reported once, not from each member",
		src:  "[machines.web]\nprofile = \"server\"\nfeatures = [\"a\"]\n",
		local: map[string]string{
			"features/a/feature.toml": "description = \"A\"\nrequires = [\"b\"]\n",
			"features/b/feature.toml": "description = \"B\"\nrequires = [\"a\"]\n",
		},
		want: "SH040 error $.requires.0: features require each other in a cycle: a -> b -> a\n" +
			"  hint: break the cycle: one of these features must not require the next\n",
	}, {
		name: "a chain into the built-in catalog is no cycle",
		src:  "[machines.web]\nprofile = \"server\"\nfeatures = [\"a\"]\n",
		local: map[string]string{
			"features/a/feature.toml": "description = \"A\"\nrequires = [\"b\", \"zram\"]\n",
			"features/b/feature.toml": "description = \"B\"\nrequires = [\"zram\"]\n",
		},
	}})
}

func TestStateVersion(t *testing.T) {
	noSV := strings.Replace(head, "state_version", "# state_version", 1)
	unstable := strings.Replace(noSV, `nixos = "26.05"`, `nixos = "unstable"`, 1)
	for _, c := range []struct{ name, head, want string }{
		{"the hint names the fleet's release", strings.Replace(noSV, `nixos = "26.05"`, `nixos = "25.11"`, 1), "25.11"},
		{"an unstable fleet is told a release, not unstable", unstable, "26.05"},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := validateFleet(t, c.head+"[machines.web]\nprofile = \"server\"\n", nil)
			want := "SH072 error $.machines.web: web has no state_version\n" +
				"  hint: add state_version = \"" + c.want + "\" to [defaults] (the release the machine was installed with), or settings.core.state_version to the machine\n"
			if got != want {
				t.Errorf("got:\n%s\nwant:\n%s", got, want)
			}
		})
	}
}

func TestRawOptions(t *testing.T) {
	runCases(t, []ruleCase{{
		name: "an option outside the covered prefixes is not checked",
		src:  "[machines.web]\nprofile = \"server\"\nnixos.\"myapp.port\" = \"not checked\"\n",
	}, {
		name: "an option and a sibling under one parent table are no clash",
		src:  "[machines.web]\nprofile = \"server\"\nnixos.\"myapp.settings\" = { a = 1 }\nnixos.\"myapp.settings.b\" = 2\n",
	}, {
		name: "an option inside a parent table that sets it already clashes",
		src:  "[machines.web]\nprofile = \"server\"\nnixos.\"myapp.settings\" = { b = 1 }\nnixos.\"myapp.settings.b\" = 2\n",
		want: "SH084 error $.machines.web.nixos.\"myapp.settings.b\": myapp.settings.b is set twice on web\n" +
			"  hint: set each option once: merge the two settings\n" +
			"  related $.machines.web.nixos.\"myapp.settings\": also set here\n",
	}, {
		name: "a path that is not an option path",
		src:  "[machines.web]\nprofile = \"server\"\nnixos.\"services..enable\" = true\n",
		want: "SH080 error $.machines.web.nixos.\"services..enable\": \"services..enable\" is not a NixOS option path: empty attribute name\n" +
			"  hint: write the option the way NixOS does, e.g. nixos.\"services.openssh.ports\"; quote names with dots: nixos.'services.nginx.virtualHosts.\"example.org\".root'\n",
	}, {
		name: "an option set given as a table is checked key by key",
		src:  "[machines.web]\nprofile = \"server\"\nnixos.\"services.openssh\" = { enable = \"yes\" }\n",
		want: "SH081 error $.machines.web.nixos.\"services.openssh\".enable: NixOS option services.openssh.enable: expected boolean, got string \"yes\"\n",
	}})
}

// TestAnchors checks where a finding about a feature points when the
// feature was not named on the machine: at what pulled it in, saying how.
func TestAnchors(t *testing.T) {
	runCases(t, []ruleCase{{
		name: "a feature a service role brings points at the role",
		src:  "[machines.logs]\nprofile = \"server\"\nhardware = { memory = \"512MiB\" }\n[services.logs]\nserver = [\"logs\"]\n",
		want: "SH051 warning $.machines.logs.hardware.memory: logs has 512MiB of memory, less than log-server (1GiB) wants\n" +
			"  hint: it will run, slowly; consider the zram feature or more memory\n" +
			"  related $.services.logs.server.0: log-server comes with the role services.logs.server\n",
	}, {
		name:  "a required feature points at the feature that requires it",
		src:   "[machines.ci]\nprofile = \"server\"\nfeatures = [\"runner\"]\nhardware = { disk = \"10GiB\" }\n",
		local: map[string]string{"features/runner/feature.toml": "description = \"CI runner\"\nrequires = [\"docker\"]\n"},
		want: "SH052 warning $.machines.ci.hardware.disk: ci has 10GiB of disk, less than docker (20GiB) wants\n" +
			"  related $.machines.ci.features.0: docker is required by runner\n",
	}, {
		name: "a deprecated feature without a replacement gets no hint; pulled in, it says by what",
		src:  "[machines.web]\nprofile = \"server\"\nfeatures = [\"wrap\"]\n",
		local: map[string]string{
			"features/wrap/feature.toml": "description = \"W\"\nrequires = [\"old\"]\n",
			"features/old/feature.toml":  "description = \"O\"\nlifecycle = \"deprecated\"\n",
		},
		want: "SH043 warning $.machines.web.features.0: feature old is deprecated\n" +
			"  related $.machines.web.features.0: old is required by wrap\n",
	}})
}

func TestRawOptionLookups(t *testing.T) {
	runCases(t, []ruleCase{{
		name: "one typo from a covered prefix is a warning, not an error",
		src:  "[machines.web]\nprofile = \"server\"\nnixos.\"servics.nginx.enable\" = true\n",
		want: "SH083 warning $.machines.web.nixos.\"servics.nginx.enable\": servics.nginx.enable is not in shoal's NixOS options index, so it is not checked\n" +
			"  hint: did you mean \"services.nginx.enable\"?\n",
	}, {
		name: "a read-only option is reported without checking its value",
		src:  "[machines.web]\nprofile = \"server\"\nnixos.\"networking.fqdnOrHostName\" = 42\n",
		want: "SH082 error $.machines.web.nixos.\"networking.fqdnOrHostName\": NixOS option networking.fqdnOrHostName is read-only: NixOS sets it itself\n" +
			"  hint: remove this setting\n",
	}, {
		name: "an unknown option without a near name gets no hint",
		src:  "[machines.web]\nprofile = \"server\"\nnixos.\"services.openssh.qqqqqqqqqqqq\" = 1\n",
		want: "SH080 error $.machines.web.nixos.\"services.openssh.qqqqqqqqqqqq\": unknown NixOS option services.openssh.qqqqqqqqqqqq\n",
	}})
}
