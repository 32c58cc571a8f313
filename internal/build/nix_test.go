package build_test

// Builds examples/homelab's machines with real Nix, offline, against the
// lab stand-in for nixpkgs (testdata/lab-nixpkgs, not nixpkgs: each
// machine becomes a small system closure with bin/switch-to-configuration,
// made of the Nix files the machine reaches).
//
// Nix runs with a local store rooted in a temporary directory (--store
// DIR), HOME, XDG and NIX_CONF_DIR in temporary directories, no
// substituters and proxies pointing at a closed port: no daemon, no
// network, nothing added to /nix/store, which the test checks. A store
// with another root builds in Nix's sandbox, which gets /bin, /usr, /lib
// and /lib64 for the stand-in's /bin/sh builder.

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/shoal-nix/shoal/internal/build"
	"github.com/shoal-nix/shoal/internal/check"
	"github.com/shoal-nix/shoal/internal/gen"
	"github.com/shoal-nix/shoal/internal/genfs"
	"github.com/shoal-nix/shoal/internal/layout"
	"github.com/shoal-nix/shoal/internal/runner"
)

// requireNix returns the path of nix; without one the test is skipped,
// except under CI=true, where .ci/run installs nix-bin and a missing one
// is a failure.
func requireNix(t *testing.T) string {
	t.Helper()
	bin, err := exec.LookPath("nix")
	if err == nil {
		return bin
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("nix is not on PATH but CI=true: .ci/run must install nix-bin (%v)", err)
	}
	t.Skipf("nix is not on PATH, so no machine is built (apt-get install nix-bin runs this; under CI=true it fails instead)")
	return ""
}

// offlineNix is a temporary, offline Nix: its runner environment and the
// flags every command gets.
type offlineNix struct {
	store string // the store's root directory: paths live in store/nix/store
	env   []string
	flags []string
}

func newOfflineNix(t *testing.T) *offlineNix {
	t.Helper()
	tmp := t.TempDir()
	home := filepath.Join(tmp, "home")
	conf := filepath.Join(tmp, "etc-nix")
	for _, d := range []string{home, conf} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	n := &offlineNix{store: filepath.Join(tmp, "store")}
	n.env = []string{
		"HOME=" + home,
		"NIX_CONF_DIR=" + conf,
		"XDG_CACHE_HOME=" + filepath.Join(home, "cache"),
		"XDG_CONFIG_HOME=" + filepath.Join(home, "config"),
		"XDG_CONFIG_DIRS=" + conf,
		"XDG_DATA_HOME=" + filepath.Join(home, "data"),
		"XDG_STATE_HOME=" + filepath.Join(home, "state"),
		"NIX_REMOTE=",
		// Whatever would still be fetched fails at once.
		"http_proxy=http://127.0.0.1:9", "https_proxy=http://127.0.0.1:9", "all_proxy=http://127.0.0.1:9",
	}
	n.flags = []string{
		"--store", n.store,
		"--option", "substituters", "",
		"--option", "flake-registry", "",
		"--option", "build-users-group", "",
		"--option", "sandbox-paths", "/bin /usr /lib /lib64",
	}
	// The store's paths are read-only; t.TempDir must be able to remove them.
	t.Cleanup(func() {
		_ = filepath.WalkDir(tmp, func(p string, d os.DirEntry, err error) error {
			if err == nil && d.IsDir() {
				_ = os.Chmod(p, 0o755)
			}
			return nil
		})
	})
	return n
}

