package examples

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

// TestEmbeddedMatchesDisk: go:embed silently leaves out files whose names
// start with "." or "_", so an example that needs such a file would work
// from a checkout and break in `shoal demo`. Every file on disk must be in FS,
// byte for byte, and every example must hold a shoal.toml.
func TestEmbeddedMatchesDisk(t *testing.T) {
	dirs, err := fs.ReadDir(FS, ".")
	if err != nil {
		t.Fatal(err)
	}
	if len(dirs) == 0 {
		t.Fatal("no example fleets are embedded")
	}
	for _, d := range dirs {
		if _, err := fs.Stat(FS, d.Name()+"/shoal.toml"); err != nil {
			t.Errorf("example %s has no shoal.toml: %v", d.Name(), err)
		}
	}
	err = filepath.WalkDir(".", func(p string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() || filepath.Dir(p) == "." {
			return err // files beside examples.go are not examples
		}
		disk, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		embedded, err := fs.ReadFile(FS, filepath.ToSlash(p))
		if err != nil {
			t.Errorf("%s is on disk but not embedded (go:embed leaves out names starting with . or _): %v", p, err)
			return nil
		}
		if !bytes.Equal(disk, embedded) {
			t.Errorf("%s differs between disk and the embedded copy", p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
