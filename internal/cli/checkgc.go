package cli

import (
	"os"
	"path/filepath"
	"runtime/debug"

	"github.com/shoal-nix/shoal/internal/check"
)

// Memory a check may grow to before the collector runs: a check keeps
// nearly everything it allocates (the fleet file's tree, the model and the
// resolved fleet all stay reachable until the report is written), about
// 30 bytes per byte of fleet file, so collections while it grows find
// little to free and cost a sixth of its time. The limit leaves twice
// that, and a floor for small fleets and for the catalog; past it the
// collector runs as the limit asks.
const (
	checkHeapPerByte = 64
	checkHeapFloor   = 64 << 20
)

// checkHeapLimit is the memory limit for checking a fleet file of size
// bytes.
func checkHeapLimit(size int64) int64 {
	return max(checkHeapFloor, checkHeapPerByte*size)
}

// collectLate makes the collector wait, while the fleet at fleetArg is
// checked, until the heap reaches checkHeapLimit of its fleet file, and
// returns a function that restores the collector's settings. When the
// file cannot be found it changes nothing: the check reports why.
func collectLate(fleetArg string) (restore func()) {
	dir, err := fleetDirStat(fleetArg)
	if err != nil {
		return func() {}
	}
	info, err := os.Stat(filepath.Join(dir, check.FleetFile))
	if err != nil {
		return func() {}
	}
	limit := debug.SetMemoryLimit(checkHeapLimit(info.Size()))
	percent := debug.SetGCPercent(-1)
	return func() {
		debug.SetGCPercent(percent)
		debug.SetMemoryLimit(limit)
	}
}
