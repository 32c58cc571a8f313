package nixopts

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

func TestLookup(t *testing.T) {
	ix := Load()
	tests := []struct {
		path       string
		kind       ResultKind
		option     string // Result.Option.Name
		typ        string // Result.Type.String()
		suggestion string // one of Result.Suggestions
	}{
		{path: "services.openssh.ports", kind: Found, option: "services.openssh.ports",
			typ: "list of 16 bit unsigned integer; between 0 and 65535 (both inclusive)"},
		{path: "services.openssh.enable", kind: Found, option: "services.openssh.enable", typ: "boolean"},
		// Placeholders match any attribute name, quoted or not.
		{path: "services.nginx.virtualHosts.mysite.root", kind: Found,
			option: "services.nginx.virtualHosts.<name>.root", typ: "null or absolute path"},
		{path: `services.nginx.virtualHosts."example.org".root`, kind: Found,
			option: "services.nginx.virtualHosts.<name>.root", typ: "null or absolute path"},
		{path: "users.users.alice.openssh.authorizedKeys.keys", kind: Found,
			option: "users.users.<name>.openssh.authorizedKeys.keys",
			typ:    "list of (optionally newline-terminated) single-line string"},
		{path: `services.nginx.virtualHosts.a.locations."/".proxyPass`, kind: Found,
			option: "services.nginx.virtualHosts.<name>.locations.<name>.proxyPass", typ: "null or string"},
		{path: "systemd.tmpfiles.settings.home.\"/srv\".d.mode", kind: Found,
			option: "systemd.tmpfiles.settings.<config-name>.<path>.<tmpfiles-type>.mode"},
		{path: `services.xserver.windowManager."2bwm".enable`, kind: Found,
			option: `services.xserver.windowManager."2bwm".enable`, typ: "boolean"},
		{path: "services.prometheus.exporters.node.enable", kind: Found,
			option: "services.prometheus.exporters.node.enable", typ: "boolean"},
		// A declared option that is also a set of options is Found.
		{path: "services.openssh.settings", kind: Found, option: "services.openssh.settings",
			typ: "open submodule of attribute set of (atom (null, bool, int, float or string))"},
		{path: "services.openssh.settings.PermitRootLogin", kind: Found,
			option: "services.openssh.settings.PermitRootLogin"},

		{path: "services.openssh", kind: OptionSet},
		{path: "services", kind: OptionSet},
		{path: "services.nginx.virtualHosts.mysite", kind: OptionSet,
			option: "services.nginx.virtualHosts", typ: "submodule"},
		// Declared, though most of what it holds is not covered.
		{path: "services.prometheus.exporters", kind: Found, typ: "submodule"},

		// Freeform entries and values of attribute set options.
		{path: "services.openssh.settings.Foo", kind: Within, option: "services.openssh.settings",
			typ: "atom (null, bool, int, float or string)"},
		{path: "services.openssh.settings.permitRootLogin", kind: Within, option: "services.openssh.settings",
			suggestion: "services.openssh.settings.PermitRootLogin"},
		{path: `networking.hosts."127.0.0.1"`, kind: Within, option: "networking.hosts", typ: "list of string"},
		{path: "systemd.services.foo.serviceConfig.ExecStart", kind: Within,
			option: "systemd.services.<name>.serviceConfig", typ: "systemd option"},
		{path: `boot.kernel.sysctl."net.ipv4.ip_forward"`, kind: Within, option: "boot.kernel.sysctl",
			typ: "sysctl option value"},
		// The index lists no sub-options of systemd.sockets: anything goes.
		{path: "systemd.sockets.foo.listenStreams", kind: Within, option: "systemd.sockets", typ: "anything"},

		{path: "services.openssh.permitRootLogn", kind: Unknown,
			suggestion: "services.openssh.settings.PermitRootLogin"},
		{path: "services.openssh.enabel", kind: Unknown, suggestion: "services.openssh.enable"},
		{path: "services.nginx.virtualHosts.mysite.roots", kind: Unknown, option: "services.nginx.virtualHosts",
			suggestion: "services.nginx.virtualHosts.mysite.root"},
		{path: "services.openssh.setings.PermitRootLogin", kind: Unknown,
			suggestion: "services.openssh.settings.PermitRootLogin"},
		// A boolean has no attributes.
		{path: "services.openssh.enable.foo", kind: Unknown, option: "services.openssh.enable"},
		// A closed submodule takes only its declared sub-options.
		{path: "users.users.alice.shel", kind: Unknown, option: "users.users", suggestion: "users.users.alice.shell"},

		{path: "services.foo.enable", kind: NotCovered},
		{path: "services.postgresql.enable", kind: NotCovered},
		{path: "systemd.network.enable", kind: NotCovered},
		{path: "services.prometheus.exporters.blackbox.enable", kind: NotCovered},
		// Removed from NixOS, and so from the index; but not covered either.
		{path: "services.promtail.enable", kind: NotCovered},
		// Not covered is never an error, but a near miss still gets a hint.
		{path: "servics.openssh.enable", kind: NotCovered, suggestion: "services.openssh.enable"},
		{path: "services.opensh.enable", kind: NotCovered, suggestion: "services.openssh.enable"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			path, err := SplitPath(tt.path)
			if err != nil {
				t.Fatal(err)
			}
			r := ix.Lookup(path)
			if r.Kind != tt.kind {
				t.Fatalf("Kind = %s, want %s (%+v)", r.Kind, tt.kind, r)
			}
			if tt.option != "" && (r.Option == nil || r.Option.Name != tt.option) {
				t.Errorf("Option = %v, want %s", r.Option, tt.option)
			}
			if tt.typ != "" && (r.Type == nil || r.Type.String() != tt.typ) {
				t.Errorf("Type = %v, want %s", r.Type, tt.typ)
			}
			if tt.suggestion != "" && !slices.Contains(r.Suggestions, tt.suggestion) {
				t.Errorf("Suggestions = %q, want %q among them", r.Suggestions, tt.suggestion)
			}
			if len(r.Suggestions) > 3 {
				t.Errorf("%d suggestions, want at most 3", len(r.Suggestions))
			}
			if r.Kind == Found && (r.Option == nil || r.Type == nil) {
				t.Errorf("Found without option or type: %+v", r)
			}
		})
	}
}

