package check

import (
	"testing"

	"github.com/shoal-nix/shoal/internal/diag"
)

// TestDiagnosticPathsResolve holds every rule to the promise of package
// diag: a validator emits a path, and that path, not a parent of it, is
// found in the file, so the position shown is the place the diagnostic is
// about. Related locations must resolve exactly too.
func TestDiagnosticPathsResolve(t *testing.T) {
	seen := 0
	for _, c := range loadCorpus(t) {
		res := c.run(t)
		for _, d := range res.Diags {
			seen++
			if !d.Pos.Known() || !d.Exact {
				// A file that cannot be read has no lines to point at.
				if d.Code == diag.CodeCatalogFile && res.Docs[d.File] == nil {
					continue
				}
				t.Errorf("%s: %s: path %s does not resolve exactly (got %d:%d)", c.path, d.Error(), d.Path, d.Pos.Line, d.Pos.Col)
			}
			for _, r := range d.Related {
				doc := res.Docs[r.File]
				if doc == nil || !r.Pos.Known() {
					t.Errorf("%s: %s: related %q at %s %s has no position", c.path, d.Error(), r.Message, r.File, r.Path)
					continue
				}
				if _, exact := doc.Lookup(r.Path); !exact {
					t.Errorf("%s: %s: related %q: path %s does not resolve exactly in %s", c.path, d.Error(), r.Message, r.Path, r.File)
				}
			}
		}
	}
	if seen == 0 {
		t.Fatal("the corpus produced no diagnostics; the test would prove nothing")
	}
}
