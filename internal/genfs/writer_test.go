package genfs

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// addAll adds files to w in path order, stopping at the first error.
func addAll(t *testing.T, w *Writer, fs []File) {
	t.Helper()
	slices.SortFunc(fs, func(a, b File) int { return strings.Compare(a.Path, b.Path) })
	for _, f := range fs {
		if err := w.Add(f); err != nil {
			t.Fatalf("Add %s: %v", f.Path, err)
		}
	}
}

// TestWriterPlansAsCompareAndWritesAsApply streams a tree with files to
// create, update, keep and remove into a Writer: its plan is Compare's,
// and after Commit the tree is what Apply makes of it.
func TestWriterPlansAsCompareAndWritesAsApply(t *testing.T) {
	before := map[string]string{
		"flake.nix":               gen("{ old }\n"),
		"modules/keep.nix":        gen("{ }\n"),
		"modules/stale.nix":       gen("{ }\n"),
		"modules/gone/stale2.nix": gen("{ }\n"),
		"README.md":               "mine\n",
	}
	want := map[string]string{
		"flake.nix":              gen("{ new }\n"),
		"modules/keep.nix":       gen("{ }\n"),
		"machines/a/default.nix": gen("{ a }\n"),
		"modules/new/x.nix":      gen("{ x }\n"),
	}
	viaApply, viaWriter := t.TempDir(), t.TempDir()
	writeTree(t, viaApply, before)
	writeTree(t, viaWriter, before)

	p, err := Compare(viaApply, files(want), owned)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Apply(viaApply, files(want), p); err != nil {
		t.Fatal(err)
	}

	w, err := NewWriter(viaWriter, owned, WriterOptions{Stage: true})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Abort()
	addAll(t, w, files(want))
	wp, err := w.Finish()
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(wp, p) {
		t.Errorf("Writer plan = %+v\nCompare plan = %+v", wp, p)
	}
	res, err := w.Commit()
	if err != nil {
		t.Fatal(err)
	}
	if res.Written != 3 || res.Removed != 2 {
		t.Errorf("Commit = %+v, want 3 written and 2 removed", res)
	}
	if got, wantTree := readTree(t, viaWriter), readTree(t, viaApply); !reflect.DeepEqual(got, wantTree) {
		t.Errorf("Writer's tree:\n%q\nApply's tree:\n%q", got, wantTree)
	}
}

// TestWriterLateRefusalChangesNothing refuses the last file, after others
// were staged and directories made for them: Commit changes nothing, and
// leaves no temporary file or directory behind.
func TestWriterLateRefusalChangesNothing(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{"flake.nix": gen("{ old }\n"), "modules/zzz.nix": "# mine\n"})
	before := readTree(t, dir)
	w, err := NewWriter(dir, owned, WriterOptions{Stage: true})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Abort()
	addAll(t, w, files(map[string]string{
		"flake.nix":         gen("{ new }\n"),
		"modules/a/b/c.nix": gen("{ }\n"),
		"modules/zzz.nix":   gen("{ }\n"),
	}))
	p, err := w.Finish()
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Refused) != 1 || p.Refused[0].Path != "modules/zzz.nix" {
		t.Fatalf("refused = %+v, want modules/zzz.nix", p.Refused)
	}
	_, err = w.Commit()
	var refused *RefusedError
	if !errors.As(err, &refused) {
		t.Fatalf("Commit error = %v, want a *RefusedError", err)
	}
	if got := readTree(t, dir); !reflect.DeepEqual(got, before) {
		t.Errorf("refused Commit changed the tree:\n got %q\nwant %q", got, before)
	}
}