func TestLookupOptionSetChildren(t *testing.T) {
	ix := Load()
	r := ix.Lookup([]string{"services", "nginx", "virtualHosts", "mysite"})
	for _, want := range []string{"root", "locations", "forceSSL"} {
		if !slices.Contains(r.Children, want) {
			t.Errorf("Children = %q, want %q among them", r.Children, want)
		}
	}
	if !slices.IsSorted(r.Children) {
		t.Errorf("Children not sorted: %q", r.Children)
	}
	r = ix.Lookup([]string{"services", "prometheus", "exporters", "node"})
	if r.Kind != OptionSet || !slices.Contains(r.Children, "enable") {
		t.Errorf("exporters.node: %s, Children = %q, want an option set with enable", r.Kind, r.Children)
	}
}

func TestLookupNoSuggestionForSomethingElse(t *testing.T) {
	ix := Load()
	// Uncovered services are common and legitimate: no "did you mean".
	for _, p := range []string{"services.postgresql.enable", "services.foo.enable", "programs.firejail.enable"} {
		path, _ := SplitPath(p)
		if r := ix.Lookup(path); len(r.Suggestions) > 0 {
			t.Errorf("%s: Suggestions = %q, want none", p, r.Suggestions)
		}
	}
}

func TestReadOnly(t *testing.T) {
	r := Load().Lookup([]string{"system", "build", "toplevel"})
	if r.Kind != Found || !r.Option.ReadOnly() {
		t.Fatalf("system.build.toplevel: %+v, want a read-only option", r)
	}
	r = Load().Lookup([]string{"services", "openssh", "enable"})
	if r.Option.ReadOnly() {
		t.Errorf("services.openssh.enable is read-only")
	}
}

func TestOption(t *testing.T) {
	r := Load().Lookup([]string{"services", "openssh", "ports"})
	o := r.Option
	if o.Default != "[\n  22\n]" {
		t.Errorf("Default = %q, want [ 22 ] as Nix text", o.Default)
	}
	if want := []string{"nixos/modules/services/networking/ssh/sshd.nix"}; !slices.Equal(o.Declared, want) {
		t.Errorf("Declared = %q, want %q", o.Declared, want)
	}
	if got := o.Type().String(); got != o.TypeText() {
		t.Errorf("Type() = %q, want %q", got, o.TypeText())
	}
	if want := []string{"services", "openssh", "ports"}; !slices.Equal(o.Path, want) {
		t.Errorf("Path = %q", o.Path)
	}
}

