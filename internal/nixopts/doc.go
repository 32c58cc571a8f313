// Package nixopts owns shoal's knowledge of NixOS options: the options
// index built into the binary (options.jsonl, 4,406 declarations from
// nixos-unstable, generated into table.go by go generate), the prefixes
// it covers, and the model of NixOS option types that values are checked
// against.
//
// Lookup answers what an option path is: a declared option (Found), a set
// of options whose entries are looked up one by one (OptionSet), a place
// inside an option's value such as a freeform key (Within), a path under a
// covered prefix that no option has (Unknown, with "did you mean"
// suggestions), or a path the index does not cover (NotCovered). The
// promise: a path outside the covered prefixes is never reported as an
// unknown option, only as unchecked; the longest covered or uncovered
// prefix decides (services.prometheus is covered, its exporters are not,
// except node and systemd).
//
// ParseType reads the type descriptions the NixOS manual prints ("null or
// (list of string)") into Type values, and Type.String prints them back
// exactly; a test holds every description in the index to that round trip.
// Type.Check checks a value decoded from TOML and says what was expected in
// the manual's words ("element 2: expected 16 bit unsigned integer; between
// 0 and 65535 (both inclusive), got 70000"); its doc comment lists the
// conventions for what TOML cannot say as Nix does (packages are strings
// naming nixpkgs attributes, submodule entries are checked through Lookup).
//
// The package reads only its built-in data. Load builds nothing: the index
// is Go data the linker lays out (sorted options, and the tree of their
// paths with each node's children side by side, found by binary search), so
// a command pays only for the pages of it that a lookup touches; the tables
// for "did you mean" are made on the first suggestion, type descriptions
// are parsed on first use. Attribute names are quoted by package nixlit,
// shoal's one quoting place.
package nixopts
