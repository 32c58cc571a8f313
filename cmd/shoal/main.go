// Command shoal keeps a fleet of NixOS machines in one typed file, checks
// it, and turns it into a NixOS flake.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/shoal-nix/shoal/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	// The first signal cancels ctx, and shoal stops what it runs and
	// cleans up; a second one, once ctx is done, ends shoal at once.
	context.AfterFunc(ctx, stop)
	code := cli.Main(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