// TestIndexData checks the index against itself: every option is under a
// covered prefix, every option is found where it is declared, and the
// coverage data lists exactly the two-name systemd options.
func TestIndexData(t *testing.T) {
	ix := Load()
	opts := ix.Options()
	if len(opts) != 4406 {
		t.Errorf("%d options, want 4406", len(opts))
	}
	var systemdTwo []string
	for _, o := range opts {
		// services.prometheus.exporters is declared, but only two of the
		// exporters it holds are covered.
		if !Covered(o.Path) && o.Name != "services.prometheus.exporters" {
			t.Errorf("%s is not under a covered prefix", o.Name)
		}
		if r := ix.Lookup(o.Path); r.Kind != Found || r.Option != o {
			t.Errorf("Lookup(%s) = %s %v", o.Name, r.Kind, r.Option)
		}
		if len(o.Path) == 2 && o.Path[0] == "systemd" {
			systemdTwo = append(systemdTwo, o.Name)
		}
	}
	var listed []string
	for _, c := range coverage {
		if strings.HasPrefix(c.prefix, "systemd.") && !slices.Contains([]string{"systemd.tmpfiles"}, c.prefix) {
			listed = append(listed, c.prefix)
		}
	}
	slices.Sort(systemdTwo)
	slices.Sort(listed)
	if !slices.Equal(systemdTwo, listed) {
		t.Errorf("systemd coverage:\n index %q\nlisted %q", systemdTwo, listed)
	}
}

func TestCovered(t *testing.T) {
	tests := []struct {
		path string
		want bool
	}{
		{"boot.loader.grub.enable", true},
		{"services.openssh.enable", true},
		{"services.openssh", true},
		{"services", false},
		{"services.opensshd.enable", false},
		{"services.prometheus.enable", true},
		{"services.prometheus.exporters.blackbox.enable", false},
		{"services.prometheus.exporters", false},
		{"services.prometheus.exporters.node.port", true},
		{"services.prometheus.exporters.systemd.enable", true},
		{"systemd.services.foo.enable", true},
		{"systemd.tmpfiles.rules", true},
		{"systemd.package", true},
		{"systemd.network.enable", false},
		{"systemd", false},
		{"xdg.portal.enable", true},
		{"xdg.mime.enable", false},
		{"programs.firejail.enable", false},
		{"virtualisation.docker.enable", true},
		{"virtualisation.vmware.guest.enable", false},
	}
	for _, tt := range tests {
		if got := Covered(strings.Split(tt.path, ".")); got != tt.want {
			t.Errorf("Covered(%s) = %v, want %v", tt.path, got, tt.want)
		}
	}
	// Whole names only: a quoted name with a dot is not two names.
	if Covered([]string{"services.openssh", "enable"}) {
		t.Errorf(`Covered("services.openssh".enable) = true`)
	}
}

