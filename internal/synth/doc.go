// Package synth writes synthetic fleet files for benchmarks, fuzzing seeds
// and load tests.
//
// Fleet(n, seed) returns a shoal.toml of n machines that reads like a real
// fleet: servers, desktops, developer machines and small base machines in
// realistic proportions, users with SSH keys, tags, hardware facts, feature
// settings, a few raw NixOS options, and monitoring, log and backup
// services. The output depends only on n and seed, and a generated fleet
// checks clean against the built-in catalog: features are chosen to fit the
// machine's hardware and profile, and every name it refers to exists. A test
// holds it to that.
//
// The package is pure: it does no I/O.
package synth
