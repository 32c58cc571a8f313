package genfs

import (
	"fmt"
	"os"
	"syscall"
	"testing"
	"time"
)

// TestManyDirectoriesFewFiles writes, compares again and identifies a
// tree of many more directories than the process may open files at once,
// as a fleet of 20,000 machines has: Compare, Apply, the Writer, Identify
// and Verify must keep their directory handles bounded instead of one per
// directory ("too many open files").
func TestManyDirectoriesFewFiles(t *testing.T) {
	const machines = 300
	tree := map[string]string{"flake.nix": gen("{ }\n")}
	for i := range machines {
		tree[fmt.Sprintf("machines/m%03d/default.nix", i)] = gen(fmt.Sprintf("{ n = %d; }\n", i))
		tree[fmt.Sprintf("machines/m%03d/disko.nix", i)] = gen("{ }\n")
	}
	want := files(tree)
	dir := t.TempDir()

	// Leave the process room for what it has open and a few handles more:
	// far fewer than the tree's directories.
	open, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skipf("cannot count open files: %v", err)
	}
	var old syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &old); err != nil {
		t.Fatal(err)
	}
	low := old
	low.Cur = uint64(len(open) + maxOpenDirs + 24)
	if low.Cur >= machines {
		t.Fatalf("limit %d leaves room for a handle per directory; make the tree larger", low.Cur)
	}
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &low); err != nil {
		t.Skipf("cannot lower the limit of open files: %v", err)
	}
	defer syscall.Setrlimit(syscall.RLIMIT_NOFILE, &old)

	since := time.Now()
	p, err := Compare(dir, want, owned)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Apply(dir, want, p); err != nil {
		t.Fatalf("Apply: %v", err)
	}
	// Change every file, so that the Writer stages them all.
	for name := range tree {
		tree[name] += "# again\n"
	}
	w, err := NewWriter(dir, owned, WriterOptions{Stage: true, Identify: true})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Abort()
	for _, f := range files(tree) {
		if err := w.Add(f); err != nil {
			t.Fatalf("Writer.Add: %v", err)
		}
	}
	p, err = w.Finish()
	if err != nil {
		t.Fatalf("Writer.Finish: %v", err)
	}
	if len(p.Updates) != len(tree) {
		t.Fatalf("plan updates %d files, want %d", len(p.Updates), len(tree))
	}
	if _, err := w.Commit(); err != nil {
		t.Fatalf("Writer.Commit: %v", err)
	}
	ids, err := Identify(dir, files(tree), since)
	if err != nil {
		t.Fatalf("Identify: %v", err)
	}
	if ok, _, err := Verify(dir, ids, owned); err != nil || !ok {
		t.Fatalf("Verify = %v, %v; want true", ok, err)
	}
	p, err = Compare(dir, files(tree), owned)
	if err != nil {
		t.Fatal(err)
	}
	if p.Changes() != 0 || len(p.Unchanged) != len(tree) {
		t.Errorf("after writing, Compare plans %d changes and %d unchanged; want none and %d", p.Changes(), len(p.Unchanged), len(tree))
	}
}
