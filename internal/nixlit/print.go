package nixlit

import (
	"strings"
	"unicode/utf8"
)

// File is a whole .nix file: comment lines, then one expression.
type File struct {
	Comments []string
	Body     Node
}

// Print writes the file in RFC 166 (nixfmt) style, with two-space
// indentation and a final newline.
func (f *File) Print() []byte {
	p := &printer{b: make([]byte, 0, 1024)}
	p.comments(f.Comments)
	p.expr(f.Body)
	p.b = append(p.b, '\n')
	return p.b
}

// Print returns n written in RFC 166 (nixfmt) style as it would stand at
// the top of a file, without a final newline.
func Print(n Node) string {
	p := &printer{}
	p.expr(n)
	return string(p.b)
}

// printer writes a tree into b; indent is the depth of the current line.
type printer struct {
	b      []byte
	indent int
}

func (p *printer) newline() {
	p.b = append(p.b, '\n')
	for range p.indent {
		p.b = append(p.b, ' ', ' ')
	}
}

// text writes s, which may span lines: an empty line stays empty
// (indentation there would be trailing whitespace, which an indented
// string drops anyway), the others are indented.
func (p *printer) text(s string) {
	for {
		i := strings.IndexByte(s, '\n')
		if i < 0 {
			p.b = append(p.b, s...)
			return
		}
		p.b = append(p.b, s[:i]...)
		s = s[i+1:]
		if s == "" || s[0] == '\n' {
			p.b = append(p.b, '\n')
		} else {
			p.newline()
		}
	}
}

// comments writes # comment lines, each followed by a new line. A line
// break inside a comment would end it, so text is split at every line
// break Nix knows (Nix ends a comment at a carriage return too).
func (p *printer) comments(lines []string) {
	for _, c := range lines {
		if strings.IndexByte(c, '\r') >= 0 {
			c = oneBreak.Replace(c)
		}
		for l := range strings.SplitSeq(c, "\n") {
			p.b = append(p.b, '#')
			if l = strings.TrimRight(l, " "); l != "" {
				p.b = append(p.b, ' ')
				p.b = append(p.b, l...)
			}
			p.newline()
		}
	}
}

// oneBreak turns every line break Nix knows (\r\n, \r, \n) into \n.
var oneBreak = strings.NewReplacer("\r\n", "\n", "\r", "\n")

// noBreak turns every line break into a space, for a comment that must
// stay on its line.
var noBreak = strings.NewReplacer("\r\n", " ", "\r", " ", "\n", " ")

// expr writes n, continuing the current line.
func (p *printer) expr(n Node) {
	switch n := n.(type) {
	case *Select:
		p.b = append(p.b, n.Name...)
		for _, a := range n.Path {
			p.b = append(p.b, '.')
			p.b = append(p.b, AttrName(a)...)
		}
	case *Leaf:
		p.text(n.text)
	case *Raw:
		p.text(n.Text)
	case *List:
		p.list(n)
	case *Set:
		p.set(n)
	case *Let:
		p.b = append(p.b, "let"...)
		p.indent++
		for i, b := range n.Bindings {
			p.binding(b, i == 0)
		}
		p.indent--
		p.newline()
		p.b = append(p.b, "in"...)
		p.newline()
		p.expr(n.Body)
	case *Lambda:
		body := p.heads(n)
		if width(body) >= 0 {
			p.b = append(p.b, ' ')
		} else {
			p.newline()
		}
		p.expr(body)
	case *Apply:
		p.term(n.Fn)
		for i, a := range n.Args {
			p.b = append(p.b, ' ')
			if !needsParens(a) {
				p.expr(a)
				continue
			}
			// A last argument over several lines gets lines of its own.
			if i == len(n.Args)-1 && width(a) < 0 {
				p.b = append(p.b, '(')
				p.indent++
				p.newline()
				p.expr(a)
				p.indent--
				p.newline()
				p.b = append(p.b, ')')
				continue
			}
			p.paren(a)
		}
	case *Op:
		for i, a := range n.Args {
			if i > 0 {
				// After an operand over several lines, the operator
				// starts a line of its own.
				if width(n.Args[i-1]) < 0 {
					p.newline()
				} else {
					p.b = append(p.b, ' ')
				}
				p.b = append(p.b, n.Op...)
				p.b = append(p.b, ' ')
			}
			p.expr(a)
		}
	case *Interp:
		p.b = append(p.b, '"')
		for i, x := range n.Parts {
			switch x := x.(type) {
			case string:
				q := String(x)
				q = q[1 : len(q)-1]
				// "$${" reads as the text $${: a $ just before an
				// interpolation is escaped.
				if _, next := nextNode(n.Parts, i); next && strings.HasSuffix(q, "$") {
					q = q[:len(q)-1] + `\$`
				}
				p.b = append(p.b, q...)
			case Node:
				p.b = append(p.b, "${"...)
				p.expr(x)
				p.b = append(p.b, '}')
			}
		}
		p.b = append(p.b, '"')
	case *Not:
		p.b = append(p.b, '!')
		p.term(n.X)
	case *If:
		p.b = append(p.b, "if "...)
		p.expr(n.Cond)
		p.b = append(p.b, " then "...)
		p.expr(n.Then)
		p.b = append(p.b, " else "...)
		p.expr(n.Else)
	case *Paren:
		p.paren(n.X)
	case *Comment:
		p.comments(n.Lines)
		p.expr(n.X)
	}
}

