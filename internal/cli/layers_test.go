package cli

import (
	"go/build"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// layer ranks shoal's packages: a package may import only packages of a
// lower rank, so dependencies point one way: CLI -> orchestration -> model
// -> leaves.
var layer = map[string]int{
	"diag":      0,
	"nixopts":   1,
	"nixlit":    0,
	"tomltree":  1,
	"fleet":     2,
	"selector":  3,
	"catalog":   3,
	"resolve":   4,
	"validate":  5,
	"secrets":   5,
	"check":     6,
	"synth":     6,
	"genfs":     0,
	"stamp":     1,
	"runner":    0,
	"layout":    0,
	"audit":     5,
	"gen":       7,
	"lab":       7,
	"eval":      8,
	"build":     8,
	"deploy":    7,
	"backup":    8,
	"cli":       9,
	"reference": 5,
	"schema":    4,
	"docs":      6,
	"scaffold":  7,
}

func TestDependenciesPointOneWay(t *testing.T) {
	const module = "github.com/shoal-nix/shoal/internal/"
	dirs, err := os.ReadDir("..")
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range dirs {
		if !d.IsDir() {
			continue
		}
		name := d.Name()
		rank, ok := layer[name]
		if !ok {
			t.Errorf("package internal/%s has no layer; add it to the layer table", name)
			continue
		}
		pkg, err := build.ImportDir(filepath.Join("..", name), 0)
		if err != nil {
			t.Fatalf("internal/%s: %v", name, err)
		}
		for _, imp := range pkg.Imports {
			dep, ok := strings.CutPrefix(imp, module)
			if !ok {
				continue
			}
			if r, known := layer[dep]; !known || r >= rank {
				t.Errorf("internal/%s (layer %d) imports internal/%s (layer %d): dependencies must point down", name, rank, dep, r)
			}
		}
		if slices.Contains([]string{"util", "utils", "common", "helpers"}, name) {
			t.Errorf("package internal/%s: a helper lives with the job it serves", name)
		}
	}
}
