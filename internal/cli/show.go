package cli

import (
	"context"
	"io"

	"github.com/spf13/cobra"

	"github.com/shoal-nix/shoal/internal/catalog"
	"github.com/shoal-nix/shoal/internal/reference"
)

type showOptions struct {
	json bool
}

// catalogKind is one kind of thing `shoal show` shows.
type catalogKind struct {
	name  string
	short string
	names func(*catalog.Catalog) []string
	view  func(*catalog.Catalog, string) any // nil when there is none of that name
	text  func(io.Writer, any) error
}

var catalogKinds = []catalogKind{
	{
		name: "feature", short: "Show a feature: settings, relations, needs, ports, health checks, an example",
		names: (*catalog.Catalog).FeatureNames,
		view: func(c *catalog.Catalog, n string) any {
			if v := reference.ViewFeature(c, n); v != nil {
				return v
			}
			return nil
		},
		text: func(w io.Writer, v any) error { return reference.WriteFeature(w, v.(*reference.Feature)) },
	},
	{
		name: "profile", short: "Show a profile: what it extends, its features, settings and promises",
		names: (*catalog.Catalog).ProfileNames,
		view: func(c *catalog.Catalog, n string) any {
			if v := reference.ViewProfile(c, n); v != nil {
				return v
			}
			return nil
		},
		text: func(w io.Writer, v any) error { return reference.WriteProfile(w, v.(*reference.Profile)) },
	},
	{
		name: "service", short: "Show a fleet service: its roles and options",
		names: (*catalog.Catalog).ServiceNames,
		view: func(c *catalog.Catalog, n string) any {
			if v := reference.ViewService(c, n); v != nil {
				return v
			}
			return nil
		},
		text: func(w io.Writer, v any) error { return reference.WriteService(w, v.(*reference.Service)) },
	},
	{
		name: "collection", short: "Show a package collection and the features that use it",
		names: reference.CollectionNames,
		view: func(c *catalog.Catalog, n string) any {
			if v := reference.ViewCollection(c, n); v != nil {
				return v
			}
			return nil
		},
		text: func(w io.Writer, v any) error { return reference.WriteCollection(w, v.(*reference.Collection)) },
	},
}

func newShowCommand(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "show KIND NAME [FLEET]",
		Short: "Show a feature, profile, fleet service or package collection of the catalog",
		Long: `Show describes one entry of the catalog the fleet sees (built in, plus the
fleet's own features): for a feature its settings with types and defaults,
requires, conflicts, provides, hardware and resource needs, ports, health
checks, lifecycle and an example for shoal.toml.`,
		Example: "  shoal show feature laptop\n  shoal show profile server --json\n  shoal show service backup",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return cmd.Help()
		},
	}
	for _, k := range catalogKinds {
		var o showOptions
		sub := &cobra.Command{
			Use:     k.name + " NAME [FLEET]",
			Short:   k.short,
			Example: "  shoal show " + k.name + " NAME --json",
			Args:    cobra.RangeArgs(1, 2),
			ValidArgsFunction: func(cmd *cobra.Command, args []string, _ string) ([]string, cobra.ShellCompDirective) {
				if len(args) > 0 {
					return nil, cobra.ShellCompDirectiveFilterDirs
				}
				c, err := loadCatalog("")
				if err != nil {
					return nil, cobra.ShellCompDirectiveNoFileComp
				}
				return k.names(c), cobra.ShellCompDirectiveNoFileComp
			},
			RunE: func(cmd *cobra.Command, args []string) error {
				return runShow(cmd.Context(), g, o, k, args[0], argOr(args, 1))
			},
		}
		sub.Flags().BoolVar(&o.json, "json", false, "print it as JSON")
		cmd.AddCommand(sub)
	}
	return cmd
}

func runShow(_ context.Context, g *globals, o showOptions, k catalogKind, name, fleetArg string) error {
	c, err := loadCatalog(fleetArg)
	if err != nil {
		return err
	}
	v := k.view(c, name)
	if v == nil {
		return unknownName(k.name, name, k.names(c))
	}
	if o.json {
		return writeJSON(g.stdout, v)
	}
	return k.text(g.stdout, v)
}
