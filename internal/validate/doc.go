// Package validate holds the rules shoal checks on a resolved fleet before
// any Nix runs: feature conflicts and capability clashes, profile
// exclusions, requires cycles among a fleet's own features, deprecated
// features, hardware and resource needs, fleet-wide rules (duplicate
// addresses and host names, services without a server or target) and the
// security rules that can lock an admin out or expose a machine.
//
// Each rule emits diagnostics with a file and a path, never a position.
package validate