// term writes n where only a single term may stand (a list element, a
// function or its argument), in parentheses when it is not one.
func (p *printer) term(n Node) {
	if needsParens(n) {
		p.paren(n)
		return
	}
	p.expr(n)
}

func (p *printer) paren(n Node) {
	p.b = append(p.b, '(')
	p.expr(n)
	p.b = append(p.b, ')')
}

// heads writes the heads of n and of the functions its body directly is
// (module: system:), and returns the innermost body.
func (p *printer) heads(n *Lambda) Node {
	for {
		if n.Formals == nil {
			p.b = append(p.b, n.Param...)
		} else {
			p.b = append(p.b, '{', ' ')
			for _, f := range n.Formals {
				p.b = append(p.b, f...)
				p.b = append(p.b, ',', ' ')
			}
			p.b = append(p.b, "... }"...)
			if n.At != "" {
				p.b = append(p.b, '@')
				p.b = append(p.b, n.At...)
			}
		}
		p.b = append(p.b, ':')
		inner, ok := n.Body.(*Lambda)
		if !ok {
			return n.Body
		}
		p.b = append(p.b, ' ')
		n = inner
	}
}

func (p *printer) list(l *List) {
	if len(l.Items) == 0 {
		p.b = append(p.b, "[ ]"...)
		return
	}
	if l.Inline && len(l.Items) == 1 && width(l.Items[0]) >= 0 {
		p.b = append(p.b, '[', ' ')
		p.term(l.Items[0])
		p.b = append(p.b, ' ', ']')
		return
	}
	p.b = append(p.b, '[')
	p.indent++
	for _, x := range l.Items {
		p.newline()
		if c, ok := x.(*Comment); ok {
			if c.X == nil { // comment lines alone, at the end
				p.comments(c.Lines)
				p.b = p.b[:len(p.b)-2*p.indent-1]
				continue
			}
			p.comments(c.Lines)
			x = c.X
		}
		p.term(x)
	}
	p.indent--
	p.newline()
	p.b = append(p.b, ']')
}

func (p *printer) set(s *Set) {
	if len(s.Bindings) == 0 {
		p.b = append(p.b, "{ }"...)
		return
	}
	if s.Inline && len(s.Bindings) == 1 && bindingWidth(s.Bindings[0]) >= 0 {
		p.b = append(p.b, '{', ' ')
		p.bindingText(s.Bindings[0])
		p.b = append(p.b, ' ', '}')
		return
	}
	p.b = append(p.b, '{')
	p.indent++
	for i, b := range s.Bindings {
		p.binding(b, i == 0)
	}
	p.indent--
	p.newline()
	p.b = append(p.b, '}')
}

// binding writes b on a new line, after its blank line and comments.
func (p *printer) binding(b Binding, first bool) {
	if b.Blank && !first {
		p.b = append(p.b, '\n')
	}
	p.newline()
	p.comments(b.Comments)
	p.bindingText(b)
}

