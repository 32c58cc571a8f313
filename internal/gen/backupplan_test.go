package gen_test

import (
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/shoal-nix/shoal/internal/gen"
)

// TestBackupPlans checks the plan of examples/homelab's clients against
// the fleet file and against the Nix that the same machine's configuration
// gets: the plan is only worth having if it is what the unit runs.
func TestBackupPlans(t *testing.T) {
	rf := resolveFleet(t, os.DirFS("../../examples/homelab"))
	plans := gen.BackupPlans(rf)
	byName := map[string]gen.BackupPlan{}
	for _, p := range plans {
		byName[p.Machine] = p
	}
	vps, ok := byName["vps"]
	if !ok {
		t.Fatalf("no plan for vps in %+v", plans)
	}
	want := gen.BackupPlan{
		Machine:         "vps",
		Repository:      vps.Repository,
		PasswordFile:    "/var/lib/shoal/secrets/restic-password",
		EnvironmentFile: "/var/lib/shoal/secrets/restic-environment",
		Paths:           []string{"/home", "/etc", "/var/lib"},
		Exclude:         []string{"/var/lib/docker", "/var/lib/containers", "**/.cache"},
		Forget:          []string{"--keep-daily", "7", "--keep-weekly", "4", "--keep-monthly", "6"},
		Schedule:        "daily",
		MaxAgeSeconds:   49 * 3600,
		MetricsFile:     "/var/lib/shoal/metrics/shoal_backup.prom",
	}
	if !reflect.DeepEqual(vps, want) {
		t.Errorf("plan of vps:\n got %+v\nwant %+v", vps, want)
	}
	if !strings.HasPrefix(vps.Repository, "rest:http://") || !strings.HasSuffix(vps.Repository, "/vps") {
		t.Errorf("repository of vps = %q, want the REST server's URL and the host name", vps.Repository)
	}
	if _, ok := byName["nas"]; ok {
		t.Errorf("nas, the backup server and no client, has a plan")
	}

	// The generated flake carries the same repository (its prefix, to
	// which Nix appends the host name), paths and retention.
	var all strings.Builder
	for _, f := range generate(t, "../../examples/homelab") {
		all.Write(f.Data)
	}
	flake := all.String()
	prefix := strings.TrimSuffix(vps.Repository, "vps")
	for _, s := range []string{`"` + prefix + `" + config.networking.hostName`, `"--keep-${rule} ${toString n}"`, `"/var/lib/containers"`, `"**/.cache"`} {
		if !strings.Contains(flake, s) {
			t.Errorf("the generated flake lacks %s", s)
		}
	}
}
