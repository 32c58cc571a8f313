package catalog_test

import (
	"fmt"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/shoal-nix/shoal/internal/catalog"
	"github.com/shoal-nix/shoal/internal/diag"
	"github.com/shoal-nix/shoal/internal/tomltree"
)

// syslogFeatures are the two features of the test-only syslog service.
var syslogFeatures = fstest.MapFS{
	"collections.toml": {Data: nil},
	"features/syslog-server/feature.toml": {Data: []byte(`description = "rsyslog receiving the fleet's logs"

[settings.port]
type = "port"
default = 514
description = "Port rsyslog listens on"

[settings.keep_days]
type = "int"
min = 1
default = 14
description = "Days of logs kept"

[nixos]
"services.rsyslogd.enable" = true
`)},
	"features/syslog-client/feature.toml": {Data: []byte(`description = "rsyslog forwarding to the fleet's syslog server"

[nixos]
"services.rsyslogd.enable" = true
`)},
}

// syslogService is a service file with every part the format has.
const syslogService = `description = "rsyslog: clients forward to one server"

[roles.server]
description = "The machine that keeps the logs"
feature = "syslog-server"
max = 1
port = "port"

[roles.clients]
description = "Machines that forward"
feature = "syslog-client"
needs = ["server"]

[options.keep_days]
description = "Days of logs kept"
sets = "syslog-server.keep_days"

[options.protocol]
description = "How clients forward"
type = "enum"
values = ["tcp", "udp"]
default = "tcp"

[[wire]]
role = "server"
comment = "syslog: the server's settings"

[[wire]]
role = "clients"
comment = "syslog: clients forward to the server"
set."services.rsyslogd.extraConfig" = "*.* @@${server}"
`

// loadServices loads a catalog of the syslog features and the given
// files, and returns it with its diagnostics, positions filled in.
func loadServices(t *testing.T, files map[string]string) (*catalog.Catalog, diag.List) {
	t.Helper()
	fsys := fstest.MapFS{}
	for name, f := range syslogFeatures {
		fsys[name] = f
	}
	for name, src := range files {
		fsys[name] = &fstest.MapFile{Data: []byte(src)}
	}
	cat, diags := catalog.Load(fsys, ".", "catalog")
	locs := map[string]diag.Locator{}
	for name, doc := range cat.Docs {
		locs[name] = doc
	}
	diags.Correlate(locs)
	return cat, diags
}

func TestServiceFile(t *testing.T) {
	cat, diags := loadServices(t, map[string]string{"services/syslog.toml": syslogService})
	if len(diags) > 0 {
		t.Fatalf("diagnostics: %v", diags)
	}
	s := cat.Services["syslog"]
	if s == nil {
		t.Fatal("no service syslog")
	}
	if got := strings.Join(s.Keys(), " "); got != "server clients keep_days protocol" {
		t.Errorf("keys = %s, want the roles, then the options, in file order", got)
	}
	server, clients := s.Role("server"), s.Role("clients")
	if server.Feature != "syslog-server" || server.Max != 1 || server.Port != "port" {
		t.Errorf("server = %+v", server)
	}
	if clients.Feature != "syslog-client" || len(clients.Needs) != 1 || clients.Needs[0] != "server" {
		t.Errorf("clients = %+v", clients)
	}
	if o := s.Option("keep_days"); o.Feature != "syslog-server" || o.Setting != "keep_days" {
		t.Errorf("keep_days = %+v, want it to set syslog-server.keep_days", o)
	}
	if o := s.Option("protocol"); o.Type.Kind != catalog.KindEnum || o.Default != "tcp" {
		t.Errorf("protocol = %+v, want an enum with default tcp", o)
	}
	if len(s.Wires) != 2 || s.Wires[1].Role != "clients" || len(s.Wires[1].Set) != 1 || s.Wires[1].Set[0].Value != "*.* @@${server}" {
		t.Errorf("wires = %+v", s.Wires)
	}
}

