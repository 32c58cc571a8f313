package catalog

import (
	"embed"
	"sync"

	"github.com/shoal-nix/shoal/internal/diag"
)

//go:embed builtin
var builtinFS embed.FS

// BuiltinPrefix names built-in catalog files in diagnostics and explanations.
const BuiltinPrefix = "catalog"

var builtin = sync.OnceValues(func() (*Catalog, diag.List) {
	return Load(builtinFS, "builtin", BuiltinPrefix)
})

// Builtin returns the catalog embedded in the binary, loaded once. Callers
// must not modify it.
func Builtin() (*Catalog, diag.List) { return builtin() }
