package cli

import (
	"context"
	"errors"
	"fmt"
	"os/exec"

	"github.com/spf13/cobra"

	"github.com/shoal-nix/shoal/internal/diag"
	"github.com/shoal-nix/shoal/internal/eval"
)

type evalOptions struct {
	json bool
	work bool
}

func newEvalCommand(g *globals) *cobra.Command {
	var o evalOptions
	cmd := &cobra.Command{
		Use:   "eval [FLEET]",
		Short: "Parse every generated and referenced Nix file with nix-instantiate",
		Long: `Eval generates the flake in a temporary directory and parses every
generated file, and every Nix file the fleet brings (machines' modules,
overlays, local features' module.nix), with nix-instantiate --parse. Errors
are reported at the file's position and, for generated files, at the place
in shoal.toml or the catalog that the file comes from. It needs nix
(Debian: apt-get install nix-bin); no nixpkgs is needed.

With -x, each nix-instantiate command is printed as a line a shell can run;
with --work, the temporary directory is kept (and named), so those lines
can be run again by hand. Ctrl-C stops every nix process and removes the
temporary directory.

Exit status: 0 everything parses, 1 failure, 2 usage, 3 errors found,
130 interrupted.`,
		Example: "  shoal eval examples/homelab\n  shoal -x eval --work examples/homelab",
		Args:    cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runEval(cmd.Context(), g, o, argOr(args, 0))
		},
	}
	cmd.Flags().BoolVar(&o.json, "json", false, "print diagnostics as JSON")
	cmd.Flags().BoolVar(&o.work, "work", false, "keep the temporary directory and print its name")
	return cmd
}

// evalReport is the JSON form of eval.
type evalReport struct {
	Diagnostics diag.List `json:"diagnostics"` // first, as before
	Files       int       `json:"files"`
	WorkDir     string    `json:"work_dir,omitempty"`
}

func runEval(ctx context.Context, g *globals, o evalOptions, fleetArg string) error {
	res, dir, err := loadCleanFleet(g, fleetArg, "evaluate")
	if err != nil {
		return err
	}
	rep, err := eval.Fleet(ctx, res, dir, eval.Options{Trace: g.traceWriter(), Keep: o.work})
	if errors.Is(err, exec.ErrNotFound) {
		return fmt.Errorf("%w; shoal eval needs nix (Debian: apt-get install nix-bin)", err)
	}
	if err != nil {
		return err
	}
	if rep.WorkDir != "" {
		fmt.Fprintf(g.stderr, "WORK=%s\n", rep.WorkDir)
	}
	if o.json {
		if err := writeJSON(g.stdout, evalReport{Files: rep.Files, Diagnostics: orEmptyDiags(rep.Diags), WorkDir: rep.WorkDir}); err != nil {
			return err
		}
	} else {
		g.diagRenderer(g.stdout, nil).render(rep.Diags)
		fmt.Fprintf(g.stdout, "%d Nix files parsed with nix-instantiate: %s\n", rep.Files, summary(rep.Diags))
	}
	if rep.Diags.HasErrors() {
		return &exitError{code: ExitFleetError}
	}
	return nil
}

func orEmptyDiags(l diag.List) diag.List {
	if l == nil {
		return diag.List{}
	}
	return l
}
