// Package check runs shoal's checking pipeline on a fleet directory: parse
// shoal.toml, load the built-in catalog and the fleet's own features,
// resolve, validate, and map every diagnostic to a position.
//
// It reads only through the fs.FS it is given, so tests and `shoal demo`
// run it on embedded or in-memory fleets.
package check
