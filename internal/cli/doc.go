// Package cli is shoal's command line: one file per command, each built by
// a newXCommand function that binds an options struct and calls a plain
// runX function that tests call directly. Main maps errors to the exit
// codes documented in the root command's help.
package cli
