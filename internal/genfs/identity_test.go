package genfs

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

func identityTree(t *testing.T) (string, []File) {
	t.Helper()
	dir := t.TempDir()
	files := []File{
		{Path: "flake.nix", Data: []byte(Header + "\n{ }\n")},
		{Path: "machines/web/default.nix", Data: []byte(Header + "\n{ web = 1; }\n")},
	}
	p, err := Compare(dir, files, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Apply(dir, files, p); err != nil {
		t.Fatal(err)
	}
	return dir, files
}

// TestIdentifyKeepsNoFingerprintOfAFreshFile is the rule that makes a
// stamp safe against edits within one tick of the file system's clock: a
// file changed after the moment its content was judged gets no
// fingerprint, so Verify reads it again.
func TestIdentifyKeepsNoFingerprintOfAFreshFile(t *testing.T) {
	dir, files := identityTree(t)
	ids, err := Identify(dir, files, time.Now().Add(-time.Second))
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		if id.Key != (FileKey{}) {
			t.Errorf("%s: fingerprint kept for a file written after the moment given", id.Path)
		}
	}
	// Same size, same modification time, other content: without a
	// fingerprint Verify reads the file and sees it.
	p := filepath.Join(dir, "flake.nix")
	fi, _ := os.Stat(p)
	if err := os.WriteFile(p, []byte(Header+"\n{ X }\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	os.Chtimes(p, fi.ModTime(), fi.ModTime())
	if ok, _, err := Verify(dir, ids, nil); ok || err != nil {
		t.Errorf("Verify = %v, %v after an edit that kept size and time; want false", ok, err)
	}
}

func TestVerifySettledFingerprints(t *testing.T) {
	dir, files := identityTree(t)
	// As if the files had been judged long after they were written.
	ids, err := Identify(dir, files, time.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		if id.Key == (FileKey{}) {
			t.Fatalf("%s: no fingerprint for a settled file", id.Path)
		}
	}
	if ok, refreshed, err := Verify(dir, ids, nil); !ok || refreshed != nil || err != nil {
		t.Fatalf("Verify of an untouched tree = %v, %v, %v; want true, nil, nil", ok, refreshed, err)
	}
	// Rewritten with the same content: the fingerprint changes, the
	// content does not; still verified, and not refreshed while fresh.
	p := filepath.Join(dir, "machines/web/default.nix")
	if err := os.WriteFile(p, files[1].Data, 0o644); err != nil {
		t.Fatal(err)
	}
	if ok, refreshed, err := Verify(dir, ids, nil); !ok || refreshed != nil || err != nil {
		t.Errorf("Verify after rewriting the same content = %v, %v, %v; want true, nil, nil", ok, refreshed, err)
	}
	// Changed content of the same size: the fingerprint differs, so the
	// content is read.
	if err := os.WriteFile(p, []byte(Header+"\n{ web = 2; }\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if ok, _, _ := Verify(dir, ids, nil); ok {
		t.Error("Verify = true after a file was changed")
	}
}

func TestVerifyFindsStaleAndMissingFiles(t *testing.T) {
	dir, files := identityTree(t)
	ids, err := Identify(dir, files, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	owned := func(string) bool { return true }
	if ok, _, _ := Verify(dir, ids, owned); !ok {
		t.Fatal("Verify = false on the tree as written")
	}
	stale := filepath.Join(dir, "machines/old/default.nix")
	os.MkdirAll(filepath.Dir(stale), 0o755)
	os.WriteFile(stale, files[1].Data, 0o644)
	if ok, _, _ := Verify(dir, ids, owned); ok {
		t.Error("Verify = true with a stale generated file in an owned place")
	}
	if ok, _, _ := Verify(dir, ids, func(p string) bool { return p != "machines/old/default.nix" }); !ok {
		t.Error("Verify = false for a generated file where shoal owns nothing")
	}
	os.Remove(stale)
	os.Remove(filepath.Join(dir, "flake.nix"))
	if ok, _, _ := Verify(dir, ids, owned); ok {
		t.Error("Verify = true with a wanted file missing")
	}
}
