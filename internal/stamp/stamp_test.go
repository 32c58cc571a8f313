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
