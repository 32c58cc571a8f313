package cli

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/shoal-nix/shoal/internal/reference"
)

type featuresOptions struct {
	json bool
}

func newFeaturesCommand(g *globals) *cobra.Command {
	var o featuresOptions
	cmd := &cobra.Command{
		Use:   "features [FLEET]",
		Short: "List the catalog's features: name, lifecycle, one line",
		Long: `Features lists every feature a machine can have: the built-in catalog's and,
in a fleet directory, the fleet's own (features/NAME/feature.toml). Show one
with "shoal show feature NAME"; the format of a feature of the fleet's own,
every key and an example: "shoal help feature-format".`,
		Example: "  shoal features\n  shoal features --json",
		Args:    cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runFeatures(cmd.Context(), g, o, argOr(args, 0))
		},
	}
	cmd.Flags().BoolVar(&o.json, "json", false, "print the list as JSON")
	return cmd
}

func runFeatures(_ context.Context, g *globals, o featuresOptions, fleetArg string) error {
	c, err := loadCatalog(fleetArg)
	if err != nil {
		return err
	}
	l := reference.Summaries(c)
	if o.json {
		return writeJSON(g.stdout, l)
	}
	return reference.WriteSummaries(g.stdout, l)
}
