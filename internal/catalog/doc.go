// Package catalog owns the feature catalog: its file format, the built-in
// catalog embedded in the binary, and a fleet's own features.
//
// A feature is a directory holding feature.toml (and optionally module.nix):
// description, typed settings with defaults, requires, conflicts, provides,
// hardware and resource needs, lifecycle, ports, health checks, package
// collections, and NixOS configuration as typed option settings. Profiles
// (profiles/NAME.toml) are named sets of features and setting values;
// package collections (collections.toml) are named package lists defined
// once. A fleet's features/NAME/ directories use the same format and may
// add features, never replace built-in ones.
//
// Loading reports problems in catalog files as diagnostics against those
// files; the built-in catalog loads without any (a test holds it to that).
package catalog
