package secrets

import (
	"fmt"
	"strings"
	"testing"

	"github.com/shoal-nix/shoal/internal/catalog"
	"github.com/shoal-nix/shoal/internal/diag"
	"github.com/shoal-nix/shoal/internal/fleet"
	"github.com/shoal-nix/shoal/internal/resolve"
)

func TestUndeclared(t *testing.T) {
	src := `[fleet]
name = "t"
[machines.nas]
[secrets.restic-password]
receivers = ["backup.clients"]
`
	f, diags := fleet.Parse("shoal.toml", []byte(src))
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	needs := []Need{
		{Name: "restic-password", Receivers: "backup.clients", Dest: "/var/lib/shoal/secrets/restic-password", Description: "the repository's password", File: "shoal.toml", Path: diag.P("services", "backup")},
		{Name: "restic-htpasswd", Receivers: "backup.server", Dest: "/var/lib/shoal/secrets/restic-htpasswd", Owner: "restic", Generator: "htpasswd", Description: "the clients' credentials", File: "shoal.toml", Path: diag.P("services", "backup")},
	}
	got := Undeclared(f, needs)
	if len(got) != 2 {
		t.Fatalf("got %v", got)
	}
	if !strings.Contains(got[0].Summary, "goes to /run/keys/restic-password") || !strings.Contains(got[0].Hint, `destination = "/var/lib/shoal/secrets/restic-password"`) {
		t.Errorf("wrong destination: %v", got[0])
	}
	want := "add to shoal.toml:\n\n[secrets.restic-htpasswd]\nreceivers = [\"backup.server\"]\ndestination = \"/var/lib/shoal/secrets/restic-htpasswd\"\nowner = \"restic\"\ngenerator = \"htpasswd\"\n"
	if got[1].Code != diag.CodeSecretUndeclared || got[1].Hint != want {
		t.Errorf("undeclared: %v\nhint %q\nwant %q", got[1], got[1].Hint, want)
	}
	// The lines the hint gives, added to the file, satisfy the check.
	f2, _ := fleet.Parse("shoal.toml", []byte(src+"destination = \"/var/lib/shoal/secrets/restic-password\"\n"+strings.TrimPrefix(want, "add to shoal.toml:\n\n")))
	if l := Undeclared(f2, needs); len(l) != 0 {
		t.Errorf("after adding the lines: %v", l)
	}
}

func TestNeeds(t *testing.T) {
	cases := []struct {
		name, services string
		want           []string // NAME generator per_machine
	}{
		{"the fleet's REST server: all three generated", "[services.backup]\nserver = [\"nas\"]\nclients = [\"web\"]\n",
			[]string{"restic-password password true", "restic-environment restic-rest true", "restic-htpasswd htpasswd false"}},
		{"no_auth: no htpasswd", "[services.backup]\nserver = [\"nas\"]\nclients = [\"web\"]\nno_auth = true\n",
			[]string{"restic-password password true", "restic-environment restic-rest true"}},
		{"a repository of the user's own: its credentials come from a person", "[services.backup]\nclients = [\"web\"]\nrepository = \"s3:bucket\"\n",
			[]string{"restic-password password true", "restic-environment  true"}},
		{"a monitoring server: Grafana's key and admin password, generated", "[services.monitoring]\nserver = [\"nas\"]\nalert_email = \"ops@example.org\"\nsmtp_server = \"relay.example.org:25\"\n",
			[]string{"grafana-secret-key hex false", "grafana-admin-password password false"}},
		{"alerts mailed with a login: the SMTP password, from a person", "[services.monitoring]\nserver = [\"nas\"]\nalert_email = \"ops@example.org\"\nsmtp_server = \"mail.example.org:587\"\nsmtp_user = \"alerts\"\n",
			[]string{"grafana-secret-key hex false", "grafana-admin-password password false", "smtp-password  false"}},
		{"no monitoring server: nothing", "[services.monitoring]\nagents = [\"web\"]\nsmtp_user = \"alerts\"\n", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			src := "[fleet]\nname = \"t\"\ndomain = \"lan\"\n[machines.nas]\nprofile = \"server\"\n[machines.web]\nprofile = \"server\"\n" + c.services
			rf := resolved(t, src)
			var got []string
			for _, n := range Needs(rf) {
				got = append(got, fmt.Sprintf("%s %s %v", n.Name, n.Generator, n.PerMachine))
			}
			if strings.Join(got, "\n") != strings.Join(c.want, "\n") {
				t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(c.want, "\n"))
			}
		})
	}
}

func resolved(t *testing.T, src string) *resolve.Fleet {
	t.Helper()
	f, diags := fleet.Parse("shoal.toml", []byte(src))
	if diags.HasErrors() {
		t.Fatalf("fleet: %v", diags)
	}
	cat, cdiags := catalog.Builtin()
	if cdiags.HasErrors() {
		t.Fatal(cdiags)
	}
	rf, rdiags := resolve.Resolve(f, cat)
	if rdiags.HasErrors() {
		t.Fatalf("resolve: %v", rdiags)
	}
	return rf
}
