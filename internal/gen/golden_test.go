package gen_test

import (
	"bytes"
	"flag"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/shoal-nix/shoal/internal/check"
	"github.com/shoal-nix/shoal/internal/diag"
	"github.com/shoal-nix/shoal/internal/gen"
	"github.com/shoal-nix/shoal/internal/resolve"
)

var update = flag.Bool("update", false, "rewrite testdata/gen/*/want with what the generator writes now")

// goldenDir holds the golden fleets: NAME/fleet is a fleet directory (its
// shoal.toml and the files it names), NAME/want the flake generated from it
// into the fleet directory itself, one file per generated file.
const goldenDir = "../../testdata/gen"

// goldenFleets returns the names of the golden fleets, sorted.
func goldenFleets(t testing.TB) []string {
	t.Helper()
	entries, err := os.ReadDir(goldenDir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		if e.IsDir() {
			names = append(names, e.Name())
		}
	}
	if len(names) == 0 {
		t.Fatalf("no golden fleets in %s", goldenDir)
	}
	return names
}

// resolveFleet checks the fleet in fsys and returns it resolved, failing
// the test on any diagnostic: the generator is only ever given a fleet
// without errors, and the test fleets have no warnings either.
func resolveFleet(t testing.TB, fsys fs.FS) *resolve.Fleet {
	t.Helper()
	res, err := check.Run(fsys, ".", "")
	if err != nil {
		t.Fatal(err)
	}
	if f := res.Diags.Findings(); len(f) > 0 {
		t.Fatalf("the fleet does not check clean:\n%s", describe(f))
	}
	if res.Resolved == nil {
		t.Fatal("the fleet checked without errors but did not resolve")
	}
	return res.Resolved
}

// describe lists diagnostics one a line, for failure messages.
func describe(l diag.List) string {
	var b strings.Builder
	for _, d := range l {
		b.WriteString("  " + d.Error() + "\n")
	}
	return b.String()
}

// generate checks the fleet directory dir and generates its flake into the
// fleet directory (SourceDir ""), failing on any diagnostic.
func generate(t testing.TB, dir string) []gen.File {
	t.Helper()
	files, err := gen.Generate(resolveFleet(t, os.DirFS(dir)), gen.Options{})
	if err != nil {
		t.Fatalf("generate %s: %v", dir, err)
	}
	return files
}

// TestGolden compares the flake generated from each golden fleet with its
// want directory, file by file: a file missing from either side is a
// failure as much as a changed one. With -update it rewrites want instead;
// review the diff.
func TestGolden(t *testing.T) {
	for _, name := range goldenFleets(t) {
		t.Run(name, func(t *testing.T) {
			files := generate(t, filepath.Join(goldenDir, name, "fleet"))
			wantDir := filepath.Join(goldenDir, name, "want")
			if *update {
				writeTree(t, wantDir, files)
				return
			}
			want := readTree(t, wantDir)
			for _, f := range files {
				w, ok := want[f.Path]
				if !ok {
					t.Errorf("%s: generated, but not in want (run go test ./internal/gen -run TestGolden -update and review)", f.Path)
					continue
				}
				delete(want, f.Path)
				if !bytes.Equal(f.Data, w) {
					t.Errorf("%s: differs from want:\n%s", f.Path, firstDifference(w, f.Data))
				}
			}
			for _, p := range slices.Sorted(maps.Keys(want)) {
				t.Errorf("%s: in want, but no longer generated", p)
			}
		})
	}
}

// TestGoldenHomelabIsTheExample keeps the golden homelab fleet a copy of
// examples/homelab, so that its want directory shows what users of the
// example get.
func TestGoldenHomelabIsTheExample(t *testing.T) {
	example := readTree(t, filepath.Join("..", "..", "examples", "homelab"))
	golden := readTree(t, filepath.Join(goldenDir, "homelab", "fleet"))
	if !maps.EqualFunc(example, golden, bytes.Equal) {
		t.Errorf("testdata/gen/homelab/fleet differs from examples/homelab: copy it again (cp -r examples/homelab/. testdata/gen/homelab/fleet/) and run go test ./internal/gen -run TestGolden -update")
	}
}

// writeTree replaces dir with the files.
func writeTree(t *testing.T, dir string, files []gen.File) {
	t.Helper()
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	writeFlake(t, dir, files)
}

// readTree returns every file under dir by its slash-separated path.
func readTree(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		out[filepath.ToSlash(rel)] = data
		return nil
	})
	if err != nil {
		t.Fatalf("read %s: %v (for a want directory, run with -update to create it)", dir, err)
	}
	return out
}

// firstDifference shows the first line where got departs from want, with
// two lines of context before it.
func firstDifference(want, got []byte) string {
	wl := strings.Split(string(want), "\n")
	gl := strings.Split(string(got), "\n")
	i := 0
	for i < len(wl) && i < len(gl) && wl[i] == gl[i] {
		i++
	}
	var b strings.Builder
	for j := max(0, i-2); j < i; j++ {
		b.WriteString("    " + gl[j] + "\n")
	}
	line := func(prefix string, lines []string) {
		if i < len(lines) {
			b.WriteString(prefix + lines[i] + "\n")
		} else {
			b.WriteString(prefix + "(end of file)\n")
		}
	}
	b.WriteString("  line " + strconv.Itoa(i+1) + ":\n")
	line("  - ", wl)
	line("  + ", gl)
	return b.String()
}
