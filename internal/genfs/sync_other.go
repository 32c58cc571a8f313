//go:build !linux

package genfs

// syncFS does nothing outside Linux, where shoal's fleets are managed
// from; the renames are still atomic.
func syncFS(string) error { return nil }

// tempFlags are extra flags for creating temporary files: none here.
const tempFlags = 0
