package gen

import (
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/shoal-nix/shoal/internal/catalog"
	"github.com/shoal-nix/shoal/internal/fleet"
	"github.com/shoal-nix/shoal/internal/nixlit"
	"github.com/shoal-nix/shoal/internal/resolve"
	"github.com/shoal-nix/shoal/internal/validate"
)

// This file shows what adding a fleet service takes: a test-only "syslog"
// service with a server and clients is one catalog file,
// services/syslog.toml, beside the features its roles bring (here two
// new ones; a service may reuse features the catalog has). No Go names
// it, except the one optional wiring function registered below for what
// the file cannot say as data.

// syslogCatalog is the built-in catalog plus the syslog service and the
// two features its roles bring.
var syslogCatalog = map[string]string{
	"services/syslog.toml": `description = "rsyslog: the clients forward their logs to one server"

[roles.server]
description = "The machine that keeps the fleet's logs"
feature = "syslog-server"
max = 1
port = "port"

[roles.clients]
description = "Machines that forward their logs to the server"
feature = "syslog-client"
needs = ["server"]

[options.keep_days]
description = "Days of logs the server keeps"
sets = "syslog-server.keep_days"

[[wire]]
role = "server"
comment = "syslog: the server's settings"

[[wire]]
role = "clients"
comment = "syslog: clients forward everything to the server over TCP"
set."services.rsyslogd.extraConfig" = "*.* @@${server}"
`,
	"features/syslog-server/feature.toml": `description = "rsyslog receiving the fleet's logs over TCP"

[settings.port]
type = "port"
default = 514
description = "Port rsyslog listens on"

[settings.keep_days]
type = "int"
min = 1
default = 14
description = "Days of logs kept"

[[ports]]
setting = "port"
description = "syslog"

[nixos]
"services.rsyslogd.enable" = true
`,
	"features/syslog-client/feature.toml": `description = "rsyslog forwarding this machine's logs to the fleet's syslog server"

[nixos]
"services.rsyslogd.enable" = true
`,
}

const syslogFleet = `[fleet]
name = "t"
nixos = "26.05"
admin_keys = ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExampleAdminKeyExample admin@example"]

[defaults]
state_version = "26.05"

[machines.logs]
profile = "server"
hardware.form = "container"
address = "10.0.0.10"

[machines.web1]
profile = "server"
hardware.form = "container"
address = "10.0.0.11"
tags = ["web"]

[machines.web2]
profile = "server"
hardware.form = "container"
address = "10.0.0.12"
tags = ["web"]

[services.syslog]
server = ["logs"]
clients = ["@web"]
keep_days = 30
`

