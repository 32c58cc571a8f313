package resolve_test

import (
	"io/fs"
	"os"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/shoal-nix/shoal/internal/catalog"
	"github.com/shoal-nix/shoal/internal/diag"
	"github.com/shoal-nix/shoal/internal/fleet"
	"github.com/shoal-nix/shoal/internal/resolve"
)

// catalogWithProfile loads the built-in catalog from its directory with
// one more profile, "backups", that sets backup-client.schedule: no
// built-in profile sets a setting a service option sets.
func catalogWithProfile(t *testing.T) *catalog.Catalog {
	t.Helper()
	fsys := fstest.MapFS{}
	src := os.DirFS("../catalog/builtin")
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
	fsys["profiles/backups.toml"] = &fstest.MapFile{Data: []byte(`description = "A server that is backed up weekly"
extends = "server"

[settings.backup-client]
schedule = "weekly"
`)}
	cat, diags := catalog.Load(fsys, ".", "catalog")
	if len(diags) > 0 {
		t.Fatal(diags)
	}
	return cat
}

// TestServiceOptionsLayering resolves backup-client.schedule with a value
// in each layer that can set it: a service option beats the fleet's
// defaults and the profile, and loses to the machine's own setting.
func TestServiceOptionsLayering(t *testing.T) {
	cat := catalogWithProfile(t)
	const (
		defaults = "[defaults.settings.backup-client]\nschedule = \"monthly\"\n"
		service  = "schedule = \"02:00\"\n"
		machine  = "settings.backup-client.schedule = \"hourly\"\n"
	)
	cases := []struct {
		name                       string
		defaults, profile, service string
		machine                    string
		want                       string
		origin                     string // Origin.Kind
		path                       string // Origin.Path
	}{
		{"catalog default", "", "server", "", "", "daily", resolve.FromCatalog, "$.settings.schedule"},
		{"fleet defaults", defaults, "server", "", "", "monthly", resolve.FromDefaults, "$.defaults.settings.backup-client.schedule"},
		{"profile over defaults", defaults, "backups", "", "", "weekly", resolve.FromProfile, "$.settings.backup-client.schedule"},
		{"service over defaults", defaults, "server", service, "", "02:00", resolve.FromService, "$.services.backup.schedule"},
		{"service over profile", defaults, "backups", service, "", "02:00", resolve.FromService, "$.services.backup.schedule"},
		{"machine over service", defaults, "backups", service, machine, "hourly", resolve.FromMachine, "$.machines.m.settings.backup-client.schedule"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			src := "[fleet]\nname = \"t\"\nnixos = \"26.05\"\n" + c.defaults +
				"[machines.nas]\nprofile = \"server\"\n" +
				"[machines.m]\nprofile = \"" + c.profile + "\"\n" + c.machine +
				"[services.backup]\nserver = [\"nas\"]\nclients = [\"m\"]\n" + c.service
			f, diags := fleet.Parse("shoal.toml", []byte(src))
			if len(diags) > 0 {
				t.Fatalf("parse: %v", diags)
			}
			rf, diags := resolve.Resolve(f, cat)
			if len(diags) > 0 {
				t.Fatalf("resolve: %v", diags)
			}
			v := rf.Machine("m").Feature("backup-client").Value("schedule")
			if v.Value != c.want || v.Origin.Kind != c.origin || v.Origin.Path.String() != c.path {
				t.Errorf("schedule = %v from %s at %s, want %v from %s at %s", v.Value, v.Origin.Kind, v.Origin.Path, c.want, c.origin, c.path)
			}
			if c.origin == resolve.FromService && (v.Origin.Detail != "services.backup.schedule" || v.Origin.File != "shoal.toml") {
				t.Errorf("service origin = %+v, want detail services.backup.schedule in shoal.toml", v.Origin)
			}
		})
	}
}

// TestServiceOptionsTypes gives service options values that do not fit
// the settings they set: each is an SH065 error at the option (or at the
// list element), and the setting keeps its value from below.
func TestServiceOptionsTypes(t *testing.T) {
	cat, diags := catalog.Builtin()
	if len(diags) > 0 {
		t.Fatal(diags)
	}
	src := `[fleet]
name = "t"
nixos = "26.05"

[machines.m]
profile = "server"

[services.backup]
repository = "s3:https://example.com/b"
clients = ["m"]
schedule = 3
paths = ["/srv", 4]
keep_daily = 0

[services.load_balancer]
frontends = ["m"]
backends = ["m"]
port = 70000
`
	f, diags := fleet.Parse("shoal.toml", []byte(src))
	if len(diags) > 0 {
		t.Fatalf("parse: %v", diags)
	}
	rf, diags := resolve.Resolve(f, cat)
	var got []string
	for _, d := range diags {
		got = append(got, string(d.Code)+" "+d.Path.String()+": "+d.Summary)
	}
	want := []string{
		"SH065 $.services.backup.keep_daily: services.backup.keep_daily: 0 is out of range: expected an integer of at least 1",
		"SH065 $.services.backup.paths.1: services.backup.paths: expected a string, found an integer",
		"SH065 $.services.backup.schedule: services.backup.schedule: expected a systemd calendar event such as \"daily\", found an integer",
		"SH065 $.services.load_balancer.port: services.load_balancer.port: 70000 is out of range: expected a port number (1-65535)",
	}
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("diagnostics:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	m := rf.Machine("m")
	if v := m.Feature("backup-client").Value("schedule"); v.Value != "daily" || v.Origin.Kind != resolve.FromCatalog {
		t.Errorf("schedule = %v from %s, want the catalog's daily", v.Value, v.Origin.Kind)
	}
	if v := m.Feature("load-balancer").Value("port"); v.Value != int64(80) || v.Origin.Kind != resolve.FromCatalog {
		t.Errorf("port = %v from %s, want the catalog's 80", v.Value, v.Origin.Kind)
	}
}

// TestServiceKeysFromCatalog holds the fleet file to the catalog's
// services: every role and option a service declares is a key its
// [services.NAME] table takes, and the rest are unknown keys.
func TestServiceKeysFromCatalog(t *testing.T) {
	cat, diags := catalog.Builtin()
	if len(diags) > 0 {
		t.Fatal(diags)
	}
	for _, name := range cat.ServiceNames() {
		for _, key := range append(cat.Services[name].Keys(), "no_such_key") {
			src := "[fleet]\nname = \"t\"\nnixos = \"26.05\"\n[machines.m]\n[services." + name + "]\n" + key + " = 1\n"
			f, diags := fleet.Parse("shoal.toml", []byte(src))
			if len(diags) > 0 {
				t.Fatalf("parse: %v", diags)
			}
			_, diags = resolve.Resolve(f, cat)
			unknown := slices.ContainsFunc(diags, func(d diag.Diagnostic) bool { return d.Code == "SH010" })
			if unknown != (key == "no_such_key") {
				t.Errorf("services.%s.%s: unknown key reported: %v, want %v (%v)", name, key, unknown, key == "no_such_key", diags)
			}
		}
	}
}
