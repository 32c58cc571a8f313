package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/shoal-nix/shoal/internal/check"
)

// loadFleet runs the check pipeline on the fleet named by arg: a directory
// holding shoal.toml, the file itself, or "" for the current directory.
func loadFleet(arg string) (*check.Result, error) {
	res, _, err := loadFleetDir(arg)
	return res, err
}

// loadFleetDir is loadFleet that also returns the fleet's directory.
func loadFleetDir(arg string) (*check.Result, string, error) {
	return loadFleetDirFS(arg, nil)
}

// fleetDirStat returns the directory of the fleet named by arg, which must exist.
func fleetDirStat(arg string) (string, error) {
	dir := arg
	if dir == "" {
		dir = "."
	}
	info, err := os.Stat(dir)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return "", fmt.Errorf("%s does not exist", dir)
		}
		return "", err
	}
	if !info.IsDir() {
		if filepath.Base(dir) != check.FleetFile {
			return "", usageError("%s is not a fleet: give a directory holding %s, or that file", dir, check.FleetFile)
		}
		dir = filepath.Dir(dir)
	}
	return dir, nil
}

// loadFleetDirFS is loadFleetDir reading the fleet's directory through
// wrap (when not nil), which may record what the check reads.
func loadFleetDirFS(arg string, wrap func(fs.FS) fs.FS) (*check.Result, string, error) {
	dir, err := fleetDirStat(arg)
	if err != nil {
		return nil, "", err
	}
	display := filepath.ToSlash(filepath.Clean(dir))
	if display == "." {
		display = ""
	}
	fsys := os.DirFS(dir)
	if wrap != nil {
		fsys = wrap(fsys)
	}
	res, err := check.Run(fsys, ".", display)
	if errors.Is(err, check.ErrNoFleetFile) {
		return nil, "", fmt.Errorf("no %s in %s; `shoal demo` shows an example fleet", check.FleetFile, filepath.Clean(dir))
	}
	return res, dir, err
}
