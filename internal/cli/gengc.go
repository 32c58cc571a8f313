package cli

import (
	"runtime"
	"runtime/debug"
	"runtime/metrics"

	"github.com/shoal-nix/shoal/internal/check"
)

// While gen writes the flake it keeps the checked fleet and little else:
// each file goes to disk as it is made, so the live heap stays near the
// fleet model's while generation allocates several times the flake's size
// in short-lived values. The collector's default pacing would let the heap
// grow to twice the live heap between collections: more than checking the
// fleet took, since the check's garbage was collected as it grew.
// Instead, once the fleet file's tree is let go, the collector waits until
// the heap reaches the memory the check took, which that tree no longer
// holds, so that generating never makes gen's peak higher than checking
// did; and at least genLivePercent more than the live heap, so that a
// collection always frees a good part, and at least genHeapFloor, so that
// a small fleet is collected rarely: most of what it allocates is garbage.
const (
	genHeapFloor   = 64 << 20
	genLivePercent = 50
)

// genHeapLimit is the memory limit for generating a flake once the check
// took used bytes and left live bytes of heap.
func genHeapLimit(used, live uint64) int64 {
	return max(genHeapFloor, int64(used), int64(live+live*genLivePercent/100))
}

// releaseChecked lets go of what gen no longer needs of the checked fleet
// res once its diagnostics are rendered (the fleet file's tree, the parsed
// files), collects it, and sets the collector as genHeapLimit says. It
// returns a function that restores the collector's settings. res.Docs is
// nil afterwards, and so is the fleet model's document.
func releaseChecked(res *check.Result) (restore func()) {
	res.Resolved.Detach()
	res.Docs = nil
	samples := []metrics.Sample{
		{Name: "/memory/classes/total:bytes"},
		{Name: "/memory/classes/heap/released:bytes"},
		{Name: "/gc/heap/live:bytes"},
	}
	metrics.Read(samples[:2])
	runtime.GC()
	metrics.Read(samples[2:])
	for _, s := range samples {
		if s.Value.Kind() != metrics.KindUint64 {
			return func() {}
		}
	}
	used := samples[0].Value.Uint64() - samples[1].Value.Uint64()
	limit := debug.SetMemoryLimit(genHeapLimit(used, samples[2].Value.Uint64()))
	percent := debug.SetGCPercent(-1)
	return func() {
		debug.SetGCPercent(percent)
		debug.SetMemoryLimit(limit)
	}
}
