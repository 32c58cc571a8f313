//go:build shoal_regenerate

package nixopts

// builtinIndex is empty in a build for regenerating table.go (go generate),
// which must work whatever table.go holds.
var builtinIndex Index
