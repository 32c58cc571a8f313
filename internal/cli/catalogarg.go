package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/shoal-nix/shoal/internal/catalog"
	"github.com/shoal-nix/shoal/internal/check"
	"github.com/shoal-nix/shoal/internal/diag"
)

// loadCatalog returns the catalog a fleet sees: the built-in one plus the
// fleet's own features when arg (or, for "", the current directory) holds
// a fleet, the built-in one alone when "" names a directory without one.
// A fleet with errors still yields its catalog: browsing it is how a user
// finds what to write.
func loadCatalog(arg string) (*catalog.Catalog, error) {
	if arg == "" {
		if _, err := os.Stat(check.FleetFile); errors.Is(err, fs.ErrNotExist) {
			c, diags := catalog.Builtin()
			if diags.HasErrors() {
				return nil, fmt.Errorf("the built-in catalog has errors: %s", diags[0].Summary)
			}
			return c, nil
		}
	}
	res, err := loadFleet(arg)
	if err != nil {
		return nil, err
	}
	return res.Catalog, nil
}

// unknownName is the usage error for a catalog name that does not exist.
func unknownName(kind, name string, names []string) error {
	if s := diag.Suggest(name, names); s != "" {
		return usageError("no %s %q; did you mean %q?", kind, name, s)
	}
	return usageError("no %s %q; %ss are: %s", kind, name, kind, strings.Join(names, ", "))
}

// fleetDirOf returns the fleet directory arg names ("" for the current one).
func fleetDirOf(arg string) string {
	if arg == "" {
		return "."
	}
	if filepath.Base(arg) == check.FleetFile {
		return filepath.Dir(arg)
	}
	return arg
}
