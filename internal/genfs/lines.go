package genfs

import "math"

// lineDiff finds which lines of a and b, given as equivalence classes (equal
// lines, equal numbers), are not part of a common subsequence: it returns
// one flag per line of each. It follows GNU diff's choices so that its
// output reads like diff -u: Myers' O(ND) algorithm with the linear-space
// refinement, the same midpoint search and the same cut-off for very
// different inputs, then the same sliding of each run of changes to its
// canonical place.
func lineDiff(a, b []int) (delA, insB []bool) {
	n, m := len(a), len(b)
	d := differ{
		a:  a,
		b:  b,
		fd: make([]int, n+m+3),
		bd: make([]int, n+m+3),
		// off maps diagonal k = x-y, from -m-1 to n+1, to an index.
		off: m + 1,
		// Like GNU diff, give up on a minimal script only past an edit
		// cost of about the square root of the input size, and never
		// below 4096: inputs of a few thousand lines stay exact.
		tooExpensive: 4096,
		// The flags carry a false sentinel at each end.
		changedA: make([]bool, n+2),
		changedB: make([]bool, m+2),
	}
	expensive := 1
	for size := n + m + 3; size != 0; size >>= 2 {
		expensive <<= 1
	}
	d.tooExpensive = max(d.tooExpensive, expensive)

	d.compare(0, n, 0, m, false)
	shiftBoundaries(a, d.changedA, d.changedB)
	shiftBoundaries(b, d.changedB, d.changedA)
	return d.changedA[1 : n+1], d.changedB[1 : m+1]
}

type differ struct {
	a, b               []int
	fd, bd             []int // furthest x reached on each diagonal, forward and backward
	off                int
	tooExpensive       int
	changedA, changedB []bool // index i+1 is line i
}

// compare marks the changes between a[xoff:xlim] and b[yoff:ylim]. With
// minimal false, it may settle for a script that is not the shortest when
// finding one would cost too much.
func (d *differ) compare(xoff, xlim, yoff, ylim int, minimal bool) {
	for xoff < xlim && yoff < ylim && d.a[xoff] == d.b[yoff] {
		xoff++
		yoff++
	}
	for xoff < xlim && yoff < ylim && d.a[xlim-1] == d.b[ylim-1] {
		xlim--
		ylim--
	}
	switch {
	case xoff == xlim:
		for y := yoff; y < ylim; y++ {
			d.changedB[y+1] = true
		}
	case yoff == ylim:
		for x := xoff; x < xlim; x++ {
			d.changedA[x+1] = true
		}
	default:
		xmid, ymid, loMinimal, hiMinimal := d.midpoint(xoff, xlim, yoff, ylim, minimal)
		d.compare(xoff, xmid, yoff, ymid, loMinimal)
		d.compare(xmid, xlim, ymid, ylim, hiMinimal)
	}
}

