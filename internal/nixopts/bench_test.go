package nixopts

import (
	"testing"
)

// BenchmarkLoad measures what Load did once per process before the index
// was generated into Go source: read the JSONL index and build the option
// tree (types are parsed on use).
func BenchmarkLoad(b *testing.B) {
	for b.Loop() {
		if _, err := build(optionsJSONL); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLoadAndParseTypes adds parsing every distinct type description,
// the cost of a process that ends up using them all.
func BenchmarkLoadAndParseTypes(b *testing.B) {
	for b.Loop() {
		ix, err := build(optionsJSONL)
		if err != nil {
			b.Fatal(err)
		}
		for _, o := range ix.options {
			o.typ.get()
		}
	}
}

func benchmarkLookup(b *testing.B, paths ...string) {
	ix := Load()
	split := make([][]string, len(paths))
	for i, p := range paths {
		var err error
		if split[i], err = SplitPath(p); err != nil {
			b.Fatal(err)
		}
	}
	for _, p := range split { // parse types and suggestion tables outside the loop
		ix.Lookup(p)
	}
	b.ResetTimer()
	for b.Loop() {
		for _, p := range split {
			ix.Lookup(p)
		}
	}
}

func BenchmarkLookupFound(b *testing.B) {
	benchmarkLookup(b, "services.openssh.ports")
}

func BenchmarkLookupPlaceholder(b *testing.B) {
	benchmarkLookup(b, `services.nginx.virtualHosts."example.org".locations."/".proxyPass`)
}

func BenchmarkLookupWithin(b *testing.B) {
	benchmarkLookup(b, "services.openssh.settings.X11Forwarding2")
}

// BenchmarkLookupUnknown includes computing "did you mean" suggestions.
func BenchmarkLookupUnknown(b *testing.B) {
	benchmarkLookup(b, "services.openssh.permitRootLogn")
}

// BenchmarkLookupUnknownDeep is an unknown path whose suggestions come from
// the whole index.
func BenchmarkLookupUnknownDeep(b *testing.B) {
	benchmarkLookup(b, "services.openssh.enable.foo")
}

// BenchmarkLookupNotCovered is the common uncovered path, for which the
// index still looks for a near miss of a covered one.
func BenchmarkLookupNotCovered(b *testing.B) {
	benchmarkLookup(b, "services.postgresql.settings.max_connections")
}

func BenchmarkParseType(b *testing.B) {
	const desc = "attribute set of (null or (list of (signed integer or string or absolute path)) or signed integer or string or absolute path)"
	for b.Loop() {
		if _, err := ParseType(desc); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCheck(b *testing.B) {
	typ, err := ParseType("list of 16 bit unsigned integer; between 0 and 65535 (both inclusive)")
	if err != nil {
		b.Fatal(err)
	}
	v := []any{int64(22), int64(2222), int64(443)}
	for b.Loop() {
		if err := typ.Check(v); err != nil {
			b.Fatal(err)
		}
	}
}
