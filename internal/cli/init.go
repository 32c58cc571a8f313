package cli

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/shoal-nix/shoal/internal/catalog"
	"github.com/shoal-nix/shoal/internal/scaffold"
	"github.com/shoal-nix/shoal/internal/schema"
)

type initOptions struct {
	force    bool
	name     string
	release  string
	adminKey string
}

func newInitCommand(g *globals) *cobra.Command {
	var o initOptions
	cmd := &cobra.Command{
		Use:   "init [DIR]",
		Short: "Start a fleet repository: shoal.toml with an example machine, README, CI",
		Long: `Init writes a new fleet repository into DIR (default: the current directory):
shoal.toml with one commented example machine, the JSON Schema of shoal.toml
(named by a #:schema line, for completion and inline errors in editors),
.gitignore, a README for the fleet's owner, and CI workflows for GitHub
Actions and Forgejo/Gitea Actions that run shoal check, shoal gen --check and
nix flake check.

The fleet's admin key (root's SSH key for deploying) is --admin-key, or else
the first of ~/.ssh/id_ed25519.pub, id_ecdsa.pub and id_rsa.pub.

Init refuses a directory that is not empty (a fresh git repository counts as
empty); with --force it writes into one,
but never over a file that is already there (it says which it left alone).`,
		Example: "  shoal init home\n  shoal init --admin-key \"$(cat ~/.ssh/id_ed25519.pub)\"",
		Args:    cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runInit(cmd.Context(), g, o, argOr(args, 0))
		},
	}
	cmd.Flags().BoolVar(&o.force, "force", false, "write into a non-empty directory (never over an existing file)")
	cmd.Flags().StringVar(&o.name, "name", "", "the fleet's name (default: the directory's name)")
	cmd.Flags().StringVar(&o.release, "nixos", "26.05", "the NixOS release the flake pins")
	cmd.Flags().StringVar(&o.adminKey, "admin-key", "", "an SSH public key that may deploy (the whole line of a .pub file)")
	return cmd
}

func runInit(_ context.Context, g *globals, o initOptions, dir string) error {
	if dir == "" {
		dir = "."
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	entries, err := os.ReadDir(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return fmt.Errorf("init %s: %w", dir, err)
	case slices.ContainsFunc(entries, func(e fs.DirEntry) bool { return e.Name() != ".git" }) && !o.force:
		return usageError("%s is not empty; give an empty or new directory, or --force to add the files that are missing", dir)
	}
	name := o.name
	if name == "" {
		name = filepath.Base(abs)
	}
	adminKey := o.adminKey
	if adminKey == "" {
		if key, file := userPublicKey(); key != "" {
			adminKey = key
			fmt.Fprintf(g.stdout, "admin key: %s (--admin-key gives another)\n", file)
		}
	}
	schema, err := fleetSchema()
	if err != nil {
		return err
	}
	files := scaffold.InitFiles(scaffold.Fleet{Name: name, Release: o.release, AdminKey: adminKey, Schema: schema})
	written, kept, err := writeNewFiles(dir, files)
	for _, p := range written {
		fmt.Fprintf(g.stdout, "created %s\n", filepath.Join(dir, p))
	}
	for _, p := range kept {
		fmt.Fprintf(g.stdout, "kept %s (it exists)\n", filepath.Join(dir, p))
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(g.stdout, "\nNext:\n")
	if dir != "." {
		fmt.Fprintf(g.stdout, "  cd %s\n", dir)
	}
	fmt.Fprintf(g.stdout, "  shoal new machine NAME --profile server --address HOST --disk /dev/disk/by-id/...\n")
	fmt.Fprintf(g.stdout, "  (then remove the example machine from shoal.toml)\n  shoal check\n  shoal gen\n")
	return nil
}

// userPublicKey returns the first SSH public key of the user running
// shoal (~/.ssh/id_ed25519.pub, id_ecdsa.pub, id_rsa.pub) and its file,
// or "" when there is none.
func userPublicKey() (key, file string) {
	home, err := os.UserHomeDir()
	if err != nil {
		return "", ""
	}
	for _, name := range []string{"id_ed25519.pub", "id_ecdsa.pub", "id_rsa.pub"} {
		file := filepath.Join(home, ".ssh", name)
		data, err := os.ReadFile(file)
		if err != nil {
			continue
		}
		line, _, _ := strings.Cut(strings.TrimSpace(string(data)), "\n")
		if strings.HasPrefix(line, "ssh-") || strings.HasPrefix(line, "ecdsa-") {
			return line, file
		}
	}
	return "", ""
}

// writeNewFiles writes files under dir, creating directories, and never
// over a file that exists: those it reports as kept. It stops at the first
// failure.
func writeNewFiles(dir string, files map[string][]byte) (written, kept []string, err error) {
	paths := make([]string, 0, len(files))
	for p := range files {
		paths = append(paths, p)
	}
	slices.Sort(paths)
	for _, p := range paths {
		full := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			return written, kept, fmt.Errorf("create %s: %w", filepath.Dir(full), err)
		}
		f, err := os.OpenFile(full, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if errors.Is(err, fs.ErrExist) {
			kept = append(kept, p)
			continue
		}
		if err != nil {
			return written, kept, fmt.Errorf("create %s: %w", full, err)
		}
		if _, err := f.Write(files[p]); err != nil {
			f.Close()
			return written, kept, fmt.Errorf("write %s: %w", full, err)
		}
		if err := f.Close(); err != nil {
			return written, kept, fmt.Errorf("write %s: %w", full, err)
		}
		written = append(written, p)
	}
	return written, kept, nil
}

// fleetSchema is the JSON Schema of shoal.toml for the built-in catalog.
func fleetSchema() ([]byte, error) {
	c, diags := catalog.Builtin()
	if diags.HasErrors() {
		return nil, fmt.Errorf("the built-in catalog has errors: %w", diags)
	}
	return schema.Fleet(c)
}
