package catalog

import (
	_ "embed" // for packages-verified.tsv and featureformat.md
	"strings"
	"sync"

	"github.com/shoal-nix/shoal/internal/diag"
)

// packagesVerified is builtin/packages-verified.tsv.
//
//go:embed builtin/packages-verified.tsv
var packagesVerified string

// FeatureFormatDoc documents the format of a feature directory: every key
// of feature.toml, module.nix, and a full example. It is docs/features.md
// and shoal help feature-format; a test holds its tables to the keys the
// loader reads (FeatureFormat) and its example to checking clean.
//
//go:embed featureformat.md
var FeatureFormatDoc string

// BuiltinPrefix names built-in catalog files in diagnostics and explanations.
const BuiltinPrefix = "catalog"

var builtin = sync.OnceValue(builtinCatalog)

// Builtin returns the catalog built into the binary. Callers must not
// modify it. It is the catalog Load makes of the files under builtin/ (and
// has no diagnostics: a test holds the files to none), generated into
// builtin_data.go as Go data the linker lays out, so that no command
// parses or checks them at start; only its maps and the patterns' regular
// expressions are made, on the first call.
func Builtin() (*Catalog, diag.List) { return builtin(), nil }

//go:generate go test -tags shoal_regenerate -run ^TestBuiltinSourceIsCurrent$ -update .

var knownPackages = sync.OnceValue(func() map[string]bool {
	known := map[string]bool{}
	for _, line := range strings.Split(packagesVerified, "\n") {
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
