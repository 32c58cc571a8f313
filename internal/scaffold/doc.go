// Package scaffold writes the starting points of a fleet: the files of a
// new fleet repository (shoal init), a machine appended to an existing
// shoal.toml with every comment and the layout of the rest kept (shoal new
// machine), and a new local feature from the commented template or from an
// existing feature (shoal new feature).
//
// The package is pure: it returns file contents and edited text; the CLI
// writes them, and never over a file a user wrote.
package scaffold
