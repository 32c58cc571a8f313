package cli

import (
	"fmt"
	"io"
	"slices"
	"strings"
)

// buildProgress keeps one live line on a terminal: the machines building
// and how many are done. Lines printed through it (results, errors) clear
// the live line first and redraw it after. Off a terminal it only passes
// lines through, so CI logs get plain lines.
type buildProgress struct {
	w       io.Writer // the terminal the live line goes to
	live    bool
	total   int
	done    int
	running []string
	shown   bool
}

// start records that machine's build started.
func (p *buildProgress) start(machine string) {
	p.running = append(p.running, machine)
	p.redraw()
}

// finish records that machine is done and prints its lines, each to its
// writer.
func (p *buildProgress) finish(machine string, lines ...func()) {
	if i := slices.Index(p.running, machine); i >= 0 {
		p.running = slices.Delete(p.running, i, i+1)
	}
	p.done++
	p.clear()
	for _, l := range lines {
		l()
	}
	p.redraw()
}

// end clears the live line for good.
func (p *buildProgress) end() { p.clear() }

func (p *buildProgress) clear() {
	if p.live && p.shown {
		fmt.Fprint(p.w, "\r\033[K")
		p.shown = false
	}
}

func (p *buildProgress) redraw() {
	if !p.live {
		return
	}
	p.clear()
	if len(p.running) == 0 {
		return
	}
	fmt.Fprintf(p.w, "building %s (%d of %d done)", strings.Join(p.running, ", "), p.done, p.total)
	p.shown = true
}
