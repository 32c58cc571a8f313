//go:build !linux

package stamp

import (
	"time"

	"github.com/shoal-nix/shoal/internal/genfs"
)

// verifyOutputs is genfs.Verify where shoal has no faster walk.
func verifyOutputs(dir string, ids []genfs.Identity, owned func(string) bool) (ok bool, refreshed []genfs.Identity) {
	ok, refreshed, err := genfs.Verify(dir, ids, owned)
	return ok && err == nil, refreshed
}

// Identify is genfs.Identify.
func Identify(dir string, files []genfs.File, since time.Time) ([]genfs.Identity, error) {
	return genfs.Identify(dir, files, since)
}
