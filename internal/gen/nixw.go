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
	for i, l := range strings.Split(s, "\n") {
		if i > 0 {
			w.b.WriteByte('\n')
		}
		// An empty line stays empty: padding would be trailing whitespace,
		// and inside an indented string Nix strips it anyway.
		if l != "" {
			w.b.WriteString(pad)
			w.b.WriteString(l)
		}
	}
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

// refersTo reports whether the Nix code text uses the variable name: name
// and a dot where an expression starts, not inside another name or a path
// ("conf.d" does not use f, nor "/etc/common.conf" common). Text inside a
// string may still match; that costs an unused binding, never a missing one.
func refersTo(text, name string) bool {
	for i := 0; ; {
		j := strings.Index(text[i:], name+".")
		if j < 0 {
			return false
		}
		j += i
		if j == 0 || strings.IndexByte(" \t\n([{!=;:", text[j-1]) >= 0 {
			return true
		}
		i = j + 1
	}
}
