// Package runner is the one way shoal runs external commands (nix, ssh):
// with -x every command is printed, shell-quoted, before it runs, and a
// failure keeps the tail of the command's stderr in its error.
package runner
