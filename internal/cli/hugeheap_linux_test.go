package cli

import (
	"bufio"
	"os"
	"strconv"
	"strings"
	"testing"
	"unsafe"
)

// TestAdviseHugeHeap checks that what a check allocates after
// adviseHugeHeap lands in memory the kernel was told to back with huge
// pages (VmFlags "hg" in /proc/self/smaps).
func TestAdviseHugeHeap(t *testing.T) {
	mode, err := os.ReadFile("/sys/kernel/mm/transparent_hugepage/enabled")
	if err != nil || strings.Contains(string(mode), "[never]") {
		t.Skip("this kernel has no transparent huge pages")
	}
	adviseHugeHeap(64 << 20)
	objs := make([]*[1024]byte, 0, 32<<10)
	for range cap(objs) {
		objs = append(objs, new([1024]byte))
	}
	huge := hugeRanges(t)
	in := 0
	for _, o := range objs {
		addr := uintptr(unsafe.Pointer(o))
		for _, r := range huge {
			if addr >= r[0] && addr < r[1] {
				in++
				break
			}
		}
	}
	if in < len(objs)/2 {
		t.Errorf("%d of %d objects allocated after adviseHugeHeap are in memory advised for huge pages (%d such ranges)", in, len(objs), len(huge))
	}
}

// hugeRanges returns the address ranges of this process that are advised
// for huge pages.
func hugeRanges(t *testing.T) [][2]uintptr {
	f, err := os.Open("/proc/self/smaps")
	if err != nil {
		t.Skipf("no smaps: %v", err)
	}
	defer f.Close()
	var out [][2]uintptr
	var cur [2]uintptr
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if flags, ok := strings.CutPrefix(line, "VmFlags:"); ok {
			if strings.Contains(" "+flags+" ", " hg ") {
				out = append(out, cur)
			}
			continue
		}
		fields := strings.Fields(line)
		if len(fields) == 0 || strings.HasSuffix(fields[0], ":") {
			continue
		}
		lo, hi, ok := strings.Cut(fields[0], "-")
		if !ok {
			continue
		}
		a, err1 := strconv.ParseUint(lo, 16, 64)
		b, err2 := strconv.ParseUint(hi, 16, 64)
		if err1 == nil && err2 == nil {
			cur = [2]uintptr{uintptr(a), uintptr(b)}
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}
