package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/shoal-nix/shoal/examples"
	"github.com/shoal-nix/shoal/internal/check"
)

func newDemoCommand(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "demo",
		Short: "Check and explain the bundled example fleet; needs no files",
		Long: `Demo runs shoal check on the bundled example fleet (a home lab of five
machines over the four profiles), then explains one machine, and says what to
try next. It reads nothing from disk.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runDemo(g)
		},
	}
}

func runDemo(g *globals) error {
	res, err := check.Run(examples.FS, "homelab", "examples/homelab")
	if err != nil {
		return fmt.Errorf("demo fleet: %w", err)
	}
	fmt.Fprintf(g.stdout, "$ shoal check examples/homelab\n")
	if err := reportCheck(g, checkOptions{}, res); err != nil {
		return err
	}
	fmt.Fprintf(g.stdout, "\n$ shoal explain laptop examples/homelab\n")
	if err := runExplain(g, explainOptions{}, res, "laptop"); err != nil {
		return err
	}
	fmt.Fprintf(g.stdout, `
What to try next:
  shoal check examples/homelab --json     the same check, as data
  shoal explain nas examples/homelab      a server: monitoring and backups
  cp -r examples/homelab myfleet && $EDITOR myfleet/shoal.toml
                                          break something, then shoal check myfleet
`)
	return nil
}