// midpoint finds a point (xmid, ymid) on a shortest edit path from
// (xoff, yoff) to (xlim, ylim), searching forward from the start and
// backward from the end until the two searches meet. The inputs differ at
// both ends. Past tooExpensive steps, unless minimal is set, it returns the
// furthest point either search reached, and reports which half is still
// to be diffed minimally.
func (d *differ) midpoint(xoff, xlim, yoff, ylim int, minimal bool) (xmid, ymid int, loMinimal, hiMinimal bool) {
	a, b, fd, bd, o := d.a, d.b, d.fd, d.bd, d.off
	dmin, dmax := xoff-ylim, xlim-yoff // the diagonals in range
	fmid, bmid := xoff-yoff, xlim-ylim // where each search starts
	fmin, fmax, bmin, bmax := fmid, fmid, bmid, bmid
	odd := (fmid-bmid)&1 != 0
	fd[o+fmid] = xoff
	bd[o+bmid] = xlim

	for c := 1; ; c++ {
		// One more edit forward, on every other diagonal.
		if fmin > dmin {
			fmin--
			fd[o+fmin-1] = -1
		} else {
			fmin++
		}
		if fmax < dmax {
			fmax++
			fd[o+fmax+1] = -1
		} else {
			fmax--
		}
		for k := fmax; k >= fmin; k -= 2 {
			lo, hi := fd[o+k-1], fd[o+k+1]
			x := lo + 1
			if lo < hi {
				x = hi
			}
			y := x - k
			for x < xlim && y < ylim && a[x] == b[y] {
				x++
				y++
			}
			fd[o+k] = x
			if odd && bmin <= k && k <= bmax && bd[o+k] <= x {
				return x, y, true, true
			}
		}

		// One more edit backward.
		if bmin > dmin {
			bmin--
			bd[o+bmin-1] = math.MaxInt
		} else {
			bmin++
		}
		if bmax < dmax {
			bmax++
			bd[o+bmax+1] = math.MaxInt
		} else {
			bmax--
		}
		for k := bmax; k >= bmin; k -= 2 {
			lo, hi := bd[o+k-1], bd[o+k+1]
			x := hi - 1
			if lo < hi {
				x = lo
			}
			y := x - k
			for xoff < x && yoff < y && a[x-1] == b[y-1] {
				x--
				y--
			}
			bd[o+k] = x
			if !odd && fmin <= k && k <= fmax && x <= fd[o+k] {
				return x, y, true, true
			}
		}

		if minimal || c < d.tooExpensive {
			continue
		}
		// Too costly: split at the furthest point reached forward
		// (greatest x+y) or backward (least x+y), whichever got further.
		fxy, fx := -1, 0
		for k := fmax; k >= fmin; k -= 2 {
			x := min(fd[o+k], xlim)
			y := x - k
			if ylim < y {
				x, y = ylim+k, ylim
			}
			if fxy < x+y {
				fxy, fx = x+y, x
			}
		}
		bxy, bx := math.MaxInt, 0
		for k := bmax; k >= bmin; k -= 2 {
			x := max(xoff, bd[o+k])
			y := x - k
			if y < yoff {
				x, y = yoff+k, yoff
			}
			if x+y < bxy {
				bxy, bx = x+y, x
			}
		}
		if (xlim+ylim)-bxy < fxy-(xoff+yoff) {
			return fx, fxy - fx, true, false
		}
		return bx, bxy - bx, false, true
	}
}

// shiftBoundaries slides each run of changed lines in one file, where the
// lines allow it without changing the other file's script, so that runs
// merge where they can, sit as late as they can otherwise, and line up
// with a run of changes in the other file when one is adjacent: the
// choices GNU diff makes, which put a block insertion after a repeated
// closing brace rather than before it. lines holds the file's equivalence
// classes; changed and other carry a false sentinel at each end, and index
// i+1 is line i.
func shiftBoundaries(lines []int, changed, other []bool) {
	eq := func(i, j int) bool { return lines[i-1] == lines[j-1] } // 1-based
	end := len(lines) + 1                                         // sentinel index
	i, j := 1, 1
	for {
		// Find the start of the next run, keeping j at the matching
		// place in the other file.
		for i < end && !changed[i] {
			for other[j] {
				j++
			}
			j++
			i++
		}
		if i == end {
			return
		}
		start := i
		for changed[i] {
			i++
		}
		for other[j] {
			j++
		}
		var corresponding int
		for {
			runLength := i - start
			// Move the run back while the line before it equals its last
			// line; it may merge with the run before.
			for start > 1 && eq(start-1, i-1) {
				start--
				changed[start] = true
				i--
				changed[i] = false
				for changed[start-1] {
					start--
				}
				j--
				for other[j] {
					j--
				}
			}
			// Where the run ends next to a run in the other file.
			corresponding = end
			if other[j-1] {
				corresponding = i
			}
			// Move it forward while its first line equals the line after
			// it; it may merge with the run after.
			for i != end && eq(start, i) {
				changed[start] = false
				start++
				changed[i] = true
				i++
				for changed[i] {
					i++
				}
				j++
				for other[j] {
					j++
					corresponding = i
				}
			}
			if runLength == i-start {
				break
			}
		}
		// Move it back to line up with a run in the other file, if any.
		for corresponding < i {
			start--
			changed[start] = true
			i--
			changed[i] = false
			j--
			for other[j] {
				j--
			}
		}
	}
}
