package cli

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/shoal-nix/shoal/internal/check"
	"github.com/shoal-nix/shoal/internal/diag"
)

type checkOptions struct {
	json   bool
	strict bool
}

func newCheckCommand(g *globals) *cobra.Command {
	var o checkOptions
	cmd := &cobra.Command{
		Use:   "check [FLEET]",
		Short: "Check the fleet file before any Nix runs",
		Long: `Check parses shoal.toml and the fleet's own features, resolves every machine
against the catalog and reports each problem as file:line:col with a stable
code, a hint and related positions.

Exit status: 0 no errors, 3 the fleet has errors (with --strict: or warnings),
2 usage, 1 the fleet could not be read.`,
		Example: "  shoal check\n  shoal check examples/homelab --json",
		Args:    cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runCheck(cmd.Context(), g, o, argOr(args, 0))
		},
	}
	cmd.Flags().BoolVar(&o.json, "json", false, "print diagnostics as JSON")
	cmd.Flags().BoolVar(&o.strict, "strict", false, "fail on warnings too")
	return cmd
}

func argOr(args []string, i int) string {
	if i < len(args) {
		return args[i]
	}
	return ""
}

// checkReport is the JSON form of a check.
type checkReport struct {
	Fleet       string            `json:"fleet"`
	Machines    int               `json:"machines"`
	Errors      int               `json:"errors"`
	Warnings    int               `json:"warnings"`
	Diagnostics []diag.Diagnostic `json:"diagnostics"`
}

func runCheck(_ context.Context, g *globals, o checkOptions, fleetArg string) error {
	if size, ok := fleetFileSize(fleetArg); ok {
		defer collectLate(size, 0)()
	}
	res, err := loadFleet(fleetArg)
	if err != nil {
		return err
	}
	return reportCheck(g, o, res)
}

func reportCheck(g *globals, o checkOptions, res *check.Result) error {
	if o.json {
		rep := checkReport{Fleet: res.Fleet.Name, Machines: len(res.Fleet.Machines), Errors: res.Diags.Count(diag.Error), Warnings: res.Diags.Count(diag.Warning), Diagnostics: res.Diags}
		if rep.Diagnostics == nil {
			rep.Diagnostics = diag.List{}
		}
		if err := writeJSON(g.stdout, rep); err != nil {
			return err
		}
	} else {
		g.diagRenderer(g.stdout, res.Docs).render(res.Diags)
		name := res.Fleet.Name
		if name == "" {
			name = res.Fleet.File
		}
		fmt.Fprintf(g.stdout, "%s: %d %s checked: %s\n", name, len(res.Fleet.Machines), plural(len(res.Fleet.Machines), "machine"), summary(res.Diags))
	}
	if res.Diags.HasErrors() || o.strict && res.Diags.Count(diag.Warning) > 0 {
		return &exitError{code: ExitFleetError}
	}
	return nil
}
