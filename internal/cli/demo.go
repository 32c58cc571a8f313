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

// demoOptions are shoal demo's flags.
type demoOptions struct {
	example string
}

// AddFlags registers the flags on cmd.
func (o *demoOptions) AddFlags(cmd *cobra.Command) {
	cmd.Flags().StringVar(&o.example, "example", "homelab", "the bundled example to show: "+strings.Join(demoExampleNames(), " or "))
}

// demoExamples are the bundled examples demo shows, with the machine it
// explains and shows the module of.
var demoExamples = map[string]struct{ machine, about, next string }{
	"homelab": {"laptop", "a home lab of five machines over the four profiles", "nas"},
	"company": {"mon", "a company of twelve machines that uses every fleet service", "www"},
}

func demoExampleNames() []string { return slices.Sorted(maps.Keys(demoExamples)) }

func newDemoCommand(g *globals) *cobra.Command {
	var o demoOptions
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Check, explain and generate a bundled example fleet; needs no files",
		Long: `Demo runs shoal check on a bundled example fleet, explains one machine,
generates the flake in memory and shows one machine's module, and says what to
try next. It reads and writes nothing on disk. The examples: homelab (a home
lab of five machines over the four profiles, the default) and company (twelve
machines behind a load balancer, with every fleet service: monitoring,
alerts, logs, backups with checks).`,
		Example: "  shoal demo\n  shoal demo --example company",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runDemo(cmd.Context(), g, o)
		},
	}
	o.AddFlags(cmd)
	return cmd
}

func runDemo(ctx context.Context, g *globals, o demoOptions) error {
	ex, ok := demoExamples[o.example]
	if !ok {
		return usageError("--example %q: no such example; the examples are %s", o.example, strings.Join(demoExampleNames(), ", "))
	}
	dir := "examples/" + o.example
	res, err := check.Run(examples.FS, o.example, dir)
	if err != nil {
		return fmt.Errorf("demo fleet: %w", err)
	}
	fmt.Fprintf(g.stdout, "$ shoal check %s\n", dir)
	if err := reportCheck(g, checkOptions{}, res); err != nil {
		return err
	}
	fmt.Fprintf(g.stdout, "\n$ shoal explain %s %s\n", ex.machine, dir)
	if err := runExplain(ctx, g, explainOptions{}, res, ex.machine); err != nil {
		return err
	}
	files, err := gen.Generate(res.Resolved, gen.Options{})
	if err != nil {
		return fmt.Errorf("demo fleet: %w", err)
	}
	fmt.Fprintf(g.stdout, "\n$ shoal gen %s   (in memory here: the demo writes nothing)\n", dir)
	perDir := map[string]int{}
	var shown []byte
	for _, f := range files {
		dir, _, found := strings.Cut(f.Path, "/")
		if !found {
			dir = f.Path
		}
		perDir[dir]++
		if f.Path == layout.Machine(ex.machine) {
			shown = f.Data
		}
	}
	fmt.Fprintf(g.stdout, "the flake has %d files:", len(files))
	for _, dir := range slices.Sorted(maps.Keys(perDir)) {
		fmt.Fprintf(g.stdout, " %s (%d)", dir, perDir[dir])
	}
	fmt.Fprintf(g.stdout, "\n\n%s:\n%s", layout.Machine(ex.machine), shown)
	if o.example == "homelab" {
		fmt.Fprintf(g.stdout, `
What to try next:
  shoal check examples/homelab --json     the same check, as data
  shoal explain nas examples/homelab      a server: monitoring and backups
  shoal gen examples/homelab -o /tmp/homelab-flake
                                          write the flake, then look at modules/ and machines/
  shoal eval examples/homelab             parse every generated file with nix (needs nix)
  cp -r examples/homelab myfleet && $EDITOR myfleet/shoal.toml
                                          break something, then shoal check myfleet
  shoal demo --example company            a larger fleet with every fleet service
`)
		return nil
	}
	fmt.Fprintf(g.stdout, `
What to try next:
  shoal explain www examples/company      the load balancer: HAProxy with a Let's Encrypt certificate
  shoal gen examples/company -o /tmp/company-flake
                                          then look at modules/monitoring/: scrape targets, alert
                                          rules, Alertmanager, the blackbox probe and the dashboard
  shoal audit examples/company            security findings
  docs/recovery.md                        restore one machine from its backups
`)
	return nil
}