// loadSyslogCatalog loads the built-in catalog's files from their
// directory, plus syslogCatalog.
func loadSyslogCatalog(t *testing.T) *catalog.Catalog {
	t.Helper()
	fsys := fstest.MapFS{}
	src := os.DirFS(filepath.Join("..", "catalog", "builtin"))
	err := fs.WalkDir(src, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(src, p)
		fsys[p] = &fstest.MapFile{Data: data}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	for name, text := range syslogCatalog {
		fsys[name] = &fstest.MapFile{Data: []byte(text)}
	}
	cat, diags := catalog.Load(fsys, ".", "catalog")
	if len(diags) > 0 {
		t.Fatalf("the catalog with syslog: %v", diags)
	}
	return cat
}

// resolveSyslog parses, resolves and validates a fleet against the syslog
// catalog and returns the resolved fleet and every diagnostic.
func resolveSyslog(t *testing.T, cat *catalog.Catalog, src string) (*resolve.Fleet, []string) {
	t.Helper()
	f, diags := fleet.Parse("shoal.toml", []byte(src))
	rf, rdiags := resolve.Resolve(f, cat)
	diags = append(diags, rdiags...)
	diags = append(diags, validate.Fleet(rf)...)
	var got []string
	for _, d := range diags {
		got = append(got, string(d.Code)+" "+d.Path.String()+": "+d.Summary)
	}
	return rf, got
}

func servicesModule(t *testing.T, rf *resolve.Fleet) string {
	t.Helper()
	files, err := Generate(rf, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if f.Path == "modules/services/defaults.nix" {
			return string(f.Data)
		}
	}
	t.Fatal("no modules/services/defaults.nix")
	return ""
}

// TestNewServiceIsCatalogData resolves, validates and wires the syslog
// service from its catalog file alone, then with a wiring function.
func TestNewServiceIsCatalogData(t *testing.T) {
	cat := loadSyslogCatalog(t)

	rf, diags := resolveSyslog(t, cat, syslogFleet)
	if len(diags) > 0 {
		t.Fatalf("diagnostics: %v", diags)
	}
	// Roles bring their features, and the option is a layer of the
	// setting it sets, as for the built-in services.
	web1 := rf.Machine("web1").Feature("syslog-client")
	if web1 == nil || web1.Reasons[0].Kind != resolve.ByService || web1.Reasons[0].Detail != "services.syslog.clients" {
		t.Fatalf("web1's syslog-client: %+v, want it from services.syslog.clients", web1)
	}
	keep := rf.Machine("logs").Feature("syslog-server").Value("keep_days")
	if keep.Value != int64(30) || keep.Origin.Kind != resolve.FromService || keep.Origin.Detail != "services.syslog.keep_days" {
		t.Errorf("keep_days on logs = %v from %+v, want 30 from services.syslog.keep_days", keep.Value, keep.Origin)
	}
	if rf.Machine("logs").Has("syslog-client") || rf.Machine("web2").Has("syslog-server") {
		t.Error("a role's feature reached a machine outside the role")
	}

	// Wired from the catalog file alone: the clients reach the server at
	// its address and the port its feature listens on.
	const clients = `    # syslog: clients forward everything to the server over TCP
    (lib.mkIf f.syslog-client.enable {
      services.rsyslogd.extraConfig = "*.* @@10.0.0.10:514";
    })
`
	const server = `    # syslog: the server's settings
    (lib.mkIf f.syslog-server.enable {
      # settings from [services.syslog]; a machine's own settings override them
      shoal.features.syslog-server = {
        keep_days = lib.mkOverride 900 30;
      };
`
	nix := servicesModule(t, rf)
	if !strings.Contains(nix, server+"    })\n"+clients) {
		t.Errorf("modules/services/defaults.nix:\n%s\nwant the blocks\n%s    })\n%s", nix, server, clients)
	}

	// What data cannot say (a list of the clients' addresses joined into
	// one rsyslog directive) is the service's one wiring function.
	wirings["syslog"] = func(g *generator, b *nodes, s *resolve.Service, role string, _ *fleet.Machine) []nixlit.Binding {
		if role != "server" {
			return nil
		}
		var senders []string
		for _, m := range s.Members("clients") {
			senders = append(senders, address(m))
		}
		return []nixlit.Binding{bind(b.data("$AllowedSender TCP, "+strings.Join(senders, ", ")), "services", "rsyslogd", "extraConfig")}
	}
	t.Cleanup(func() { delete(wirings, "syslog") })
	nix = servicesModule(t, rf)
	const allowed = `      services.rsyslogd.extraConfig = "$AllowedSender TCP, 10.0.0.11, 10.0.0.12";
    })
`
	if !strings.Contains(nix, server+allowed+clients) {
		t.Errorf("modules/services/defaults.nix:\n%s\nwant the blocks\n%s%s%s", nix, server, allowed, clients)
	}
	if nixInstantiate, err := exec.LookPath("nix-instantiate"); err == nil {
		file := filepath.Join(t.TempDir(), "defaults.nix")
		if err := os.WriteFile(file, []byte(nix), 0o644); err != nil {
			t.Fatal(err)
		}
		if out, err := exec.Command(nixInstantiate, "--parse", file).CombinedOutput(); err != nil {
			t.Errorf("nix-instantiate --parse: %v\n%s", err, out)
		}
	}

	// The rules the built-in services follow hold for it too, from its
	// file: clients need a server, one server is wired, keys are the
	// catalog's, options have their setting's type.
	for _, c := range []struct{ services, want string }{
		{"clients = [\"web1\"]\n", "SH063 $.services.syslog.clients: services.syslog has clients but no server"},
		{"server = [\"logs\", \"web1\"]\nclients = [\"web2\"]\n", "SH066 $.services.syslog.server: services.syslog has 2 servers; clients are wired to the first only"},
		{"server = [\"logs\"]\nagents = [\"web1\"]\n", "SH010 $.services.syslog.agents: unknown key \"agents\" in services.syslog"},
		{"server = [\"logs\"]\nkeep_days = 0\n", "SH065 $.services.syslog.keep_days: services.syslog.keep_days: 0 is out of range: expected an integer of at least 1"},
	} {
		src := syslogFleet[:strings.Index(syslogFleet, "[services.syslog]")] + "[services.syslog]\n" + c.services
		_, diags := resolveSyslog(t, cat, src)
		if len(diags) != 1 || diags[0] != c.want {
			t.Errorf("[services.syslog] %q: diagnostics %q, want %q", c.services, diags, c.want)
		}
	}
}
