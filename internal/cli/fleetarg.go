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
	dir := arg
	if dir == "" {
		dir = "."
	}
	info, err := os.Stat(dir)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, "", fmt.Errorf("%s does not exist", dir)
		}
		return nil, "", err
	}
	if !info.IsDir() {
		if filepath.Base(dir) != check.FleetFile {
			return nil, "", usageError("%s is not a fleet: give a directory holding %s, or that file", dir, check.FleetFile)
		}
		dir = filepath.Dir(dir)
	}
	display := filepath.ToSlash(filepath.Clean(dir))
	if display == "." {
		display = ""
	}
	res, err := check.Run(os.DirFS(dir), ".", display)
	if errors.Is(err, check.ErrNoFleetFile) {
		return nil, "", fmt.Errorf("no %s in %s; `shoal demo` shows an example fleet", check.FleetFile, filepath.Clean(dir))
	}
	return res, dir, err
}
