package check

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDanglingSymlinks checks that a fleet file, a module and a local
// feature directory that are symbolic links to nothing are called that,
// not merely missing.
func TestDanglingSymlinks(t *testing.T) {
	dir := t.TempDir()
	write := func(name, data string) {
		t.Helper()
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	link := func(target, name string) {
		t.Helper()
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(target, p); err != nil {
			t.Skipf("no symlinks here: %v", err)
		}
	}
	write("fleet/shoal.toml", `[fleet]
name = "test"
nixos = "26.05"
admin_keys = ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExampleAdminKeyExample admin@example"]

[defaults]
state_version = "26.05"

[machines.web]
profile = "server"
modules = ["hw/web.nix", "gone.nix"]
`)
	link("../../elsewhere/web.nix", "fleet/hw/web.nix")
	link("../shared/wireguard", "fleet/features/wireguard")

	res, err := Run(os.DirFS(dir), "fleet", "fleet")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, d := range res.Diags {
		got = append(got, string(d.Code)+" "+d.File+": "+d.Summary)
	}
	all := strings.Join(got, "\n")
	for _, want := range []string{
		"SH027 fleet/shoal.toml: module hw/web.nix is a dangling symlink: hw/web.nix points at ../../elsewhere/web.nix, which does not exist",
		"SH027 fleet/shoal.toml: module gone.nix does not exist",
		"SH015 fleet/features/wireguard/feature.toml: cannot read fleet/features/wireguard/feature.toml: fleet/features/wireguard is a dangling symlink to ../shared/wireguard",
	} {
		if !strings.Contains(all, want) {
			t.Errorf("missing %q in:\n%s", want, all)
		}
	}

	link("../nowhere/shoal.toml", "other/shoal.toml")
	_, err = Run(os.DirFS(dir), "other", "other")
	if err == nil || !strings.Contains(err.Error(), "other/shoal.toml is a dangling symlink to ../nowhere/shoal.toml") {
		t.Errorf("a dangling fleet file: %v", err)
	}
}