func (p *printer) bindingText(b Binding) {
	if b.Inherit != nil {
		p.b = append(p.b, "inherit"...)
		for _, name := range b.Inherit {
			p.b = append(p.b, ' ')
			p.b = append(p.b, AttrName(name)...)
		}
		p.b = append(p.b, ';')
		return
	}
	for i, a := range b.Path {
		if i > 0 {
			p.b = append(p.b, '.')
		}
		p.b = append(p.b, AttrName(a)...)
	}
	if fn, ok := b.Value.(*Lambda); ok && width(fn) < 0 {
		// name =
		//   args:
		//   body;
		p.b = append(p.b, " ="...)
		p.indent++
		p.newline()
		body := p.heads(fn)
		p.newline()
		p.expr(body)
		p.indent--
	} else {
		p.b = append(p.b, " = "...)
		p.expr(b.Value)
	}
	p.b = append(p.b, ';')
	if b.Trailing != "" {
		p.b = append(p.b, " # "...)
		t := b.Trailing
		if strings.ContainsAny(t, "\r\n") {
			t = noBreak.Replace(t)
		}
		p.b = append(p.b, t...)
	}
}

// nextNode returns the part after parts[i] and whether it is a Node.
func nextNode(parts []any, i int) (Node, bool) {
	if i+1 < len(parts) {
		n, ok := parts[i+1].(Node)
		return n, ok
	}
	return nil, false
}

// needsParens reports whether n is not a single term: it needs
// parentheses as a list element or a function argument.
func needsParens(n Node) bool {
	switch n := n.(type) {
	case *Apply, *Lambda, *Op, *Not, *If, *Let:
		return true
	case *Leaf:
		return n.negative
	case *Comment:
		return needsParens(n.X)
	}
	return false
}

// width returns the length in characters of n written on one line, or -1
// when n is written over several lines.
func width(n Node) int {
	switch n := n.(type) {
	case *Select:
		w := len(n.Name)
		for _, a := range n.Path {
			w += 1 + utf8.RuneCountInString(AttrName(a))
		}
		return w
	case *Leaf:
		if n.multiline {
			return -1
		}
		return utf8.RuneCountInString(n.text)
	case *Raw:
		if strings.Contains(n.Text, "\n") {
			return -1
		}
		return utf8.RuneCountInString(n.Text)
	case *List:
		switch {
		case len(n.Items) == 0:
			return 3
		case n.Inline && len(n.Items) == 1:
			if w := termWidth(n.Items[0]); w >= 0 {
				return w + 4
			}
		}
		return -1
	case *Set:
		switch {
		case len(n.Bindings) == 0:
			return 3
		case n.Inline && len(n.Bindings) == 1:
			if w := bindingWidth(n.Bindings[0]); w >= 0 {
				return w + 4
			}
		}
		return -1
	case *Let, *Comment:
		return -1
	case *Lambda:
		w := 0
		for {
			if n.Formals == nil {
				w += len(n.Param) + 2
			} else {
				w += len("{ ... }: ")
				for _, f := range n.Formals {
					w += len(f) + 2
				}
				if n.At != "" {
					w += 1 + len(n.At)
				}
			}
			inner, ok := n.Body.(*Lambda)
			if !ok {
				break
			}
			n = inner
		}
		return add(w, width(n.Body))
	case *Apply:
		w := termWidth(n.Fn)
		for _, a := range n.Args {
			w = add(w+1, termWidth(a))
		}
		return w
	case *Op:
		w := (len(n.Op) + 2) * (len(n.Args) - 1)
		for _, a := range n.Args {
			w = add(w, width(a))
		}
		return w
	case *Not:
		return add(1, termWidth(n.X))
	case *Interp:
		w := 2
		for i, x := range n.Parts {
			switch x := x.(type) {
			case string:
				w += utf8.RuneCountInString(String(x)) - 2
				if _, next := nextNode(n.Parts, i); next && strings.HasSuffix(String(x), `$"`) {
					w++
				}
			case Node:
				w = add(w+3, width(x))
			}
		}
		return w
	case *If:
		return add(add(add(len("if  then  else "), width(n.Cond)), width(n.Then)), width(n.Else))
	case *Paren:
		return add(2, width(n.X))
	}
	return -1
}

// termWidth is width(n) where n stands as a single term.
func termWidth(n Node) int {
	if needsParens(n) {
		return add(2, width(n))
	}
	return width(n)
}

// add adds a width to w, -1 staying -1.
func add(w, x int) int {
	if w < 0 || x < 0 {
		return -1
	}
	return w + x
}

func bindingWidth(b Binding) int {
	if b.Inherit != nil {
		w := len("inherit;")
		for _, name := range b.Inherit {
			w += 1 + utf8.RuneCountInString(AttrName(name))
		}
		return w
	}
	if b.Trailing != "" {
		return -1 // the comment would swallow the rest of the line
	}
	return add(utf8.RuneCountInString(AttrPath(b.Path...))+len(" = ;"), width(b.Value))
}
