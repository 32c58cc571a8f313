// Package cli is shoal's command line: one file per command, each built by
// a newXCommand function that binds an options struct and calls a plain
// runX function that tests call directly. Main maps errors to the exit
// codes documented in the root command's help. Main takes a context that
// cmd/shoal cancels on SIGINT and SIGTERM; every runX takes it first and
// hands it to whatever runs a process. The work itself lives in the
// packages below (check, gen, genfs, eval): the CLI wires flags and renders.
package cli
