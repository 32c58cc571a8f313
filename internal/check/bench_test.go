package check_test

import (
	"fmt"
	"testing"
	"testing/fstest"

	"github.com/shoal-nix/shoal/internal/catalog"
	"github.com/shoal-nix/shoal/internal/check"
	"github.com/shoal-nix/shoal/internal/fleet"
	"github.com/shoal-nix/shoal/internal/resolve"
	"github.com/shoal-nix/shoal/internal/synth"
	"github.com/shoal-nix/shoal/internal/validate"
)

// BenchmarkCheck measures the whole pipeline on an in-memory fleet: parse,
// decode, catalog (built-in plus local), resolve, validate, correlate.
func BenchmarkCheck(b *testing.B) {
	for _, n := range []int{100, 1000, 10000} {
		src := synth.Fleet(n, 1)
		fsys := fstest.MapFS{"shoal.toml": {Data: src}}
		b.Run(fmt.Sprintf("machines=%d", n), func(b *testing.B) {
			b.SetBytes(int64(len(src)))
			b.ReportAllocs()
			for b.Loop() {
				res := check.RunSource(fsys, ".", "", src)
				if len(res.Diags.Findings()) > 0 {
					b.Fatalf("the synthetic fleet has findings: %v", res.Diags)
				}
			}
		})
	}
}

// BenchmarkPhases measures the pipeline's phases one by one on a fleet of
// 10,000 machines: parsing and decoding the fleet file, resolving it
// against the built-in catalog, and validating the result.
func BenchmarkPhases(b *testing.B) {
	src := synth.Fleet(10000, 1)
	cat, diags := catalog.Builtin()
	if diags.HasErrors() {
		b.Fatalf("the built-in catalog has errors: %v", diags)
	}
	f, diags := fleet.Parse("shoal.toml", src)
	if diags.HasErrors() {
		b.Fatalf("the synthetic fleet does not parse: %v", diags)
	}
	rf, diags := resolve.Resolve(f, cat)
	if diags.HasErrors() {
		b.Fatalf("the synthetic fleet does not resolve: %v", diags)
	}
	b.Run("parse", func(b *testing.B) {
		b.SetBytes(int64(len(src)))
		b.ReportAllocs()
		for b.Loop() {
			fleet.Parse("shoal.toml", src)
		}
	})
	b.Run("resolve", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			resolve.Resolve(f, cat)
		}
	})
	b.Run("validate", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			validate.Fleet(rf)
		}
	})
}
