package catalog

import (
	"os"
	"testing"
)

// BenchmarkLoadBuiltin measures what every command that checks a fleet
// did once before the built-in catalog was generated: load it from its
// files.
func BenchmarkLoadBuiltin(b *testing.B) {
	b.ReportAllocs()
	fsys := os.DirFS(".")
	for b.Loop() {
		Load(fsys, "builtin", BuiltinPrefix)
	}
}
