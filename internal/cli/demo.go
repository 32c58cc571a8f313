package cli

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/shoal-nix/shoal/examples"
	"github.com/shoal-nix/shoal/internal/check"
	"github.com/shoal-nix/shoal/internal/gen"
	"github.com/shoal-nix/shoal/internal/layout"
)

func newDemoCommand(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "demo",
		Short: "Check, explain and generate the bundled example fleet; needs no files",
		Long: `Demo runs shoal check on the bundled example fleet (a home lab of five
machines over the four profiles), explains one machine, generates the flake in
memory and shows one machine's module, and says what to try next. It reads
and writes nothing on disk.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runDemo(cmd.Context(), g)
		},
	}
}

func runDemo(ctx context.Context, g *globals) error {
	res, err := check.Run(examples.FS, "homelab", "examples/homelab")
	if err != nil {
		return fmt.Errorf("demo fleet: %w", err)
	}
	fmt.Fprintf(g.stdout, "$ shoal check examples/homelab\n")
	if err := reportCheck(g, checkOptions{}, res); err != nil {
		return err
	}
	fmt.Fprintf(g.stdout, "\n$ shoal explain laptop examples/homelab\n")
	if err := runExplain(ctx, g, explainOptions{}, res, "laptop"); err != nil {
		return err
	}
	files, err := gen.Generate(res.Resolved, gen.Options{})
	if err != nil {
		return fmt.Errorf("demo fleet: %w", err)
	}
	fmt.Fprintf(g.stdout, "\n$ shoal gen examples/homelab   (in memory here: the demo writes nothing)\n")
	perDir := map[string]int{}
	var laptop []byte
	for _, f := range files {
		dir, _, found := strings.Cut(f.Path, "/")
		if !found {
			dir = f.Path
		}
		perDir[dir]++
		if f.Path == layout.Machine("laptop") {
			laptop = f.Data
		}
	}
	fmt.Fprintf(g.stdout, "the flake has %d files:", len(files))
	for _, dir := range slices.Sorted(maps.Keys(perDir)) {
		fmt.Fprintf(g.stdout, " %s (%d)", dir, perDir[dir])
	}
	fmt.Fprintf(g.stdout, "\n\n%s:\n%s", layout.Machine("laptop"), laptop)
	fmt.Fprintf(g.stdout, `
What to try next:
  shoal check examples/homelab --json     the same check, as data
  shoal explain nas examples/homelab      a server: monitoring and backups
  shoal gen examples/homelab -o /tmp/homelab-flake
                                          write the flake, then look at modules/ and machines/
  shoal eval examples/homelab             parse every generated file with nix (needs nix)
  cp -r examples/homelab myfleet && $EDITOR myfleet/shoal.toml
                                          break something, then shoal check myfleet
`)
	return nil
}
