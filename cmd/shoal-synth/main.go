// Command shoal-synth writes a synthetic fleet, DIR/shoal.toml, for
// benchmarks and load tests:
//
//	shoal-synth -n 1000 -seed 1 -o /tmp/fleet1000
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/shoal-nix/shoal/internal/synth"
)

func main() {
	if err := run(os.Args[1:], os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "shoal-synth:", err)
		}
		os.Exit(2)
	}
}

func run(args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("shoal-synth", flag.ContinueOnError)
	fs.SetOutput(stderr)
	n := fs.Int("n", 100, "number of machines")
	seed := fs.Int64("seed", 1, "random seed; the same seed writes the same fleet")
	dir := fs.String("o", "", "directory to write shoal.toml into (created if missing)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *dir == "" || fs.NArg() > 0 {
		fs.Usage()
		return errors.New("give -o DIR and no arguments")
	}
	if *n < 0 {
		return fmt.Errorf("-n must not be negative, not %d", *n)
	}
	if err := os.MkdirAll(*dir, 0o755); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(*dir, "shoal.toml"), synth.Fleet(*n, *seed), 0o644)
}
