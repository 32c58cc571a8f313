package stamp

import (
	"crypto/sha256"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"testing/fstest"

	"github.com/shoal-nix/shoal/internal/genfs"
)

func TestSaveLoad(t *testing.T) {
	s := &Stamp{
		Key:      "k1",
		Warnings: []byte("shoal.toml:1:1: warning[SH000]: x\nwith \"quotes\" and\x00bytes\n"),
		Inputs:   []Input{{Op: opRead, Kind: kindFile, Name: "shoal.toml", Sum: sha256.Sum256([]byte("a"))}, {Op: opReadDir, Kind: kindMissing, Name: "a dir/with\nnewline"}},
		Outputs: []genfs.Identity{{Path: "flake.nix", Sum: sha256.Sum256([]byte("b")), Key: genfs.FileKey{Dev: 1, Ino: 2, Size: 3, Mtime: 4, Ctime: 5}},
			{Path: "machines/a b/default.nix"}},
	}
	path := filepath.Join(t.TempDir(), "gen", "stamp")
	if err := Save(path, s); err != nil {
		t.Fatal(err)
	}
	got, ok := Load(path, "k1")
	if !ok || !reflect.DeepEqual(got, s) {
		t.Fatalf("Load = %+v, %v; want %+v", got, ok, s)
	}
	// Another shoal, another directory or option: another key.
	if _, ok := Load(path, "k2"); ok {
		t.Error("Load accepted a stamp of another key")
	}
	data, _ := os.ReadFile(path)
	for _, cut := range []int{0, 10, len(data) / 2, len(data) - 1} {
		os.WriteFile(path, data[:cut], 0o600)
		if _, ok := Load(path, "k1"); ok {
			t.Errorf("Load accepted a stamp cut at %d of %d bytes", cut, len(data))
		}
	}
}

func TestKeyTellsPartsApart(t *testing.T) {
	a, ok1 := Key("/fleet", "/out", "false")
	b, ok2 := Key("/fleet", "/out", "true")
	c, ok3 := Key("/fleet", "/out", "false")
	if !ok1 || !ok2 || !ok3 {
		t.Skip("no executable identity here")
	}
	if a == b || a != c {
		t.Errorf("keys %s %s %s: want the first and last equal, the second other", a, b, c)
	}
}

// TestKeyTellsShoalsApart holds a stamp to the shoal that wrote it: another
// build of shoal, installed over the same path or elsewhere, has another
// key, so it never trusts a stamp whose outputs an older shoal made.
func TestKeyTellsShoalsApart(t *testing.T) {
	dir := t.TempDir()
	exe := filepath.Join(dir, "shoal")
	install := func(content string) {
		t.Helper()
		tmp := exe + ".new"
		if err := os.WriteFile(tmp, []byte(content), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(tmp, exe); err != nil { // as go install replaces it
			t.Fatal(err)
		}
	}
	key := func(exe, build string) string {
		t.Helper()
		k, ok := keyOf(exe, build, "/fleet", "/out", "false")
		if !ok {
			t.Fatalf("no key for %s", exe)
		}
		return k
	}
	install("shoal 1")
	first := key(exe, "build 1")
	if again := key(exe, "build 1"); again != first {
		t.Fatal("the same shoal has two keys")
	}
	others := map[string]func() string{
		"another build":            func() string { return key(exe, "build 2") },
		"another path":             func() string { os.Link(exe, exe+"2"); return key(exe+"2", "build 1") },
		"another binary":           func() string { install("shoal 2"); return key(exe, "build 1") },
		"the same one reinstalled": func() string { install("shoal 2"); return key(exe, "build 1") },
	}
	seen := map[string]string{first: "the first"}
	for _, name := range []string{"another build", "another path", "another binary", "the same one reinstalled"} {
		k := others[name]()
		if was, dup := seen[k]; dup {
			t.Errorf("%s has the key of %s", name, was)
		}
		seen[k] = name
	}
	if _, ok := keyOf(filepath.Join(dir, "missing"), "build 1"); ok {
		t.Error("a key for a missing executable")
	}
}

// TestRecorderReplays records a check-like run's accesses and checks that
// every kind of change to what was read is seen, and nothing else.
func TestRecorderReplays(t *testing.T) {
	base := fstest.MapFS{
		"shoal.toml":                 {Data: []byte("fleet")},
		"features/motd/feature.toml": {Data: []byte("feature")},
		"web.nix":                    {Data: []byte("{ }")},
		"notes.txt":                  {Data: []byte("not read")},
	}
	read := func(fsys fstest.MapFS) []Input {
		r := NewRecorder(fsys)
		r.ReadFile("shoal.toml")
		r.ReadDir("features")
		r.ReadFile("features/motd/feature.toml")
		r.Stat("web.nix")
		r.Stat("overlay.nix") // missing
		ins, ok := r.Inputs()
		if !ok {
			t.Fatal("record spoiled")
		}
		return ins
	}
	ins := read(base)
	clone := func() fstest.MapFS {
		m := fstest.MapFS{}
		for k, v := range base {
			c := *v
			m[k] = &c
		}
		return m
	}
	for name, c := range map[string]struct {
		change func(fstest.MapFS)
		same   bool
	}{
		"nothing":          {func(fstest.MapFS) {}, true},
		"unread file":      {func(m fstest.MapFS) { m["notes.txt"].Data = []byte("x") }, true},
		"fleet edited":     {func(m fstest.MapFS) { m["shoal.toml"].Data = []byte("fleeT") }, false},
		"feature added":    {func(m fstest.MapFS) { m["features/banner/feature.toml"] = &fstest.MapFile{Data: nil} }, false},
		"module edited":    {func(m fstest.MapFS) { m["web.nix"].Data = []byte("{ x }") }, false},
		"module removed":   {func(m fstest.MapFS) { delete(m, "web.nix") }, false},
		"overlay appeared": {func(m fstest.MapFS) { m["overlay.nix"] = &fstest.MapFile{} }, false},
	} {
		m := clone()
		c.change(m)
		if got := unchanged(m, ins); got != c.same {
			t.Errorf("%s: unchanged = %v, want %v", name, got, c.same)
		}
	}
	r := NewRecorder(base)
	r.Lstat("web.nix")
	if _, ok := r.Inputs(); ok {
		t.Error("an Lstat did not spoil the record")
	}
}
