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

// A check of a large fleet file touches its heap once, page by page, and
// on a virtual machine each first touch of a 4 KiB page costs a trap into
// the kernel: at 10,000 machines, 35,000 of them take a third of the
// check's time. Huge pages (2 MiB) take 500 times fewer. Fleet files from
// hugeHeapAbove bytes get hugeHeapPerByte bytes of heap advised for huge
// pages, which covers what their check keeps (about 25 bytes per byte);
// below that the faults cost milliseconds and a huge page's rounding
// would cost more memory than they save time.
const (
	hugeHeapAbove   = 1 << 20
	hugeHeapPerByte = 32
)

// checkHeapLimit is the memory limit for checking a fleet file of size
// bytes.
func checkHeapLimit(size int64) int64 {
	return max(checkHeapFloor, checkHeapPerByte*size)
}

// collectLate makes the collector wait, while a fleet file of size bytes
// is checked, until the heap reaches checkHeapLimit of it, and returns a
// function that restores the collector's settings. At least huge bytes of
// heap are advised for huge pages, whatever the file's size (gen, whose
// generating allocates that much before it collects).
func collectLate(size, huge int64) (restore func()) {
	if size >= hugeHeapAbove {
		huge = max(huge, hugeHeapPerByte*size)
	}
	if huge > 0 {
		adviseHugeHeap(huge)
	}
	limit := debug.SetMemoryLimit(checkHeapLimit(size))
	percent := debug.SetGCPercent(-1)
	return func() {
		debug.SetGCPercent(percent)
		debug.SetMemoryLimit(limit)
	}
}

// A no-op gen of a large fleet reads its stamp and walks the flake on
// disk, touching about 4 bytes of fresh heap per byte of fleet file: at
// 20,000 machines, 8,000 first touches of 4 KiB pages, a fifth of its
// time. From hugeHeapAbove bytes, that much heap is advised for huge pages
// before the stamp is read; below, zeroing a huge page costs more than the
// faults it saves.
const stampHeapPerByte = 4

// adviseStampHeap advises the heap a no-op gen of a fleet file of size
// bytes touches for huge pages, when the file is large.
func adviseStampHeap(size int64) {
	if size >= hugeHeapAbove {
		adviseHugeHeap(stampHeapPerByte * size)
	}
}

// fleetFileSize is the size of the fleet file at fleetArg; ok is false
// when it cannot be found (the command reports why, and the collector's
// settings stay as they are). Asked once a command.
func fleetFileSize(fleetArg string) (size int64, ok bool) {
	dir, err := fleetDirStat(fleetArg)
	if err != nil {
		return 0, false
	}
	info, err := os.Stat(filepath.Join(dir, check.FleetFile))
	if err != nil {
		return 0, false
	}
	return info.Size(), true
}
