//go:build linux

package stamp

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/shoal-nix/shoal/internal/genfs"
)

// BenchmarkVerifyOutputs verifies a settled flake of 1,000 machines (two
// files each), as a no-op gen does.
func BenchmarkVerifyOutputs(b *testing.B) {
	dir := b.TempDir()
	var files []genfs.File
	for i := range 1000 {
		for _, name := range []string{"default.nix", "hardware.nix"} {
			files = append(files, genfs.File{Path: fmt.Sprintf("machines/m%04d/%s", i, name), Data: fmt.Appendf(nil, "%s\n{ m = %d; }\n", genfs.Header, i)})
		}
	}
	for _, f := range files {
		p := filepath.Join(dir, f.Path)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(p, f.Data, 0o644); err != nil {
			b.Fatal(err)
		}
	}
	// As if identified once the files had settled: verified by fingerprint.
	ids, err := Identify(dir, files, time.Now().Add(2*genfs.Settle))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if ok, _ := verifyOutputs(dir, ids, func(string) bool { return true }); !ok {
			b.Fatal("the tree does not verify")
		}
	}
}
