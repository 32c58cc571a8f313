package build

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
)

// DefaultEvalMemory is the memory one NixOS evaluation is assumed to take
// when the number of builds at once is computed from free memory: 2 GiB,
// between what a small server's configuration costs and a desktop's.
const DefaultEvalMemory = 2 << 30

// MeminfoFile is where the kernel tells the available memory.
const MeminfoFile = "/proc/meminfo"

// MemAvailable returns the kernel's estimate of the memory available for
// new work without swapping (MemAvailable in /proc/meminfo), in bytes.
func MemAvailable() (uint64, error) {
	f, err := os.Open(MeminfoFile)
	if err != nil {
		return 0, fmt.Errorf("available memory: %w", err)
	}
	defer f.Close()
	n, err := parseMeminfo(f)
	if err != nil {
		return 0, fmt.Errorf("available memory: %s: %w", MeminfoFile, err)
	}
	return n, nil
}

// parseMeminfo reads MemAvailable from the text of /proc/meminfo
// ("MemAvailable:    3145728 kB").
func parseMeminfo(r io.Reader) (uint64, error) {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		rest, ok := strings.CutPrefix(sc.Text(), "MemAvailable:")
		if !ok {
			continue
		}
		fields := strings.Fields(rest)
		if len(fields) != 2 || fields[1] != "kB" {
			return 0, fmt.Errorf("unexpected MemAvailable line %q", sc.Text())
		}
		kb, err := strconv.ParseUint(fields[0], 10, 64)
		if err != nil {
			return 0, fmt.Errorf("unexpected MemAvailable line %q: %w", sc.Text(), err)
		}
		return kb * 1024, nil
	}
	if err := sc.Err(); err != nil {
		return 0, err
	}
	return 0, errors.New("no MemAvailable line (Linux 3.14 or later has one)")
}

// Jobs is how many machines to build at once: as many evaluations of
// perEval bytes as fit in available bytes, at least one, at most the
// number of machines.
func Jobs(available, perEval uint64, machines int) int {
	if perEval == 0 {
		perEval = DefaultEvalMemory
	}
	n := available / perEval
	if n > uint64(machines) {
		n = uint64(machines)
	}
	return max(1, int(n))
}

// Size renders a number of bytes for people: 512 B, 54.5 KiB, 1.2 GiB.
func Size(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit && exp < 5; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}
