package build

import (
	"net/url"
	"path/filepath"

	"github.com/shoal-nix/shoal/internal/nixlit"
)

// Program is the Nix command build runs.
const Program = "nix"

// features turns on what Nix 2.8 keeps behind a flag: the nix command and
// flakes.
var features = []string{"--extra-experimental-features", "nix-command flakes"}

// Override replaces a flake input for this build, as nix build
// --override-input INPUT REF does: the lab stand-in for nixpkgs, or a
// local checkout of an input.
type Override struct {
	Input string // the input's name in flake.nix, e.g. nixpkgs
	Ref   string // a flake reference, e.g. path:/src/nixpkgs
}

// FlakeRef is the flake reference of the flake directory dir: path:DIR,
// absolute and escaped for a URL. A path: reference (not git+file) takes
// every file of the directory, so a generated file that git does not track
// yet is still part of the build.
func FlakeRef(dir string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	return "path:" + (&url.URL{Path: filepath.ToSlash(abs)}).EscapedPath(), nil
}

// Toplevel is the attribute path of a machine's system closure in the
// flake.
func Toplevel(machine string) string {
	return nixlit.AttrPath("nixosConfigurations", machine, "config", "system", "build", "toplevel")
}

// buildArgs is the nix command line that builds machine's toplevel.
func (o *Options) buildArgs(flakeRef, machine string) []string {
	args := append(append([]string{}, features...), "build", "--json", "--no-link", flakeRef+"#"+Toplevel(machine))
	args = append(args, o.inputArgs()...)
	if o.Builders != "" {
		args = append(args, "--option", "builders", o.Builders)
	}
	return append(args, o.NixFlags...)
}

// inputArgs are the --override-input flags, with --no-write-lock-file
// when there are any: a lock file pinning the override (a stand-in, a
// local checkout) would outlive this build.
func (o *Options) inputArgs() []string {
	var args []string
	for _, ov := range o.Overrides {
		args = append(args, "--override-input", ov.Input, ov.Ref)
	}
	if len(args) > 0 {
		args = append(args, "--no-write-lock-file")
	}
	return args
}

// lockArgs is the nix command line that writes the flake's missing lock
// file once, before the builds, so that parallel builds do not each try to.
func (o *Options) lockArgs(flakeRef string) []string {
	args := append(append([]string{}, features...), "flake", "lock", flakeRef)
	return append(args, o.NixFlags...)
}

// pingArgs is the nix command line that opens the store once.
func (o *Options) pingArgs() []string {
	args := append(append([]string{}, features...), "store", "ping")
	return append(args, o.NixFlags...)
}

// pathInfoArgs is the nix command line that tells the closure size of
// path as JSON.
func (o *Options) pathInfoArgs(path string) []string {
	args := append(append([]string{}, features...), "path-info", "--json", "--closure-size", path)
	return append(args, o.NixFlags...)
}

// signArgs is the nix command line that signs the closure of path with
// the secret key file o.SignKey.
func (o *Options) signArgs(path string) []string {
	args := append(append([]string{}, features...), "store", "sign", "--key-file", o.SignKey, "--recursive", path)
	return append(args, o.NixFlags...)
}

// copyArgs is the nix command line that copies the closure of path to the
// cache.
func (o *Options) copyArgs(path string) []string {
	args := append(append([]string{}, features...), "copy", "--to", o.Cache, path)
	return append(args, o.NixFlags...)
}
