package gen

import (
	"strings"

	"github.com/shoal-nix/shoal/internal/genfs"

	"github.com/shoal-nix/shoal/internal/nixlit"
)

// Header heads every generated file; genfs recognises it.
const Header = genfs.Header

// nixw builds a Nix file line by line with two-space indentation.
type nixw struct {
	b      strings.Builder
	indent int
	err    error
}

func newFile(comments ...string) *nixw {
	w := &nixw{}
	w.line(Header)
	for _, c := range comments {
		w.comment(c)
	}
	return w
}

// line writes one line at the current indentation; a multi-line s (from
// nixlit.Value) is indented as a block.
func (w *nixw) line(parts ...string) {
	s := strings.Join(parts, "")
	if s == "" {
		w.b.WriteByte('\n')
		return
	}
	pad := strings.Repeat("  ", w.indent)
	w.b.WriteString(pad)
	w.b.WriteString(strings.ReplaceAll(s, "\n", "\n"+pad))
	w.b.WriteByte('\n')
}

// comment writes a # comment; text is never interpreted by Nix, but a
// newline in it would end the comment, so lines are split.
func (w *nixw) comment(text string) {
	for _, l := range strings.Split(text, "\n") {
		w.line(strings.TrimRight("# "+l, " "))
	}
}

func (w *nixw) open(s string)  { w.line(s); w.indent++ }
func (w *nixw) close(s string) { w.indent--; w.line(s) }

// blank writes an empty line unless the previous one is empty or opens a block.
func (w *nixw) blank() {
	s := w.b.String()
	if strings.HasSuffix(s, "\n\n") || strings.HasSuffix(s, "{\n") || strings.HasSuffix(s, "[\n") || strings.HasSuffix(s, "in\n") {
		return
	}
	w.b.WriteByte('\n')
}

// value renders v with nixlit.Value, keeping the first error.
func (w *nixw) value(v any) string {
	s, err := nixlit.Value(v)
	if err != nil && w.err == nil {
		w.err = err
	}
	return s
}

// bind writes name = value; for a dotted attribute path.
func (w *nixw) bind(path []string, v any) {
	w.line(nixlit.AttrPath(path...), " = ", w.value(v), ";")
}

func (w *nixw) bytes() ([]byte, error) { return []byte(w.b.String()), w.err }

// str quotes s as a Nix string.
func str(s string) string { return nixlit.String(s) }