// TestWriterStagingFailureChangesNothing makes the second staged write
// fail: Finish reports it, and Abort leaves the tree as it was.
func TestWriterStagingFailureChangesNothing(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{"flake.nix": gen("{ old }\n")})
	before := readTree(t, dir)
	calls := 0
	testHookStage = func(string) error {
		if calls++; calls == 2 {
			return errors.New("disk full")
		}
		return nil
	}
	defer func() { testHookStage = nil }()
	w, err := NewWriter(dir, owned, WriterOptions{Stage: true})
	if err != nil {
		t.Fatal(err)
	}
	fs := files(map[string]string{"flake.nix": gen("{ new }\n"), "modules/a/x.nix": gen("{ }\n"), "modules/b/y.nix": gen("{ }\n")})
	slices.SortFunc(fs, func(a, b File) int { return strings.Compare(a.Path, b.Path) })
	var addErr error
	for _, f := range fs {
		if addErr = w.Add(f); addErr != nil {
			break
		}
	}
	_, finishErr := w.Finish()
	if err := errors.Join(addErr, finishErr); err == nil || !strings.Contains(err.Error(), "disk full") || !strings.Contains(err.Error(), "nothing was changed") {
		t.Errorf("error = %v, want the cause and that nothing was changed", err)
	}
	w.Abort()
	if got := readTree(t, dir); !reflect.DeepEqual(got, before) {
		t.Errorf("failed Writer changed the tree:\n got %q\nwant %q", got, before)
	}
}

// TestWriterCheckWritesNothing compares a tree into a directory that does
// not exist and one that is out of date, without staging: nothing is
// written, not even the output directory.
func TestWriterCheckWritesNothing(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "out")
	w, err := NewWriter(missing, owned, WriterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	addAll(t, w, files(map[string]string{"flake.nix": gen("{ }\n"), "modules/x.nix": gen("{ }\n")}))
	p, err := w.Finish()
	if err != nil {
		t.Fatal(err)
	}
	w.Abort()
	if len(p.Creates) != 2 {
		t.Errorf("plan = %+v, want two files to create", p)
	}
	if _, err := os.Stat(missing); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("comparing made the output directory: %v", err)
	}
	if _, err := w.Commit(); err == nil {
		t.Error("Commit of a Writer that does not stage succeeded")
	}
}

// TestWriterIdentities gives a settled file found as wanted its
// fingerprint, and a file written none.
func TestWriterIdentities(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{"flake.nix": gen("{ }\n")})
	old := time.Now().Add(-time.Hour)
	if err := os.Chtimes(filepath.Join(dir, "flake.nix"), old, old); err != nil {
		t.Fatal(err)
	}
	// The change time cannot be set back: take "since" far enough ahead
	// that the file counts as settled.
	since := time.Now().Add(2 * Settle)
	w, err := NewWriter(dir, owned, WriterOptions{Stage: true, Identify: true})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Abort()
	addAll(t, w, files(map[string]string{"flake.nix": gen("{ }\n"), "modules/x.nix": gen("{ x }\n")}))
	if _, err := w.Finish(); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Commit(); err != nil {
		t.Fatal(err)
	}
	ids := w.Identities(since)
	want, err := Identify(dir, files(map[string]string{"flake.nix": gen("{ }\n"), "modules/x.nix": gen("{ x }\n")}), since)
	if err != nil {
		t.Fatal(err)
	}
	slices.SortFunc(want, func(a, b Identity) int { return strings.Compare(a.Path, b.Path) })
	if ids[0].Key == (FileKey{}) || ids[1].Key != (FileKey{}) {
		t.Errorf("identities = %+v, want a fingerprint for flake.nix only", ids)
	}
	for i := range want {
		want[i].Key = FileKey{} // Identify sees the written file settled too, by the same since
	}
	for i := range ids {
		if ids[i].Path != want[i].Path || ids[i].Sum != want[i].Sum {
			t.Errorf("identity %d = %s %x, want %s %x", i, ids[i].Path, ids[i].Sum, want[i].Path, want[i].Sum)
		}
	}
	if ok, _, err := Verify(dir, ids, owned); err != nil || !ok {
		t.Errorf("Verify of the Writer's identities = %v, %v; want true", ok, err)
	}
}

