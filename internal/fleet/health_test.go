package fleet

import (
	"strings"
	"testing"
	"time"
)

func TestHealthChecks(t *testing.T) {
	src := `
[fleet]
name = "f"
nixos = "26.05"

[machines.a]
health = [
  { name = "api", http = "http://127.0.0.1:8080/healthz", timeout = "5s", retries = 0 },
  { command = "test -e /srv/ready", interval = "500ms" },
]

[[machines.b.health]]
tcp = 5432

[[health.web-server]]
unit = "nginx.service"
`
	f, diags := Parse("shoal.toml", []byte(src))
	if diags.HasErrors() {
		t.Fatalf("diagnostics: %v", diags)
	}
	a := f.Machine("a").Health
	if len(a) != 2 || a[0].Name != "api" || a[0].HTTP != "http://127.0.0.1:8080/healthz" || a[0].Timeout != 5*time.Second || a[0].Retries != 0 {
		t.Errorf("a's checks = %+v", a)
	}
	if len(a) == 2 && (a[1].Command != "test -e /srv/ready" || a[1].Interval != 500*time.Millisecond || a[1].Retries != -1 || a[1].Timeout != 0) {
		t.Errorf("a's second check = %+v; want the command with deploy's default timeout and retries", a[1])
	}
	if b := f.Machine("b").Health; len(b) != 1 || b[0].TCP != 5432 {
		t.Errorf("b's checks = %+v", b)
	}
	if len(f.Health) != 1 || f.Health[0].Feature.Value != "web-server" || len(f.Health[0].Checks) != 1 || f.Health[0].Checks[0].Unit != "nginx.service" {
		t.Errorf("[health] = %+v", f.Health)
	}
}

func TestHealthCheckDiagnostics(t *testing.T) {
	for _, tc := range []struct{ name, check, want string }{
		{"nothing", `health = [{ name = "x" }]`, "a health check in machines.a.health checks nothing"},
		{"two probes", `health = [{ tcp = 22, unit = "sshd.service" }]`, "gives both tcp and unit"},
		{"https", `health = [{ http = "https://127.0.0.1/" }]`, `"https://127.0.0.1/" is not an http:// URL`},
		{"port", `health = [{ tcp = 0 }]`, "port 0 is out of range"},
		{"timeout", `health = [{ tcp = 22, timeout = "5" }]`, `timeout "5" is not a duration`},
		{"retries", `health = [{ tcp = 22, retries = -2 }]`, "retries = -2 is out of range"},
		{"not a list", `health = { tcp = 22 }`, "machines.a.health must be a list of checks, not a table"},
		{"unknown key", `health = [{ tcp = 22, port = 1 }]`, `unknown key "port" in a health check`},
		{"unit", `health = [{ unit = "-x" }]`, `"-x" is not a systemd unit name`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := "[fleet]\nname = \"f\"\nnixos = \"26.05\"\n[machines.a]\n" + tc.check + "\n"
			_, diags := Parse("shoal.toml", []byte(src))
			if !diags.HasErrors() || !strings.Contains(diags.Error(), tc.want) {
				t.Errorf("diagnostics %v, want an error with %q", diags, tc.want)
			}
		})
	}
	src := "[fleet]\nname = \"f\"\nnixos = \"26.05\"\n[health]\n\"Bad Name\" = [{ tcp = 22 }]\n"
	if _, diags := Parse("shoal.toml", []byte(src)); !strings.Contains(diags.Error(), `invalid feature name "Bad Name" in [health]`) {
		t.Errorf("[health] with a bad feature name: %v", diags)
	}
}
