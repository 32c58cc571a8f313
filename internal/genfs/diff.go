package genfs

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"slices"
	"strconv"
	"strings"
)

// context is the number of unchanged lines shown around each change.
const context = 3

// Diff writes to w, as a unified diff with three lines of context, what
// Apply would change under dir: a "--- a/PATH" and "+++ b/PATH" pair per
// file, in path order, with /dev/null on the side of a file created or
// removed. It reads the current content of updated and removed files. Its
// hunks are those GNU diff -u prints, including "\ No newline at end of
// file" after a last line that has no newline.
func Diff(w io.Writer, dir string, files []File, p *Plan) error {
	if p == nil {
		return errors.New("diff: no plan")
	}
	wanted, err := index(files)
	if err != nil {
		return err
	}
	type entry struct {
		path     string
		old, new bool // whether there is an old and a new side
	}
	var entries []entry
	for _, name := range p.Creates {
		entries = append(entries, entry{name, false, true})
	}
	for _, name := range p.Updates {
		entries = append(entries, entry{name, true, true})
	}
	for _, name := range p.Removes {
		entries = append(entries, entry{name, true, false})
	}
	slices.SortFunc(entries, func(a, b entry) int { return strings.Compare(a.path, b.path) })

	var root *os.Root
	if len(p.Updates)+len(p.Removes) > 0 {
		if root, err = os.OpenRoot(dir); err != nil {
			return fmt.Errorf("open output directory: %w", err)
		}
		defer root.Close()
	}
	bw := bufio.NewWriter(w)
	for _, e := range entries {
		oldLabel, newLabel := "/dev/null", "/dev/null"
		var old, cur []byte
		if e.old {
			oldLabel = "a/" + e.path
			if err := checkPath(e.path); err != nil {
				return err
			}
			if old, err = readRegular(root, e.path); err != nil {
				return fmt.Errorf("diff: %w", err)
			}
		}
		if e.new {
			newLabel = "b/" + e.path
			var ok bool
			if cur, ok = wanted[e.path]; !ok {
				return fmt.Errorf("diff: plan writes %s, which is not among the files", e.path)
			}
		}
		unified(bw, oldLabel, newLabel, old, cur)
	}
	return bw.Flush()
}

// readRegular reads name if it is a regular file, not through a symbolic
// link.
func readRegular(root *os.Root, name string) ([]byte, error) {
	fi, err := root.Lstat(name)
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, &fs.PathError{Op: "read", Path: name, Err: errors.New(reasonIrregular)}
	}
	return root.ReadFile(name)
}

// unified writes the unified diff of old and cur under the given labels,
// or nothing if they are equal.
func unified(w *bufio.Writer, oldLabel, newLabel string, old, cur []byte) {
	a, b := splitLines(old), splitLines(cur)
	classes := map[string]int{}
	classify := func(lines []string) []int {
		ids := make([]int, len(lines))
		for i, l := range lines {
			id, ok := classes[l]
			if !ok {
				id = len(classes)
				classes[l] = id
			}
			ids[i] = id
		}
		return ids
	}
	deleted, inserted := lineDiff(classify(a), classify(b))
	changes := script(deleted, inserted)
	if len(changes) == 0 {
		return
	}
	w.WriteString("--- " + oldLabel + "\n+++ " + newLabel + "\n")
	for len(changes) > 0 {
		// A hunk takes changes until more than twice the context of
		// unchanged lines separates the next one.
		n := 1
		for n < len(changes) && changes[n].a-changes[n-1].aEnd() <= 2*context {
			n++
		}
		hunk := changes[:n]
		changes = changes[n:]

		first, last := hunk[0], hunk[n-1]
		before := min(context, first.a)
		after := min(context, len(a)-last.aEnd())
		a0, a1 := first.a-before, last.aEnd()+after
		b0, b1 := first.b-before, last.bEnd()+after
		w.WriteString("@@ -" + hunkRange(a0, a1) + " +" + hunkRange(b0, b1) + " @@\n")
		i := a0
		for _, c := range hunk {
			writeLines(w, ' ', a[i:c.a])
			writeLines(w, '-', a[c.a:c.aEnd()])
			writeLines(w, '+', b[c.b:c.bEnd()])
			i = c.aEnd()
		}
		writeLines(w, ' ', a[i:a1])
	}
}

// change is a run of lines deleted from a at a and inserted in b at b.
type change struct {
	a, b     int
	del, ins int
}

func (c change) aEnd() int { return c.a + c.del }
func (c change) bEnd() int { return c.b + c.ins }

// script turns the flags of lineDiff into runs of changes.
func script(deleted, inserted []bool) []change {
	var changes []change
	i, j := 0, 0
	for i < len(deleted) || j < len(inserted) {
		if (i < len(deleted) && deleted[i]) || (j < len(inserted) && inserted[j]) {
			c := change{a: i, b: j}
			for i < len(deleted) && deleted[i] {
				i++
			}
			for j < len(inserted) && inserted[j] {
				j++
			}
			c.del, c.ins = i-c.a, j-c.b
			changes = append(changes, c)
			continue
		}
		i++
		j++
	}
	return changes
}

// hunkRange formats lines [from, to) as diff -u does: "start,count" with a
// 1-based start, "start" alone for one line, and the line before for none.
func hunkRange(from, to int) string {
	switch to - from {
	case 0:
		return strconv.Itoa(from) + ",0"
	case 1:
		return strconv.Itoa(from + 1)
	}
	return strconv.Itoa(from+1) + "," + strconv.Itoa(to-from)
}

// writeLines writes lines with prefix, marking a last line without newline
// as diff does.
func writeLines(w *bufio.Writer, prefix byte, lines []string) {
	for _, l := range lines {
		w.WriteByte(prefix)
		w.WriteString(l)
		if len(l) == 0 || l[len(l)-1] != '\n' {
			w.WriteString("\n\\ No newline at end of file\n")
		}
	}
}

// splitLines splits data into lines that keep their newline, so that a
// last line without one differs from the same text with one.
func splitLines(data []byte) []string {
	var lines []string
	for len(data) > 0 {
		i := bytes.IndexByte(data, '\n') + 1
		if i == 0 {
			i = len(data)
		}
		lines = append(lines, string(data[:i]))
		data = data[i:]
	}
	return lines
}
