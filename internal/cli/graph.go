package cli

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/shoal-nix/shoal/internal/diag"
	"github.com/shoal-nix/shoal/internal/reference"
)

type graphOptions struct {
	format string
	fleet  string
}

func newGraphCommand(g *globals) *cobra.Command {
	var o graphOptions
	cmd := &cobra.Command{
		Use:   "graph [MACHINE]",
		Short: "Draw the feature dependency graph (DOT or Mermaid), of the catalog or of one machine",
		Long: `Graph draws the feature dependency graph. Without MACHINE: every feature of
the catalog the fleet sees, with requires, conflicts (dashed) and the
capabilities features provide. With MACHINE: the machine's resolved features,
each with an edge from what turned it on: the machine, its profile (and what
that extends), a fleet service role, or a feature that requires it.

--format dot (Graphviz: shoal graph | dot -Tsvg > graph.svg), mermaid
(paste into Markdown on GitHub or Forgejo), or json.`,
		Example: "  shoal graph | dot -Tsvg > features.svg\n  shoal graph laptop --format mermaid",
		Args:    cobra.MaximumNArgs(1),
		ValidArgsFunction: func(cmd *cobra.Command, args []string, _ string) ([]string, cobra.ShellCompDirective) {
			if len(args) > 0 {
				return nil, cobra.ShellCompDirectiveNoFileComp
			}
			return fleetMachines(o.fleet), cobra.ShellCompDirectiveNoFileComp
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			return runGraph(cmd.Context(), g, o, argOr(args, 0))
		},
	}
	cmd.Flags().StringVar(&o.format, "format", "dot", "dot, mermaid or json")
	cmd.Flags().StringVar(&o.fleet, "fleet", "", "the fleet: a directory holding shoal.toml (default: the current directory)")
	_ = cmd.RegisterFlagCompletionFunc("format", cobra.FixedCompletions([]string{"dot", "mermaid", "json"}, cobra.ShellCompDirectiveNoFileComp))
	_ = cmd.MarkFlagDirname("fleet")
	return cmd
}

func runGraph(_ context.Context, g *globals, o graphOptions, machine string) error {
	var gr reference.Graph
	if machine == "" {
		c, err := loadCatalog(o.fleet)
		if err != nil {
			return err
		}
		gr = reference.CatalogGraph(c)
	} else {
		res, err := loadFleet(o.fleet)
		if err != nil {
			return err
		}
		if res.Resolved == nil {
			g.diagRenderer(g.stderr, res.Docs).render(res.Diags)
			return &exitError{code: ExitFleetError, err: fmt.Errorf("cannot draw %s: the fleet has errors", machine)}
		}
		m := res.Resolved.Machine(machine)
		if m == nil {
			names := res.Fleet.MachineNames()
			if s := diag.Suggest(machine, names); s != "" {
				return usageError("no machine %q in %s; did you mean %q?", machine, res.Fleet.File, s)
			}
			return usageError("no machine %q in %s; machines are: %s", machine, res.Fleet.File, strings.Join(names, ", "))
		}
		gr = reference.MachineGraph(res.Catalog, m)
	}
	switch o.format {
	case "dot":
		return reference.WriteDOT(g.stdout, gr)
	case "mermaid":
		return reference.WriteMermaid(g.stdout, gr)
	case "json":
		return writeJSON(g.stdout, gr)
	}
	return usageError("unknown format %q: want dot, mermaid or json", o.format)
}

// fleetMachines lists the machines of the fleet at dir ("" for the
// current directory), for completion; none when it does not load.
func fleetMachines(dir string) []string {
	res, err := loadFleet(dir)
	if err != nil || res.Fleet == nil {
		return nil
	}
	return res.Fleet.MachineNames()
}
