//go:build !linux

package cli

// adviseHugeHeap does nothing where transparent huge pages are not
// Linux's.
func adviseHugeHeap(int64) {}
