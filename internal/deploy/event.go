package deploy

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
)

// Event is one step of one host's deploy, as progress shows it.
type Event struct {
	Time    time.Time `json:"time"`
	Machine string    `json:"machine"`
	// Step is connect, probe, copy, activate, confirm, health, finish,
	// rollback or done.
	Step string `json:"step"`
	// Status is start, ok, fail or info; for the done step it is the
	// host's outcome.
	Status  string `json:"status"`
	Message string `json:"message,omitempty"`
}

// Progress receives events; it must be safe for concurrent use.
type Progress interface {
	Event(Event)
}

// PlainProgress writes one prefixed line per event, for logs and CI.
type PlainProgress struct {
	W  io.Writer
	mu sync.Mutex
}

// Event writes e as "[machine] step: status message".
func (p *PlainProgress) Event(e Event) {
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprintln(p.W, renderPlain(e))
}

func renderPlain(e Event) string {
	line := fmt.Sprintf("[%s] %s: %s", e.Machine, e.Step, e.Status)
	if e.Message != "" {
		line += ": " + strings.ReplaceAll(strings.TrimSpace(e.Message), "\n", "\n    ")
	}
	return line
}

// JSONProgress writes each event as a JSON object on a line of its own.
type JSONProgress struct {
	W  io.Writer
	mu sync.Mutex
}

// Event writes e as JSON.
func (p *JSONProgress) Event(e Event) {
	p.mu.Lock()
	defer p.mu.Unlock()
	data, _ := json.Marshal(e) // Event has only strings and a time
	fmt.Fprintf(p.W, "%s\n", data)
}

// LiveProgress keeps one line per host on a terminal, redrawn in place;
// failures are kept above the lines in full.
type LiveProgress struct {
	W        io.Writer
	Machines []string

	mu    sync.Mutex
	lines map[string]string
	drawn int
}

// Event updates e's host line and redraws.
func (p *LiveProgress) Event(e Event) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.lines == nil {
		p.lines = map[string]string{}
	}
	// Move up over the lines drawn before and clear them.
	if p.drawn > 0 {
		fmt.Fprintf(p.W, "\x1b[%dA\x1b[J", p.drawn)
	}
	if e.Status == "fail" {
		fmt.Fprintln(p.W, renderPlain(e))
	}
	msg := e.Message
	if i := strings.IndexByte(msg, '\n'); i >= 0 {
		msg = msg[:i]
	}
	line := fmt.Sprintf("%-7s %s", e.Status, e.Step)
	if msg != "" {
		line += ": " + msg
	}
	p.lines[e.Machine] = line
	p.drawn = 0
	width := 0
	for _, m := range p.Machines {
		width = max(width, len(m))
	}
	for _, m := range p.Machines {
		l, ok := p.lines[m]
		if !ok {
			l = "waiting"
		}
		fmt.Fprintf(p.W, "%-*s  %s\n", width, m, l)
		p.drawn++
	}
}
