package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/shoal-nix/shoal/internal/diag"
	"github.com/shoal-nix/shoal/internal/tomltree"
)

// ANSI colours, used only when a diagRenderer's color is set.
const (
	ansiReset  = "\x1b[0m"
	ansiBold   = "\x1b[1m"
	ansiRed    = "\x1b[31m"
	ansiYellow = "\x1b[33m"
	ansiBlue   = "\x1b[34m"
	ansiCyan   = "\x1b[36m"
)

type diagRenderer struct {
	w     io.Writer
	docs  map[string]*tomltree.Doc
	color bool // colour and source snippets
}

func (r diagRenderer) paint(code, s string) string {
	if !r.color {
		return s
	}
	return code + s + ansiReset
}

// render writes diagnostics as `file:line:col: severity[CODE]: summary`,
// then, indented, the snippet (on a terminal), the hint and the related
// locations.
func (r diagRenderer) render(l diag.List) {
	for _, d := range l {
		colour := ansiBold + ansiRed
		switch d.Severity {
		case diag.Warning:
			colour = ansiBold + ansiYellow
		case diag.Info:
			colour = ansiBold + ansiCyan
		}
		fmt.Fprintf(r.w, "%s: %s[%s]: %s\n", location(d.File, d.Pos), r.paint(colour, d.Severity.String()), d.Code, r.paint(ansiBold, d.Summary))
		if r.color {
			r.snippet(d.File, d.Pos, colour)
		}
		if d.Hint != "" {
			fmt.Fprintf(r.w, "  %s %s\n", r.paint(ansiCyan, "hint:"), strings.ReplaceAll(d.Hint, "\n", "\n        "))
		}
		for _, rel := range d.Related {
			fmt.Fprintf(r.w, "  %s %s, at %s\n", r.paint(ansiBlue, "note:"), rel.Message, location(rel.File, rel.Pos))
		}
	}
}

func location(file string, p diag.Pos) string {
	if file == "" {
		file = "<input>"
	}
	if !p.Known() {
		return file
	}
	return fmt.Sprintf("%s:%d:%d", file, p.Line, p.Col)
}

// snippet prints the source line with the range underlined in the
// severity's colour.
func (r diagRenderer) snippet(file string, p diag.Pos, colour string) {
	doc := r.docs[file]
	if doc == nil || !p.Known() {
		return
	}
	line := doc.Line(p.Line)
	if len(line) > 200 || !utf8.ValidString(line) {
		return
	}
	line = strings.ReplaceAll(line, "\t", " ")
	width := 1
	if p.EndLine == p.Line && p.EndCol > p.Col {
		width = p.EndCol - p.Col
	}
	start := min(p.Col-1, len(line))
	pad := utf8.RuneCountInString(line[:start])
	if start+width <= len(line) {
		width = max(1, utf8.RuneCountInString(line[start:start+width]))
	}
	num := fmt.Sprint(p.Line)
	gutter := strings.Repeat(" ", len(num))
	fmt.Fprintf(r.w, "  %s |\n", gutter)
	fmt.Fprintf(r.w, "  %s | %s\n", r.paint(ansiBlue, num), line)
	fmt.Fprintf(r.w, "  %s | %s%s\n", gutter, strings.Repeat(" ", pad), r.paint(colour, strings.Repeat("^", width)))
}

// summary is the closing line of a check.
func summary(l diag.List) string {
	e, w := l.Count(diag.Error), l.Count(diag.Warning)
	return fmt.Sprintf("%d %s, %d %s", e, plural(e, "error"), w, plural(w, "warning"))
}

func plural(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}

// writeJSON writes v as indented JSON.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}
