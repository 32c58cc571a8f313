// Command shoal keeps a fleet of NixOS machines in one typed file, checks
// it, and turns it into a NixOS flake.
package main

import (
	"os"

	"github.com/shoal-nix/shoal/internal/cli"
)

func main() {
	os.Exit(cli.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
