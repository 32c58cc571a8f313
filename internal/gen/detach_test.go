package gen_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/shoal-nix/shoal/internal/gen"
)

// TestGoldenDetached generates each golden fleet from a model detached
// from its fleet file's tree, as shoal gen does: the flake is the same.
func TestGoldenDetached(t *testing.T) {
	for _, name := range goldenFleets(t) {
		t.Run(name, func(t *testing.T) {
			rf := resolveFleet(t, os.DirFS(filepath.Join(goldenDir, name, "fleet")))
			rf.Detach()
			files, err := gen.Generate(rf, gen.Options{})
			if err != nil {
				t.Fatal(err)
			}
			want := readTree(t, filepath.Join(goldenDir, name, "want"))
			if len(files) != len(want) {
				t.Errorf("%d files generated, want %d", len(files), len(want))
			}
			for _, f := range files {
				if !bytes.Equal(f.Data, want[f.Path]) {
					t.Errorf("%s: differs from want:\n%s", f.Path, firstDifference(want[f.Path], f.Data))
				}
			}
		})
	}
}
