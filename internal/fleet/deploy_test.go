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
	for src, want := range map[string]string{
		"[fleet]\nname = \"f\"\nnixos = \"26.05\"\ndeploy = { cache = \"cache.home.arpa\" }\n":       `deploy cache "cache.home.arpa" is not a Nix store URL`,
		"[fleet]\nname = \"f\"\nnixos = \"26.05\"\n[machines.a]\ndeploy = { cache = \"ssh://c\" }\n": `unknown key "cache"`,
	} {
		if _, diags := Parse("shoal.toml", []byte(src)); !strings.Contains(diags.Error(), want) {
			t.Errorf("%s: diagnostics %v, want %q", src, diags, want)
		}
	}
}
