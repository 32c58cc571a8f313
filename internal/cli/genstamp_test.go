package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// stampFleet has a local feature, a machine module and an overlay, the
// inputs a stamp must notice, and a warning that a replay must repeat.
var stampFleet = map[string]string{
	"shoal.toml": `[fleet]
name = "stamp"
nixos = "26.05"
admin_keys = ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExampleAdminKeyExample admin@example"]
overlays = ["overlays/pin.nix"]

[defaults]
state_version = "26.05"

[machines.web]
profile = "server"
features = ["motd"]
modules = ["web.nix"]
deploy = { host = "192.0.2.10" }
disk = { device = "/dev/vda", boot = "uefi" }

[machines.db]
profile = "server"
nixos."programs.fsh.enable" = true
deploy = { host = "192.0.2.11" }
disk = { device = "/dev/vda", boot = "uefi" }
`,
	"features/motd/feature.toml": `description = "A message of the day"
[settings.text]
type = "string"
default = "hello"
description = "The message"
[nixos]
"users.motd" = { setting = "text" }
`,
	"web.nix":          "{ ... }: { }\n",
	"overlays/pin.nix": "final: prev: { }\n",
}

// genRun is one gen's outcome.
type genRun struct {
	code           int
	stdout, stderr string
	stamped        bool
}

// runGenFor runs gen on dir with args, keeping stamps in cache ("" for
// none).
func runGenFor(t *testing.T, cache, dir string, args ...string) genRun {
	t.Helper()
	if cache == "" {
		cache = "/dev/null/no-cache" // where no stamp can be written
	}
	t.Setenv("XDG_CACHE_HOME", cache)
	var stdout, stderr bytes.Buffer
	g := &globals{stdout: &stdout, stderr: &stderr, colorMode: colorAuto}
	o := genOptions{}
	for _, a := range args {
		switch a {
		case "--check":
			o.check = true
		case "--json":
			o.json = true
		default:
			t.Fatalf("runGenFor: unknown argument %s", a)
		}
	}
	code := ExitOK
	if err := runGen(context.Background(), g, o, dir); err != nil {
		var buf bytes.Buffer
		code = Main(context.Background(), append([]string{"gen", dir}, args...), nil, &bytes.Buffer{}, &buf)
		if code == ExitOK {
			t.Fatalf("runGen failed (%v) but Main succeeded", err)
		}
		stderr.WriteString("error: " + err.Error() + "\n")
	}
	return genRun{code: code, stdout: stdout.String(), stderr: stderr.String(), stamped: g.stamped}
}

