// Package layout is the one place that names the files of a generated
// flake: flake.nix and flake/*, modules/ (shoal's option namespace,
// defaults, packages, validation, fleet services, one module per feature
// and per profile), machines/NAME/default.nix, tests/PROFILE.nix and
// .nixd.json, and the fleet's own files the flake refers to by
// convention (a local feature's module.nix).
//
// It also says which paths shoal owns: Owned is true exactly for the
// places the generator writes. gen writes there and nowhere else, genfs
// removes stale generated files only there, and the fleet file may not
// point a module or overlay there. Everything else in the fleet directory
// is the user's.
//
// Paths are slash-separated, clean and relative to the flake's root,
// which is the fleet directory unless gen -o says otherwise. The package
// is a leaf: it imports nothing of shoal's.
package layout
