package check_test

import (
	"fmt"
	"testing"
	"testing/fstest"

	"github.com/shoal-nix/shoal/internal/check"
	"github.com/shoal-nix/shoal/internal/synth"
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
