package fleet

import (
	"strings"
	"testing"
)

func TestDeployTables(t *testing.T) {
	src := `
[fleet]
name = "f"
nixos = "26.05"
deploy = { user = "deploy", become = "sudo", port = 2222 }

[machines.a]
address = "192.0.2.1"

[machines.b]
deploy = { user = "root", host = "b.example" }

[machines.c]
`
	f, diags := Parse("shoal.toml", []byte(src))
	if diags.HasErrors() {
		t.Fatalf("diagnostics: %v", diags)
	}
	for _, tc := range []struct {
		machine          string
		user, become, at string
		port             int64
	}{
		{"a", "deploy", "sudo", "192.0.2.1", 2222},
		{"b", "root", "sudo", "b.example", 2222},
		{"c", "deploy", "sudo", "c", 2222},
	} {
		d := f.DeployOf(f.Machine(tc.machine))
		if d.User != tc.user || d.Become != tc.become || d.Host != tc.at || d.Port != tc.port {
			t.Errorf("%s: deploy %+v, want user %s become %s host %s port %d", tc.machine, d, tc.user, tc.become, tc.at, tc.port)
		}
	}
}

func TestDeployTableDiagnostics(t *testing.T) {
	for _, tc := range []struct{ name, deploy, want string }{
		{"no become", `deploy = { user = "deploy" }`, "cannot activate a system without becoming root"},
		{"bad become", `deploy = { become = "sudoo", user = "x" }`, `deploy.become "sudoo" is not one of doas, run0, sudo`},
		{"bad port", `deploy = { port = 70000 }`, "ssh port 70000 is out of range"},
		{"bad host", `deploy = { host = "-oProxyCommand=x" }`, "is not a host name or IP address"},
		{"bad user", `deploy = { user = "Bad User", become = "sudo" }`, "is not a user name"},
		{"unknown key", `deploy = { password = "x" }`, "password"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := "[fleet]\nname = \"f\"\nnixos = \"26.05\"\n[machines.a]\n" + tc.deploy + "\n"
			_, diags := Parse("shoal.toml", []byte(src))
			if !diags.HasErrors() || !strings.Contains(diags.Error(), tc.want) {
				t.Errorf("diagnostics %v, want an error with %q", diags, tc.want)
			}
		})
	}
}

func TestDeployCache(t *testing.T) {
	src := "[fleet]\nname = \"f\"\nnixos = \"26.05\"\ndeploy = { cache = \"ssh://nix-cache@cache.home.arpa\" }\n[machines.a]\n"
	f, diags := Parse("shoal.toml", []byte(src))
	if diags.HasErrors() {
		t.Fatalf("diagnostics: %v", diags)
	}
	if d := f.DeployOf(f.Machine("a")); d.Cache != "ssh://nix-cache@cache.home.arpa" {
		t.Errorf("a's cache = %q", d.Cache)
	}
	if !strings.Contains(diags.Error(), "warning[SH140]: the machines will not substitute from the fleet's cache ssh://nix-cache@cache.home.arpa") {
		t.Errorf("a cache without a key: diagnostics %v, want SH140", diags)
	}
	const key = "cache.home.arpa-1:7ZDzH5Z3O7O6XFuPlaXNl7q+FNfFQnqE96zd50UBEfA="
	for src, want := range map[string]string{
		"[fleet]\nname = \"f\"\nnixos = \"26.05\"\ndeploy = { cache = \"cache.home.arpa\" }\n":                             `deploy cache "cache.home.arpa" is not a Nix store URL`,
		"[fleet]\nname = \"f\"\nnixos = \"26.05\"\n[machines.a]\ndeploy = { cache = \"ssh://c\" }\n":                       `unknown key "cache"`,
		"[fleet]\nname = \"f\"\nnixos = \"26.05\"\ndeploy = { cache = \"ssh://c\", cache_key = \"c-1:AAAA\" }\n":           `deploy cache_key "c-1:AAAA" is not a Nix public key`,
		"[fleet]\nname = \"f\"\nnixos = \"26.05\"\ndeploy = { cache_key = \"" + key + "\" }\n[machines.a]\n":               "deploy cache_key is the key of no cache",
		"[fleet]\nname = \"f\"\nnixos = \"26.05\"\ndeploy = { substituter = \"https//c\", cache_key = \"" + key + "\" }\n": `deploy substituter "https//c" is not a Nix store URL`,
	} {
		if _, diags := Parse("shoal.toml", []byte(src)); !strings.Contains(diags.Error(), want) {
			t.Errorf("%s: diagnostics %v, want %q", src, diags, want)
		}
	}
}

func TestHostSubstituter(t *testing.T) {
	for _, tc := range []struct {
		d    Deploy
		want string
	}{
		{Deploy{Cache: "ssh://nix-cache@c"}, "ssh://nix-cache@c"},
		{Deploy{Cache: "s3://b?region=eu-central-1&secret-key=/k.sec"}, "s3://b?region=eu-central-1"},
		{Deploy{Cache: "file:///srv/cache?secret-key=/k.sec&compression=zstd"}, "file:///srv/cache?compression=zstd"},
		{Deploy{Cache: "file:///srv/cache?secret-key=/k.sec"}, "file:///srv/cache"},
		{Deploy{Cache: "s3://b?secret-key=/k.sec", Substituter: "https://cache.example.org"}, "https://cache.example.org"},
	} {
		if got := tc.d.HostSubstituter(); got != tc.want {
			t.Errorf("%+v: HostSubstituter() = %q, want %q", tc.d, got, tc.want)
		}
	}
}
