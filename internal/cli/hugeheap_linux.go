package cli

import (
	"runtime"
	"unsafe"

	"golang.org/x/sys/unix"
)

// hugePage is the size of a transparent huge page on Linux/amd64 and
// arm64 with 4 KiB base pages.
const hugePage = 2 << 20

// adviseHugeHeap makes the next n bytes the heap grows into eligible for
// transparent huge pages. Go maps its heap without that advice, so under
// the kernel's usual "madvise" setting the heap gets 4 KiB pages only. It
// allocates n bytes, which the runtime maps without touching them (fresh
// memory is known to be zero), advises that range, and frees it at once:
// the allocator hands that address range out next, and the kernel then
// backs each 2 MiB of it with one huge page when first touched. Where the
// kernel has no huge pages, or refuses the advice, nothing changes.
func adviseHugeHeap(n int64) {
	buf := make([]byte, n)
	start := alignUp(&buf[0])
	end := start + (int(n)-start)&^(hugePage-1)
	if end > start {
		_ = unix.Madvise(buf[start:end], unix.MADV_HUGEPAGE)
	}
	buf = nil
	runtime.GC()
}

// alignUp returns the offset of the first huge-page boundary at or after p.
func alignUp(p *byte) int {
	addr := uintptr(unsafe.Pointer(p))
	return int((addr+hugePage-1)&^(hugePage-1) - addr)
}
