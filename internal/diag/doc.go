// Package diag owns shoal's diagnostics: the findings about a user's files.
//
// A Diagnostic has a stable code, a severity, a one-line summary (lowercase,
// no period), an optional hint and related locations. Validators never compute
// positions: they emit a Path (the keys and indexes leading to the value, as in
// machines.laptop.features.2) and the file it belongs to. One step,
// List.Correlate, maps paths to line:column positions afterwards, falling back
// to the nearest existing parent.
//
// Every code is defined once, in codes.go, with its severity, the command
// that reports it and a one-line description; the README's table of codes
// is rendered from there (go test ./internal/diag -update), and a test
// refuses codes spelled out anywhere else. List.Errorf and List.Warnf
// return a Ref, which refers to the new diagnostic by index and so stays
// valid while more are appended.
//
// The package is a leaf: it knows nothing of TOML, fleets or Nix.
package diag