func writeTree(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, data := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestGenStamp changes each kind of input and output after a gen and
// checks that the next gen replays its stamp exactly when nothing that
// matters changed, and otherwise does the whole work with the result a
// gen without any stamp has.
func TestGenStamp(t *testing.T) {
	cases := []struct {
		name    string
		change  func(t *testing.T, dir string)
		stamped bool
	}{
		{"nothing", func(*testing.T, string) {}, true},
		{"fleet file edited", func(t *testing.T, dir string) {
			edit(t, dir, "shoal.toml", `features = ["motd"]`, `features = []`)
		}, false},
		{"fleet file edited, flake the same", func(t *testing.T, dir string) {
			edit(t, dir, "shoal.toml", `host = "192.0.2.11"`, `host = "192.0.2.12"`)
		}, false},
		{"fleet file touched", func(t *testing.T, dir string) { touch(t, dir, "shoal.toml") }, true},
		{"local feature edited", func(t *testing.T, dir string) {
			edit(t, dir, "features/motd/feature.toml", `"hello"`, `"hi"`)
		}, false},
		{"local feature added", func(t *testing.T, dir string) {
			writeTree(t, dir, map[string]string{"features/banner/feature.toml": "description = \"A banner\"\n"})
		}, false},
		{"module edited", func(t *testing.T, dir string) {
			edit(t, dir, "web.nix", "{ }", "{ services.openssh.enable = true; }")
		}, false},
		{"module removed", func(t *testing.T, dir string) { remove(t, dir, "web.nix") }, false},
		{"overlay edited", func(t *testing.T, dir string) {
			edit(t, dir, "overlays/pin.nix", "{ }", "{ hello = prev.hello; }")
		}, false},
		{"generated file edited", func(t *testing.T, dir string) {
			// Same size, same modification time: only the content tells.
			p := filepath.Join(dir, "flake.nix")
			fi, _ := os.Stat(p)
			edit(t, dir, "flake.nix", "nixpkgs", "nixpkgZ")
			os.Chtimes(p, fi.ModTime(), fi.ModTime())
		}, false},
		{"generated file removed", func(t *testing.T, dir string) { remove(t, dir, "machines/db/default.nix") }, false},
		{"generated file replaced by the user's", func(t *testing.T, dir string) {
			writeTree(t, dir, map[string]string{"machines/db/default.nix": "{ ... }: { }\n"})
		}, false},
		{"generated file replaced by a link", func(t *testing.T, dir string) {
			p := filepath.Join(dir, "machines/db/default.nix")
			os.Rename(p, p+".orig")
			if err := os.Symlink("default.nix.orig", p); err != nil {
				t.Fatal(err)
			}
		}, false},
		{"generated file touched", func(t *testing.T, dir string) { touch(t, dir, "flake.nix") }, true},
		{"stale generated file", func(t *testing.T, dir string) {
			data, err := os.ReadFile(filepath.Join(dir, "machines/db/default.nix"))
			if err != nil {
				t.Fatal(err)
			}
			writeTree(t, dir, map[string]string{"machines/gone/default.nix": string(data)})
		}, false},
		{"user's file beside the flake", func(t *testing.T, dir string) {
			writeTree(t, dir, map[string]string{"notes.txt": "mine\n", "machines/web/hardware.nix": "{ }\n"})
		}, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cache, dir := t.TempDir(), t.TempDir()
			writeTree(t, dir, stampFleet)
			if r := runGenFor(t, cache, dir); r.code != ExitOK || r.stamped {
				t.Fatalf("first gen: exit %d, stamped %v\n%s%s", r.code, r.stamped, r.stdout, r.stderr)
			}
			if !strings.Contains(runGenFor(t, "", dir, "--check").stderr, "warning[") {
				t.Fatal("the fleet has no warning for a stamp to replay")
			}
			if m, _ := filepath.Glob(filepath.Join(cache, "shoal", "gen", "*")); len(m) != 1 {
				t.Fatalf("stamps after the first gen: %v, want one", m)
			}
			// The twin gets the same change but no stamp: it shows what gen
			// must do.
			twin := t.TempDir()
			writeTree(t, twin, stampFleet)
			runGenFor(t, "", twin)

			c.change(t, dir)
			c.change(t, twin)
			// A gen that succeeds (one that writes, or --check finding the
			// flake up to date) leaves a stamp that later gens find.
			wrote := false
			for _, args := range [][]string{{"--check", "--json"}, {"--check"}, {"--json"}, nil} {
				got := runGenFor(t, cache, dir, args...)
				if want := c.stamped || wrote; got.stamped != want {
					t.Errorf("gen %v: stamped %v, want %v", args, got.stamped, want)
				}
				wrote = wrote || got.code == ExitOK
				want := runGenFor(t, "", twin, args...)
				if want.stamped {
					t.Fatal("the twin used a stamp")
				}
				if got.code != want.code || strings.ReplaceAll(got.stdout, dir, "DIR") != strings.ReplaceAll(want.stdout, twin, "DIR") ||
					strings.ReplaceAll(got.stderr, dir, "DIR") != strings.ReplaceAll(want.stderr, twin, "DIR") {
					t.Errorf("gen %v: exit %d\n%s%s\nwithout a stamp: exit %d\n%s%s", args, got.code, got.stdout, got.stderr, want.code, want.stdout, want.stderr)
				}
			}
			if !c.stamped {
				return
			}
			// Whatever the stamp said, the flake is as gen writes it.
			if r := runGenFor(t, "", dir, "--check"); r.code != ExitOK {
				t.Errorf("flake out of date after a stamped gen: %s", r.stdout)
			}
		})
	}
}

func edit(t *testing.T, dir, name, old, new string) {
	t.Helper()
	p := filepath.Join(dir, name)
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(data, []byte(old)) {
		t.Fatalf("%s has no %q", name, old)
	}
	if err := os.WriteFile(p, bytes.Replace(data, []byte(old), []byte(new), 1), 0o644); err != nil {
		t.Fatal(err)
	}
}

func touch(t *testing.T, dir, name string) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func remove(t *testing.T, dir, name string) {
	t.Helper()
	if err := os.Remove(filepath.Join(dir, name)); err != nil {
		t.Fatal(err)
	}
}
