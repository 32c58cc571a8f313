package catalog

import (
	"embed"
	"strings"
	"sync"

	"github.com/shoal-nix/shoal/internal/diag"
)

//go:embed builtin
var builtinFS embed.FS

// FeatureFormatDoc documents the format of a feature directory: every key
// of feature.toml, module.nix, and a full example. It is docs/features.md
// and shoal help feature-format; a test holds its tables to the keys the
// loader reads (FeatureFormat) and its example to checking clean.
//
//go:embed featureformat.md
var FeatureFormatDoc string

// BuiltinPrefix names built-in catalog files in diagnostics and explanations.
const BuiltinPrefix = "catalog"

var builtin = sync.OnceValues(func() (*Catalog, diag.List) {
	return Load(builtinFS, "builtin", BuiltinPrefix)
})

// Builtin returns the catalog embedded in the binary, loaded once. Callers
// must not modify it.
func Builtin() (*Catalog, diag.List) { return builtin() }

var knownPackages = sync.OnceValue(func() map[string]bool {
	known := map[string]bool{}
	data, err := builtinFS.ReadFile("builtin/packages-verified.tsv")
	if err != nil {
		return known // a test holds the file to being there
	}
	for _, line := range strings.Split(string(data), "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		name, _, _ := strings.Cut(line, "\t")
		known[name] = true
	}
	return known
})

// KnownPackages returns the nixpkgs attribute names shoal has checked
// against nixpkgs (builtin/packages-verified.tsv): every package the
// built-in catalog installs, and a few more. Callers must not modify it.
func KnownPackages() map[string]bool { return knownPackages() }
