package cli

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/shoal-nix/shoal/internal/reference"
)

type matrixOptions struct {
	format string
}

func newMatrixCommand(g *globals) *cobra.Command {
	var o matrixOptions
	cmd := &cobra.Command{
		Use:   "matrix [FLEET]",
		Short: "Show the feature compatibility matrix: requires, conflicts (and under which settings), and why",
		Long: `Matrix shows, for every pair of features the fleet can use (built in and its
own), whether they go together: one requires (turns on) the other, they
conflict, they conflict only under some setting values, or they provide the
same capability; each relation is listed with its reason below the table.

--format text (a terminal table, the default), markdown, html or json.`,
		Example: "  shoal matrix\n  shoal matrix --format html > matrix.html\n  shoal matrix --format json",
		Args:    cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runMatrix(cmd.Context(), g, o, argOr(args, 0))
		},
	}
	cmd.Flags().StringVar(&o.format, "format", "text", "text, markdown, html or json")
	_ = cmd.RegisterFlagCompletionFunc("format", cobra.FixedCompletions([]string{"text", "markdown", "html", "json"}, cobra.ShellCompDirectiveNoFileComp))
	var asJSON bool
	cmd.Flags().BoolVar(&asJSON, "json", false, "the same as --format json")
	cmd.PreRun = func(*cobra.Command, []string) {
		if asJSON {
			o.format = "json"
		}
	}
	return cmd
}

func runMatrix(_ context.Context, g *globals, o matrixOptions, fleetArg string) error {
	c, err := loadCatalog(fleetArg)
	if err != nil {
		return err
	}
	m := reference.BuildMatrix(c)
	switch o.format {
	case "text":
		return reference.WriteMatrixText(g.stdout, m)
	case "markdown", "md":
		return reference.WriteMatrixMarkdown(g.stdout, m, nil)
	case "html":
		return reference.WriteMatrixHTML(g.stdout, m)
	case "json":
		return writeJSON(g.stdout, m)
	}
	return usageError("unknown format %q: want text, markdown, html or json", o.format)
}
