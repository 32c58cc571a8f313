package catalog

import "testing"

// BenchmarkLoadBuiltin measures what every command that checks a fleet
// does once: load the built-in catalog.
func BenchmarkLoadBuiltin(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		Load(builtinFS, "builtin", BuiltinPrefix)
	}
}