// TestBrokenServiceFiles holds the loader to a clear diagnostic, at the
// right line and column, for each way a service file can be wrong.
func TestBrokenServiceFiles(t *testing.T) {
	edit := func(old, new string) string {
		if !strings.Contains(syslogService, old) {
			t.Fatalf("the syslog service has no %q", old)
		}
		return strings.Replace(syslogService, old, new, 1)
	}
	cases := []struct {
		name, file, src string
		want            string // code file:line:col summary
	}{
		{"syntax", "syslog", "[roles.server\n", "SH001 catalog/services/syslog.toml:1:"},
		{"unknown key", "syslog", edit("description = \"rsyslog", "descripton = \"rsyslog"),
			`SH010 catalog/services/syslog.toml:1:1 unknown key "descripton" in a service`},
		{"unknown role key", "syslog", edit("max = 1", "most = 1"),
			`SH010 catalog/services/syslog.toml:6:1 unknown key "most" in a role`},
		{"no roles", "syslog", `description = "nothing"`,
			`SH012 catalog/services/syslog.toml:1:1 service "syslog" has no roles`},
		{"bad service name", "Sys-Log", syslogService,
			`SH013 catalog/services/Sys-Log.toml invalid service name "Sys-Log"`},
		{"unknown feature", "syslog", edit(`feature = "syslog-server"`, `feature = "syslog-srever"`),
			`SH015 catalog/services/syslog.toml:5:1 role "server" brings feature "syslog-srever", which the catalog does not have`},
		{"max below one", "syslog", edit("max = 1", "max = 0"),
			`SH014 catalog/services/syslog.toml:6:1 max of role "server" is 0`},
		{"port not a port setting", "syslog", edit(`port = "port"`, `port = "keep_days"`),
			`SH015 catalog/services/syslog.toml:7:1 role "server": feature syslog-server has no port setting "keep_days"`},
		{"needs unknown", "syslog", edit(`needs = ["server"]`, `needs = ["sever"]`),
			`SH015 catalog/services/syslog.toml:12:10 role "clients" needs "sever", which is no other role or option of service syslog`},
		{"sets unknown setting", "syslog", edit(`sets = "syslog-server.keep_days"`, `sets = "syslog-server.keep"`),
			`SH015 catalog/services/syslog.toml:16:1 option "keep_days" sets syslog-server.keep, which feature syslog-server does not declare`},
		{"sets a feature no role brings", "syslog", edit(`sets = "syslog-server.keep_days"`, `sets = "ssh.port"`),
			`SH015 catalog/services/syslog.toml:16:1 option "keep_days" sets a setting of ssh, which no role of service syslog brings`},
		{"sets without a feature", "syslog", edit(`sets = "syslog-server.keep_days"`, `sets = "keep_days"`),
			`SH014 catalog/services/syslog.toml:16:1 sets = "keep_days" names no feature setting`},
		{"neither sets nor type", "syslog", edit("type = \"enum\"\nvalues = [\"tcp\", \"udp\"]\ndefault = \"tcp\"\n", ""),
			`SH012 catalog/services/syslog.toml:18:10 service option "protocol" has neither sets nor type`},
		{"both sets and type", "syslog", edit(`sets = "syslog-server.keep_days"`, "sets = \"syslog-server.keep_days\"\ntype = \"int\""),
			`SH015 catalog/services/syslog.toml:14:10 service option "keep_days" has both sets and type`},
		{"default of the wrong type", "syslog", edit(`default = "tcp"`, `default = "sctp"`),
			`SH014 catalog/services/syslog.toml:22:1 default of "protocol": "sctp" is not allowed: expected one of tcp, udp`},
		{"wire for an unknown role", "syslog", edit(`role = "clients"`, `role = "client"`),
			`SH015 catalog/services/syslog.toml:29:1 a wire names role "client", which service syslog does not have`},
		{"wire names a role without a port", "syslog", edit(`@@${server}`, `@@${clients}`),
			`SH015 catalog/services/syslog.toml:31:5 option services.rsyslogd.extraConfig names role "clients", which service syslog has not, or which has no port`},
		{"wire sets no option path", "syslog", edit(`set."services.rsyslogd.extraConfig"`, `set."services..x"`),
			`SH015 catalog/services/syslog.toml:31:5 "services..x" is not a NixOS option path`},
		{"setting values without a wire", "syslog", edit("[[wire]]\nrole = \"server\"\ncomment = \"syslog: the server's settings\"\n", ""),
			`SH015 catalog/services/syslog.toml:16:1 option "keep_days" sets syslog-server.keep_days, but no [[wire]] is for a role that brings syslog-server`},
		{"wire names the public half of no key pair", "syslog", edit(`set."services.rsyslogd.extraConfig" = "*.* @@${server}"`, `set."services.rsyslogd.extraConfig" = { public = "syslog-key" }`),
			`SH015 catalog/services/syslog.toml:31:5 option services.rsyslogd.extraConfig names the public half of secret "syslog-key", which service syslog does not declare as a key pair`},
		{"wire for a role with no feature", "syslog", edit("feature = \"syslog-client\"\n", ""),
			`SH015 catalog/services/syslog.toml:28:1 a wire for role "clients", which brings no feature`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, diags := loadServices(t, map[string]string{"services/" + c.file + ".toml": c.src})
			var got []string
			for _, d := range diags {
				loc := d.File
				if d.Pos.Line > 0 {
					loc = fmt.Sprintf("%s:%d:%d", d.File, d.Pos.Line, d.Pos.Col)
				}
				got = append(got, string(d.Code)+" "+loc+" "+d.Summary)
			}
			if len(got) != 1 || !strings.HasPrefix(got[0], c.want) {
				t.Errorf("diagnostics:\n  %s\nwant one starting with\n  %s", strings.Join(got, "\n  "), c.want)
			}
		})
	}
}

// TestSettingPattern checks a setting's pattern: a value that does not
// match is refused with the pattern's description, and a pattern that is
// no regular expression is an error in the feature file.
func TestSettingPattern(t *testing.T) {
	feature := func(pattern string) fstest.MapFS {
		return fstest.MapFS{"collections.toml": {}, "features/web/feature.toml": {Data: []byte(`description = "a web server"

[settings.path]
type = "string"
description = "A URL path"
pattern = ` + pattern + `
`)}}
	}
	cat, diags := catalog.Load(feature(`{ regexp = '^/[a-z]*$', description = "a lowercase URL path", hint = "write /health" }`), ".", "catalog")
	if len(diags) > 0 {
		t.Fatal(diags)
	}
	typ := cat.Features["web"].Setting("path").Type
	for value, want := range map[string]string{
		`"/ok"`:     "",
		`"/Not ok"`: `"/Not ok" is not a lowercase URL path`,
	} {
		node := parseValue(t, value)
		if _, problem, _ := typ.Check(node); problem != want {
			t.Errorf("Check(%s) = %q, want %q", value, problem, want)
		}
	}
	_, diags = catalog.Load(feature(`{ regexp = '^/[a-z' }`), ".", "catalog")
	if len(diags) != 1 || diags[0].Code != "SH014" || !strings.Contains(diags[0].Summary, "pattern.regexp is no regular expression") {
		t.Errorf("a broken regexp: %v, want one SH014", diags)
	}
}

// parseValue parses a TOML value.
func parseValue(t *testing.T, src string) *tomltree.Node {
	t.Helper()
	doc, diags := tomltree.Parse("value.toml", []byte("v = "+src+"\n"))
	if len(diags) > 0 {
		t.Fatal(diags)
	}
	return doc.Root.Get("v")
}
