// Package reference turns the catalog into what a reader browses: a view of
// each feature, profile, fleet service and package collection (settings
// with types and defaults, relations, needs, ports, health checks and an
// example), the feature compatibility matrix, and the feature dependency
// graph in DOT and Mermaid. The views are plain data with JSON tags, so
// `shoal show --json` and the generated docs say the same thing.
//
// The package is pure: it reads a catalog (and for a machine's graph a
// resolved fleet) and writes to an io.Writer.
package reference
