package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/shoal-nix/shoal/internal/catalog"
	"github.com/shoal-nix/shoal/internal/scaffold"
	"github.com/shoal-nix/shoal/internal/schema"
)

type schemaOptions struct {
	out string
}

func newSchemaCommand(g *globals) *cobra.Command {
	var o schemaOptions
	cmd := &cobra.Command{
		Use:   "schema [FLEET]",
		Short: "Print the JSON Schema of shoal.toml, for completion and inline errors in editors",
		Long: `Schema prints the JSON Schema of shoal.toml for the catalog the fleet sees:
its keys, profile and feature names, every feature's settings with their types
and defaults, and the fleet services' roles and options. Taplo and Even Better
TOML (VS Code) follow a first line

  #:schema ./shoal.schema.json

which shoal init writes, with the schema beside shoal.toml. shoal new feature
refreshes that file when shoal wrote it; after other catalog changes run
shoal schema -o shoal.schema.json. shoal check stays the authority: a schema
cannot say what refers to what, conflicts or hardware needs.`,
		Example: "  shoal schema > shoal.schema.json\n  shoal schema -o shoal.schema.json",
		Args:    cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runSchema(cmd.Context(), g, o, argOr(args, 0))
		},
	}
	cmd.Flags().StringVarP(&o.out, "out", "o", "", "write the schema to this file (only over one shoal wrote)")
	return cmd
}

func runSchema(_ context.Context, g *globals, o schemaOptions, fleetArg string) error {
	c, err := loadCatalog(fleetArg)
	if err != nil {
		return err
	}
	text, err := schema.Fleet(c)
	if err != nil {
		return err
	}
	if o.out == "" {
		_, err := g.stdout.Write(text)
		return err
	}
	if err := writeSchemaFile(o.out, text); err != nil {
		return err
	}
	fmt.Fprintf(g.stdout, "wrote %s\n", o.out)
	return nil
}

// writeSchemaFile writes a schema to file, unless the file is there and
// shoal did not write it.
func writeSchemaFile(file string, text []byte) error {
	old, err := os.ReadFile(file)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return os.WriteFile(file, text, 0o644)
	case err != nil:
		return err
	case !bytes.Contains(old, []byte(schema.Marker)):
		return fmt.Errorf("%s exists and shoal did not write it (it lacks %q); give another file", file, schema.Marker)
	case bytes.Equal(old, text):
		return nil
	}
	return replaceFile(file, text)
}

// refreshSchema rewrites the fleet's shoal.schema.json after its catalog
// changed, when the file is there and shoal wrote it; it reports whether
// it did.
func refreshSchema(dir string, c *catalog.Catalog) (bool, error) {
	file := filepath.Join(dir, scaffold.SchemaFile)
	old, err := os.ReadFile(file)
	if err != nil || !bytes.Contains(old, []byte(schema.Marker)) {
		return false, nil
	}
	text, err := schema.Fleet(c)
	if err != nil || bytes.Equal(old, text) {
		return false, err
	}
	return true, replaceFile(file, text)
}
