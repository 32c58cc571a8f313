// Package fleet owns the fleet file, shoal.toml: its typed model and its
// decoding from a tomltree document.
//
// Parse checks structure only: known keys, value types, names, sizes.
// References between parts (a machine naming a profile, a user, a feature)
// are checked by the resolve and validate packages, which know the catalog.
// Every model value that a later diagnostic may point at carries its
// diag.Path, so positions are never computed here.
package fleet
