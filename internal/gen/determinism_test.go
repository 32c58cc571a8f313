package gen_test

import (
	"bytes"
	"testing"

	"github.com/shoal-nix/shoal/internal/gen"
)

// TestGenerateIsDeterministic generates each fleet 20 times, from a fresh
// check and from the same resolved fleet, and wants the same files with the
// same bytes every time: map order must not leak into the output, and
// Generate must not change the fleet it is given.
func TestGenerateIsDeterministic(t *testing.T) {
	const runs = 20
	for _, fl := range testFleets(t) {
		t.Run(fl.name, func(t *testing.T) {
			rf := resolveFleet(t, fl.fsys)
			first, err := gen.Generate(rf, gen.Options{})
			if err != nil {
				t.Fatal(err)
			}
			for i := 1; i < runs; i++ {
				again, err := gen.Generate(rf, gen.Options{}) // the same resolved fleet
				if i%2 == 0 {
					again, err = gen.Generate(resolveFleet(t, fl.fsys), gen.Options{})
				}
				if err != nil {
					t.Fatal(err)
				}
				if diff := sameFiles(first, again); diff != "" {
					t.Fatalf("run %d of %d differs from the first: %s", i+1, runs, diff)
				}
			}
		})
	}
}

// sameFiles describes the first difference between two generated trees,
// or returns "" when they are identical, in order too.
func sameFiles(a, b []gen.File) string {
	for i := 0; i < len(a) || i < len(b); i++ {
		switch {
		case i >= len(a):
			return "extra file " + b[i].Path
		case i >= len(b):
			return "missing file " + a[i].Path
		case a[i].Path != b[i].Path:
			return "file " + a[i].Path + " became " + b[i].Path
		case !bytes.Equal(a[i].Data, b[i].Data):
			return a[i].Path + ":\n" + firstDifference(a[i].Data, b[i].Data)
		}
	}
	return ""
}