// nix runs nix with args in the temporary environment.
func (n *offlineNix) nix(t *testing.T, args ...string) []byte {
	t.Helper()
	cmd := exec.Command("nix", append([]string{"--extra-experimental-features", "nix-command flakes"}, args...)...)
	cmd.Env = append(os.Environ(), n.env...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("nix %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return out
}

// generate writes the flake of the fleet in dir into dir, as shoal gen
// does, and returns the generated files that changed.
func generate(t *testing.T, dir string) []string {
	t.Helper()
	res, err := check.Run(os.DirFS(dir), ".", "")
	if err != nil {
		t.Fatal(err)
	}
	if res.Diags.HasErrors() || res.Resolved == nil {
		t.Fatalf("the fleet has errors: %v", res.Diags)
	}
	files, err := gen.Generate(res.Resolved, gen.Options{})
	if err != nil {
		t.Fatal(err)
	}
	disk := gen.DiskFiles(files)
	plan, err := genfs.Compare(dir, disk, layout.Owned)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := genfs.Apply(dir, disk, plan); err != nil {
		t.Fatal(err)
	}
	return append(plan.Creates, plan.Updates...)
}

// standIns override nixpkgs and disko (which machines with a disk layout
// import) with the lab stand-in, and flake-parts (the default layout's
// input) and its nixpkgs-lib with the unmodified copies in
// ../shared/data beside the clone, as flake references. Without those
// copies the test skips, except under CI=true with ../shared there.
func standIns(t *testing.T) []build.Override {
	t.Helper()
	ref, err := build.FlakeRef(filepath.Join("..", "..", "testdata", "lab-nixpkgs"))
	if err != nil {
		t.Fatal(err)
	}
	shared := filepath.Join("..", "..", "..", "shared")
	parts := filepath.Join(shared, "data", "flake-parts")
	lib := os.Getenv("NIXPKGS_LIB")
	if lib == "" {
		lib = filepath.Join(shared, "data", "nixpkgs-lib")
	}
	for _, dir := range []string{parts, lib} {
		if _, err := os.Stat(filepath.Join(dir, "flake.nix")); err != nil {
			if _, serr := os.Stat(shared); serr == nil && os.Getenv("CI") == "true" {
				t.Fatalf("CI=true and %s exists, but the flake-parts layout cannot be built: %v", shared, err)
			}
			t.Skipf("no flake-parts and nixpkgs-lib in %s/data beside the clone: %v", shared, err)
		}
	}
	partsRef, err := build.FlakeRef(parts)
	if err != nil {
		t.Fatal(err)
	}
	libRef, err := build.FlakeRef(lib)
	if err != nil {
		t.Fatal(err)
	}
	return []build.Override{{Input: "nixpkgs", Ref: ref}, {Input: "disko", Ref: ref},
		{Input: "flake-parts", Ref: partsRef}, {Input: "flake-parts/nixpkgs-lib", Ref: libRef}}
}

// storeNames lists /nix/store, or nil when there is none.
func storeNames(t *testing.T) map[string]bool {
	entries, err := os.ReadDir("/nix/store")
	if err != nil {
		return nil
	}
	names := map[string]bool{}
	for _, e := range entries {
		names[e.Name()] = true
	}
	return names
}

// TestBuildHomelab builds every machine of examples/homelab against the
// lab stand-in: each gives a system with bin/switch-to-configuration; no
// change gives the same closures; a change to one machine's generated
// files changes that machine's closure only; --cache leaves every closure
// in a file:// binary cache.
func TestBuildHomelab(t *testing.T) {
	requireNix(t)
	before := storeNames(t)
	fleetDir := filepath.Join(t.TempDir(), "homelab")
	if err := os.CopyFS(fleetDir, os.DirFS(filepath.Join("..", "..", "examples", "homelab"))); err != nil {
		t.Fatal(err)
	}
	generate(t, fleetDir)
	n := newOfflineNix(t)
	machines := []string{"laptop", "family", "gamer", "nas", "vps"}
	run := func(cache string) map[string]build.Result {
		t.Helper()
		var streamed []string
		results, err := build.Run(context.Background(), build.Options{
			Flake:     fleetDir,
			Machines:  machines,
			Overrides: standIns(t),
			NixFlags:  n.flags,
			Cache:     cache,
			Runner:    &runner.Runner{Env: n.env},
			OnResult:  func(r build.Result) { streamed = append(streamed, r.Machine) },
		})
		if err != nil {
			t.Fatal(err)
		}
		slices.Sort(streamed)
		if !slices.Equal(streamed, slices.Sorted(slices.Values(machines))) {
			t.Errorf("results streamed for %v, want each machine once", streamed)
		}
		out := map[string]build.Result{}
		for _, r := range results {
			if !r.OK() {
				t.Fatalf("%s did not build: %v", r.Machine, r.Err)
			}
			out[r.Machine] = r
		}
		return out
	}

	first := run("")
	for _, m := range machines {
		r := first[m]
		if !strings.HasPrefix(r.StorePath, "/nix/store/") || !strings.Contains(r.StorePath, "-nixos-system-"+m+"-") {
			t.Errorf("%s: store path %q is not a NixOS system named after the machine", m, r.StorePath)
		}
		info, err := os.Stat(filepath.Join(n.store, r.StorePath, "bin", "switch-to-configuration"))
		if err != nil || info.Mode()&0o111 == 0 {
			t.Errorf("%s: %s has no executable bin/switch-to-configuration (%v)", m, r.StorePath, err)
		}
		if r.ClosureSize <= 0 {
			t.Errorf("%s: closure size %d", m, r.ClosureSize)
		}
		// The closure size is Nix's own figure.
		var info2 []struct {
			ClosureSize int64 `json:"closureSize"`
		}
		if err := json.Unmarshal(n.nix(t, append([]string{"path-info", "--json", "-S", r.StorePath}, n.flags...)...), &info2); err != nil || len(info2) != 1 || info2[0].ClosureSize != r.ClosureSize {
			t.Errorf("%s: closure size %d, nix path-info -S says %+v (%v)", m, r.ClosureSize, info2, err)
		}
	}
	if len(first) == len(machines) {
		seen := map[string]string{}
		for m, r := range first {
			if other, ok := seen[r.StorePath]; ok {
				t.Errorf("%s and %s have the same closure %s", m, other, r.StorePath)
			}
			seen[r.StorePath] = m
		}
	}

	// No change: gen writes nothing, and every closure is the same.
	if changed := generate(t, fleetDir); len(changed) != 0 {
		t.Fatalf("gen with no change wrote %v", changed)
	}
	again := run("")
	for _, m := range machines {
		if again[m].StorePath != first[m].StorePath {
			t.Errorf("%s: no change, but the closure changed from %s to %s", m, first[m].StorePath, again[m].StorePath)
		}
	}

	// A change to vps alone: its generated files change, its closure
	// changes, and no other machine's does.
	toml := filepath.Join(fleetDir, check.FleetFile)
	src, err := os.ReadFile(toml)
	if err != nil {
		t.Fatal(err)
	}
	edited := bytes.Replace(src, []byte("settings.ssh.port = 2222\n"), []byte("settings.ssh.port = 2223\n"), 1)
	if bytes.Equal(edited, src) {
		t.Fatal("examples/homelab no longer sets vps's settings.ssh.port = 2222; change the edit this test makes")
	}
	if err := os.WriteFile(toml, edited, 0o644); err != nil {
		t.Fatal(err)
	}
	if changed := generate(t, fleetDir); !slices.Equal(changed, []string{layout.Machine("vps")}) {
		t.Fatalf("changing vps's ssh port changed the generated files %v, want only %s", changed, layout.Machine("vps"))
	}
	// Into a file:// binary cache this time.
	cacheDir := filepath.Join(t.TempDir(), "cache")
	cache := "file://" + cacheDir
	changed := run(cache)
	for _, m := range machines {
		moved := changed[m].StorePath != first[m].StorePath
		if m == "vps" && !moved {
			t.Errorf("vps changed, but its closure is still %s", first[m].StorePath)
		}
		if m != "vps" && moved {
			t.Errorf("only vps changed, but %s's closure changed from %s to %s", m, first[m].StorePath, changed[m].StorePath)
		}
	}

	// The cache holds every machine's whole closure.
	for _, m := range machines {
		r := changed[m]
		if r.Cache != cache {
			t.Errorf("%s: result says cache %q, want %q", m, r.Cache, cache)
		}
		local := strings.Fields(string(n.nix(t, append([]string{"path-info", "--recursive", r.StorePath}, n.flags...)...)))
		cached := strings.Fields(string(n.nix(t, "path-info", "--recursive", "--store", cache, r.StorePath)))
		slices.Sort(local)
		slices.Sort(cached)
		if len(local) < 2 || !slices.Equal(local, cached) {
			t.Errorf("%s: the cache holds %d paths of the closure, the store %d:\ncache %v\nstore %v", m, len(cached), len(local), cached, local)
		}
	}

	// Nothing reached the real store.
	for _, r := range changed {
		name := strings.TrimPrefix(r.StorePath, "/nix/store/")
		if _, err := os.Lstat(r.StorePath); err == nil && !before[name] {
			t.Errorf("%s appeared in the real /nix/store: the build must use the temporary store only", r.StorePath)
		}
	}
}