// TestWriterStagesNewDirectoriesWhole stages files in directories that do
// not exist yet: until Commit, nothing is at the directories' places and
// the only new entries are hidden temporary ones; after it, every file is
// in place and no temporary entry is left.
func TestWriterStagesNewDirectoriesWhole(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{"modules/keep.nix": gen("{ }\n")})
	want := map[string]string{
		"flake.nix":                 gen("{ }\n"),
		"machines/a/default.nix":    gen("{ a }\n"),
		"machines/a/disko.nix":      gen("{ a disk }\n"),
		"machines/b/default.nix":    gen("{ b }\n"),
		"modules/keep.nix":          gen("{ }\n"),
		"modules/new/deep/x.nix":    gen("{ x }\n"),
		"modules/new/y.nix":         gen("{ y }\n"),
		"modules/other/deeper/z.nx": gen("{ z }\n"),
	}
	w, err := NewWriter(dir, owned, WriterOptions{Stage: true})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Abort()
	addAll(t, w, files(want))
	p, err := w.Finish()
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Creates) != 7 || len(p.Unchanged) != 1 || len(p.Removes) != 0 {
		t.Errorf("plan = %+v, want 7 files to create, 1 unchanged and none to remove", p)
	}
	for _, name := range []string{"machines", "modules/new", "modules/other", "flake.nix"} {
		if _, err := os.Lstat(filepath.Join(dir, name)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s is in place before Commit: %v", name, err)
		}
	}
	for _, sub := range []string{".", "modules"} {
		entries, err := os.ReadDir(filepath.Join(dir, sub))
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			if n := e.Name(); n != "modules" && n != "keep.nix" && !(strings.HasPrefix(n, ".") && strings.HasSuffix(n, ".tmp")) {
				t.Errorf("staging put %s in %s, want only hidden temporary entries", n, sub)
			}
		}
	}
	res, err := w.Commit()
	if err != nil {
		t.Fatal(err)
	}
	if res.Written != 7 {
		t.Errorf("Commit = %+v, want 7 written", res)
	}
	if got := readTree(t, dir); !reflect.DeepEqual(got, want) {
		t.Errorf("tree after Commit:\n got %q\nwant %q", got, want)
	}
}

// TestWriterNewDirectoryTakenMeanwhile makes a directory that was to be
// made appear before Commit, holding a file of the user's: Commit fails,
// changes nothing, and leaves no temporary entry.
func TestWriterNewDirectoryTakenMeanwhile(t *testing.T) {
	for _, mine := range []string{"machines/a/default.nix", "machines", "machines/notes.txt"} {
		t.Run(mine, func(t *testing.T) {
			dir := t.TempDir()
			w, err := NewWriter(dir, owned, WriterOptions{Stage: true})
			if err != nil {
				t.Fatal(err)
			}
			defer w.Abort()
			addAll(t, w, files(map[string]string{"flake.nix": gen("{ }\n"), "machines/a/default.nix": gen("{ a }\n")}))
			if _, err := w.Finish(); err != nil {
				t.Fatal(err)
			}
			before := map[string]string{mine: "mine\n"}
			writeTree(t, dir, before)
			if _, err := w.Commit(); err == nil || !strings.Contains(err.Error(), "changed since it was compared") {
				t.Errorf("Commit error = %v, want that machines changed", err)
			}
			w.Abort()
			if got := readTree(t, dir); !reflect.DeepEqual(got, before) {
				t.Errorf("Commit changed the tree:\n got %q\nwant %q", got, before)
			}
		})
	}
}

// TestRenameNoReplace never replaces what is at the new name: a file, a
// directory with entries, or an empty directory.
func TestRenameNoReplace(t *testing.T) {
	for name, tree := range map[string]map[string]string{
		"file":      {"to": "mine\n"},
		"directory": {"to/x": "mine\n"},
		"empty":     {"to/x": "mine\n"},
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			writeTree(t, dir, tree)
			if name == "empty" {
				os.Remove(filepath.Join(dir, "to", "x"))
			}
			if err := os.Mkdir(filepath.Join(dir, "from"), 0o755); err != nil {
				t.Fatal(err)
			}
			root, err := os.OpenRoot(dir)
			if err != nil {
				t.Fatal(err)
			}
			defer root.Close()
			before := readTree(t, dir)
			if err := renameNoReplace(root, "from", "to"); !errors.Is(err, os.ErrExist) {
				t.Errorf("renameNoReplace = %v, want an error wrapping fs.ErrExist", err)
			}
			if got := readTree(t, dir); !reflect.DeepEqual(got, before) {
				t.Errorf("renameNoReplace changed the tree:\n got %q\nwant %q", got, before)
			}
			if err := renameNoReplace(root, "from", "new"); err != nil {
				t.Errorf("renameNoReplace to a free name: %v", err)
			}
		})
	}
}