func TestSplitPath(t *testing.T) {
	tests := []struct {
		in   string
		want []string
		err  string
	}{
		{in: "services.openssh.ports", want: []string{"services", "openssh", "ports"}},
		{in: `services.nginx.virtualHosts."example.org".root`, want: []string{"services", "nginx", "virtualHosts", "example.org", "root"}},
		{in: `a."b\"c".d`, want: []string{"a", `b"c`, "d"}},
		{in: `a."".b`, want: []string{"a", "", "b"}},
		{in: `a."x\ny\\"`, want: []string{"a", "x\ny\\"}},
		{in: `"a.b"`, want: []string{"a.b"}},
		{in: "services.nix-ld.enable", want: []string{"services", "nix-ld", "enable"}},
		{in: "a.b'c", want: []string{"a", "b'c"}},
		{in: "", err: "empty option path"},
		{in: "a..b", err: "empty attribute name"},
		{in: ".a", err: "empty attribute name"},
		{in: "a.", err: "ends with a dot"},
		{in: `a."b`, err: "unterminated"},
		{in: `a."b"c`, err: "followed by a dot"},
		{in: `a.b"c"`, err: "quote the whole attribute name"},
		{in: `a."${x}"`, err: "interpolation"},
		{in: "networking.hosts.127.0.0.1", err: `attribute name "127" must be quoted`},
		{in: "a.b c", err: "must be quoted"},
		{in: "users.users.<name>.shell", err: "must be quoted"},
	}
	for _, tt := range tests {
		got, err := SplitPath(tt.in)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("SplitPath(%q) = %q, %v; want error with %q", tt.in, got, err, tt.err)
			}
			continue
		}
		if err != nil || !slices.Equal(got, tt.want) {
			t.Errorf("SplitPath(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

func TestFormatPath(t *testing.T) {
	tests := []struct {
		path []string
		want string
	}{
		{[]string{"services", "openssh", "enable"}, "services.openssh.enable"},
		{[]string{"virtualHosts", "example.org", "root"}, `virtualHosts."example.org".root`},
		{[]string{"a", `b"c`, "${x}", ""}, `a."b\"c"."\${x}".""`},
		{[]string{"users", "<name>", "keys", "*"}, "users.<name>.keys.*"},
		{[]string{"x", "in", "2bwm"}, `x."in"."2bwm"`},
	}
	for _, tt := range tests {
		got := FormatPath(tt.path)
		if got != tt.want {
			t.Errorf("FormatPath(%q) = %s, want %s", tt.path, got, tt.want)
		}
		if strings.Contains(got, "<") || strings.Contains(got, "*") {
			continue
		}
		if back, err := SplitPath(got); err != nil || !slices.Equal(back, tt.path) {
			t.Errorf("SplitPath(FormatPath(%q)) = %q, %v", tt.path, back, err)
		}
	}
}

// TestReadRecord holds the fast reader of options.jsonl to what
// encoding/json reads from every line.
func TestReadRecord(t *testing.T) {
	fast := 0
	for i, line := range strings.Split(strings.TrimSpace(optionsJSONL), "\n") {
		var want record
		if err := json.Unmarshal([]byte(line), &want); err != nil {
			t.Fatalf("line %d: %v", i+1, err)
		}
		got, ok := readRecord(line)
		if !ok {
			continue
		}
		fast++
		if got != want {
			t.Errorf("line %d:\n got %+v\nwant %+v", i+1, got, want)
		}
	}
	if fast < 4000 {
		t.Errorf("only %d lines read by readRecord", fast)
	}
	// Anything else is left to encoding/json, \u escapes included.
	for _, other := range []string{
		`{"name": "a"}`,
		`[]`,
		`{"name": "a\u00e9", "type": "", "default": "", "readOnly": false, "declared": ""}`,
		`{"name": "a", "type": "", "default": "", "readOnly": false, "declared": ""} x`,
	} {
		if r, ok := readRecord(other); ok {
			t.Errorf("readRecord(%s) = %+v, want it left to encoding/json", other, r)
		}
	}
	if _, err := build(`{"name": "a.b", "type": "boolean", "default": "", "readOnly": false, "declared": "x"}` + "\n" + `{"name": "a.b", "type": "boolean"}`); err == nil {
		t.Errorf("build accepted an option declared twice")
	}
	for _, bad := range []string{
		`{"name": "a.b", `,
		`{"name": "a.b"}`,
		`{"name": "", "type": "boolean"}`,
		`{"name": "a..b", "type": "boolean"}`,
	} {
		if _, err := build(bad); err == nil {
			t.Errorf("build accepted %s", bad)
		}
	}
}

// TestConcurrentLookup runs lookups that parse types and set up the
// suggestion tables on first use from several goroutines at once (run it
// with -race).
func TestConcurrentLookup(t *testing.T) {
	ix, err := build(optionsJSONL)
	if err != nil {
		t.Fatal(err)
	}
	paths := [][]string{
		{"services", "openssh", "ports"},
		{"services", "openssh", "permitRootLogn"},
		{"services", "openssh", "settings", "permitRootLogin"},
		{"servics", "openssh", "enable"},
	}
	done := make(chan []Result)
	for range 4 {
		go func() {
			var rs []Result
			for _, p := range paths {
				rs = append(rs, ix.Lookup(p))
			}
			done <- rs
		}()
	}
	first := <-done
	for range 3 {
		rs := <-done
		for i := range rs {
			if rs[i].Kind != first[i].Kind || !slices.Equal(rs[i].Suggestions, first[i].Suggestions) {
				t.Errorf("%q: %+v vs %+v", paths[i], rs[i], first[i])
			}
		}
	}
}
