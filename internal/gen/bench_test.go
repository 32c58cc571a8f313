package gen_test

import (
	"fmt"
	"testing"
	"testing/fstest"

	"github.com/shoal-nix/shoal/internal/check"
	"github.com/shoal-nix/shoal/internal/gen"
	"github.com/shoal-nix/shoal/internal/synth"
)

// BenchmarkGenerate measures generation alone (the fleet is checked
// outside the timer) and reports the files and bytes of one flake.
func BenchmarkGenerate(b *testing.B) {
	for _, n := range []int{100, 1000, 10000} {
		b.Run(fmt.Sprintf("machines=%d", n), func(b *testing.B) {
			src := synth.Fleet(n, 1)
			res := check.RunSource(fstest.MapFS{check.FleetFile: {Data: src}}, ".", "", src)
			if res.Diags.HasErrors() {
				b.Fatalf("synthetic fleet has errors: %v", res.Diags)
			}
			b.ReportAllocs()
			b.ResetTimer()
			var files []gen.File
			for b.Loop() {
				var err error
				if files, err = gen.Generate(res.Resolved, gen.Options{}); err != nil {
					b.Fatal(err)
				}
			}
			bytes := 0
			for _, f := range files {
				bytes += len(f.Data)
			}
			b.ReportMetric(float64(len(files)), "files")
			b.ReportMetric(float64(bytes), "bytes")
		})
	}
}
