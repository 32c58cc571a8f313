package gen

import (
	"slices"
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
// line break in it would end the comment, so lines are split. Nix ends a
// comment at a carriage return as well as at a newline.
func (w *nixw) comment(text string) {
	for _, l := range strings.Split(oneBreak.Replace(text), "\n") {
		w.line(strings.TrimRight("# "+l, " "))
	}
}

// oneBreak turns every line break Nix knows (\r\n, \r, \n) into \n.
var oneBreak = strings.NewReplacer("\r\n", "\n", "\r", "\n")

// noBreak turns every line break into a space, for a comment that must
// stay on its line.
var noBreak = strings.NewReplacer("\r\n", " ", "\r", " ", "\n", " ")

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

// binding is one attribute of an attribute set being built: a path, the
// Nix expression bound to it and an optional trailing comment.
type binding struct {
	path    []string
	expr    string
	comment string
}

// attrs collects bindings and writes them nested the way a person would:
// bindings that share a first attribute are grouped under their longest
// common prefix (services.openssh = { enable = true; ports = [ 22 ]; };),
// so no attribute is written twice at one level (statix W20) and Nix never
// sees an attribute defined twice.
type attrs []binding

// add appends a binding of a rendered expression.
func (a *attrs) add(path []string, expr, comment string) {
	*a = append(*a, binding{path: path, expr: expr, comment: comment})
}

// addValue appends a binding of a Go value rendered with nixlit.Value.
func (a *attrs) addValue(w *nixw, path []string, v any, comment string) {
	a.add(path, w.value(v), comment)
}

// overlaps reports whether a binding of a and one of b are the same
// attribute, or one holds the other: written in one attribute set, Nix
// would see an attribute defined twice.
func (a attrs) overlaps(b attrs) bool {
	for _, x := range a {
		for _, y := range b {
			n := min(len(x.path), len(y.path))
			if slices.Equal(x.path[:n], y.path[:n]) {
				return true
			}
		}
	}
	return false
}

// write writes the bindings at w's indentation.
func (a attrs) write(w *nixw) {
	var order []string
	groups := map[string][]binding{}
	for _, b := range a {
		k := b.path[0]
		if _, ok := groups[k]; !ok {
			order = append(order, k)
		}
		groups[k] = append(groups[k], b)
	}
	for _, k := range order {
		g := groups[k]
		n := commonPrefix(g)
		if len(g) == 1 || n == 0 {
			for _, b := range g {
				line := nixlit.AttrPath(b.path...) + " = " + b.expr + ";"
				if b.comment != "" {
					line += " # " + noBreak.Replace(b.comment)
				}
				w.line(line)
			}
			continue
		}
		inner := make(attrs, len(g))
		for i, b := range g {
			inner[i] = binding{path: b.path[n:], expr: b.expr, comment: b.comment}
		}
		w.open(nixlit.AttrPath(g[0].path[:n]...) + " = {")
		inner.write(w)
		w.close("};")
	}
}

// commonPrefix is the length of the longest path prefix the bindings
// share, leaving every binding at least one attribute of its own.
func commonPrefix(g []binding) int {
	n := len(g[0].path) - 1
	for _, b := range g[1:] {
		n = min(n, len(b.path)-1)
		for i := 0; i < n; i++ {
			if b.path[i] != g[0].path[i] {
				n = i
				break
			}
		}
	}
	return max(n, 0)
}
