// Package diag owns shoal's diagnostics: the findings about a user's files.
//
// A Diagnostic has a stable code, a severity, a one-line summary (lowercase,
// no period), an optional hint and related locations. Validators never compute
// positions: they emit a Path (the keys and indexes leading to the value, as in
// machines.laptop.features.2) and the file it belongs to. One step,
// List.Correlate, maps paths to line:column positions afterwards, falling back
// to the nearest existing parent.
//
// The package is a leaf: it knows nothing of TOML, fleets or Nix.
package diag
