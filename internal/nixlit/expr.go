package nixlit

import (
	"slices"
	"strconv"
	"strings"
)

// Node is one expression of a Nix syntax tree, which Print writes in
// RFC 166 (nixfmt) style. The tree is small on purpose: the forms a
// generated NixOS module uses, no more. Literals (strings, numbers, paths)
// are leaves made by this package's quoting functions, so a tree can only
// hold text that Nix reads back as meant; Raw is the one way to put
// already-written Nix text in a tree.
type Node interface{ node() }

// Select is a variable, or an attribute selected from one:
// Var("config", "shoal", "features") is config.shoal.features. Name must
// be a Nix identifier; the path is written with AttrName.
type Select struct {
	Name string
	Path []string
}

// Var returns the variable name, with path selected from it.
func Var(name string, path ...string) *Select { return &Select{Name: name, Path: path} }

// Leaf is a literal: a string, number, boolean, null or path, already
// quoted. Only this package makes one, so its text is always valid Nix.
type Leaf struct {
	text string
	// multiline holds for an indented string that spans lines.
	multiline bool
	// negative holds for a negative number, which needs parentheses as a
	// list element or a function argument.
	negative bool
}

// Str returns s as a double-quoted Nix string (String).
func Str(s string) *Leaf { return &Leaf{text: String(s)} }

// IndentedStr returns s as an indented Nix string (IndentedString),
// indented where it stands.
func IndentedStr(s string) *Leaf {
	text := IndentedString(s, 0)
	return &Leaf{text: text, multiline: strings.Contains(text, "\n")}
}

// Int returns n as a Nix integer.
func Int(n int64) *Leaf { return integer(n) }

// Bool returns true or false.
func Bool(b bool) *Leaf { return &Leaf{text: strconv.FormatBool(b)} }

// Null is Nix's null.
func Null() *Leaf { return &Leaf{text: "null"} }

// PathLit returns p as a Nix path expression (Path).
func PathLit(p string) (*Leaf, error) {
	text, err := Path(p)
	if err != nil {
		return nil, err
	}
	return &Leaf{text: text}, nil
}

// Raw is Nix text written by other means, kept verbatim: lines after the
// first are indented where the node stands. Uses names the variables the
// text refers to, so that FreeVars sees them. It stands as written: a Raw
// that is not a single term must carry its own parentheses.
type Raw struct {
	Text string
	Uses []string
}

// List is a Nix list. It is written on one line only when Inline is set,
// it has exactly one element and that element fits on one line (Data
// decides this for plain values); otherwise one element a line.
type List struct {
	Items  []Node
	Inline bool
}

// Set is a Nix attribute set. Like List, it is written on one line only
// when Inline is set and it has exactly one binding that fits.
type Set struct {
	Bindings []Binding
	Inline   bool
}

// Binding is one entry of a set or a let: path = Value;, or inherit
// Inherit...; when Inherit is set. Comments are whole lines before it,
// Trailing a comment after it on its line, and Blank puts an empty line
// before it (never before the first entry).
type Binding struct {
	Path     []string
	Value    Node
	Inherit  []string
	Comments []string
	Trailing string
	Blank    bool
}

// Bind returns the binding path = value;.
func Bind(value Node, path ...string) Binding { return Binding{Path: path, Value: value} }

// Let is let Bindings in Body.
type Let struct {
	Bindings []Binding
	Body     Node
}

// Lambda is a function. With Formals nil it takes one argument, Param:
// x: body. Otherwise it takes a set, { a, b, ... }@At: body; the ellipsis
// is always written, since a NixOS module is called with more than it
// names. Func makes the formals from what the body uses.
type Lambda struct {
	Param   string
	Formals []string
	At      string
	Body    Node
}

// Func returns a function of a set whose formals are the variables body
// uses freely (FreeVars), other than at, which binds the whole set when
// not empty: { config, lib, ... }@args: body.
func Func(at string, body Node) *Lambda {
	free := FreeVars(body)
	formals := make([]string, 0, len(free))
	for _, v := range free {
		if v != at {
			formals = append(formals, v)
		}
	}
	return &Lambda{Formals: formals, At: at, Body: body}
}

// Apply is a function application, Fn Args...: lib.mkIf cond value.
// An argument that is not a single term (an application, a function, an
// operator) is put in parentheses.
type Apply struct {
	Fn   Node
	Args []Node
}

// Call returns fn applied to args.
func Call(fn Node, args ...Node) *Apply { return &Apply{Fn: fn, Args: args} }

// Op is a binary operator chain, Args joined by Op: a && b && c. Operands
// are written as they are: where precedence needs parentheses, the caller
// adds a Paren.
type Op struct {
	Op   string
	Args []Node
}

// Binary returns a op b.
func Binary(a Node, op string, b Node) *Op { return &Op{Op: op, Args: []Node{a, b}} }

// Interp is a double-quoted string with interpolations. Each part is a
// string, literal text quoted as String quotes it, or a Node, written
// ${node} on one line: "  bind *:${toString cfg.port}".
type Interp struct{ Parts []any }

// Not is !X.
type Not struct{ X Node }

// If is if Cond then Then else Else, written on one line.
type If struct{ Cond, Then, Else Node }

// Paren is X in parentheses.
type Paren struct{ X Node }

// Comment is X with whole-line comments before it, as a list element.
type Comment struct {
	Lines []string
	X     Node
}

// Nix's helpers from nixpkgs lib that modules use most.

// MkIf is lib.mkIf cond value.
func MkIf(cond, value Node) *Apply { return Call(Var("lib", "mkIf"), cond, value) }

// MkMerge is lib.mkMerge [ items ].
func MkMerge(items ...Node) *Apply { return Call(Var("lib", "mkMerge"), &List{Items: items}) }

// MkDefault is lib.mkDefault value.
func MkDefault(value Node) *Apply { return Call(Var("lib", "mkDefault"), value) }

// MkOverride is lib.mkOverride priority value.
func MkOverride(priority int64, value Node) *Apply {
	return Call(Var("lib", "mkOverride"), Int(priority), value)
}

func (*Select) node()  {}
func (*Leaf) node()    {}
func (*Raw) node()     {}
func (*List) node()    {}
func (*Set) node()     {}
func (*Let) node()     {}
func (*Lambda) node()  {}
func (*Apply) node()   {}
func (*Op) node()      {}
func (*Not) node()     {}
func (*Interp) node()  {}
func (*If) node()      {}
func (*Paren) node()   {}
func (*Comment) node() {}

// globals are the names Nix binds everywhere; FreeVars leaves them out.
var globals = map[string]bool{
	"builtins": true, "import": true, "toString": true, "map": true, "abort": true,
	"throw": true, "baseNameOf": true, "dirOf": true, "isNull": true, "removeAttrs": true,
	"derivation": true, "placeholder": true, "true": true, "false": true, "null": true,
}

// FreeVars returns, sorted, the variables n uses that nothing in n binds,
// leaving out Nix's global builtins (builtins, import, toString, ...):
// what a function with body n must take.
func FreeVars(n Node) []string {
	free := map[string]bool{}
	freeVars(n, nil, free)
	out := make([]string, 0, len(free))
	for v := range free {
		if !globals[v] {
			out = append(out, v)
		}
	}
	slices.Sort(out)
	return out
}

// Uses reports whether n uses the variable name freely.
func Uses(n Node, name string) bool {
	free := map[string]bool{}
	freeVars(n, nil, free)
	return free[name]
}

// scope is a chain of bound names.
type scope struct {
	names []string
	up    *scope
}

func (s *scope) binds(name string) bool {
	for ; s != nil; s = s.up {
		if slices.Contains(s.names, name) {
			return true
		}
	}
	return false
}

func freeVars(n Node, sc *scope, free map[string]bool) {
	use := func(name string) {
		if !sc.binds(name) {
			free[name] = true
		}
	}
	switch n := n.(type) {
	case *Select:
		use(n.Name)
	case *Raw:
		for _, u := range n.Uses {
			use(u)
		}
	case *List:
		for _, x := range n.Items {
			freeVars(x, sc, free)
		}
	case *Set:
		bindingVars(n.Bindings, sc, free)
	case *Let:
		inner := &scope{up: sc}
		for _, b := range n.Bindings {
			if b.Inherit == nil && len(b.Path) > 0 {
				inner.names = append(inner.names, b.Path[0])
			} else {
				inner.names = append(inner.names, b.Inherit...)
			}
		}
		// inherit x; in a let takes x from outside the let.
		for _, b := range n.Bindings {
			if b.Inherit != nil {
				for _, name := range b.Inherit {
					if !sc.binds(name) {
						free[name] = true
					}
				}
			}
		}
		for _, b := range n.Bindings {
			if b.Value != nil {
				freeVars(b.Value, inner, free)
			}
		}
		freeVars(n.Body, inner, free)
	case *Lambda:
		inner := &scope{up: sc}
		if n.Formals == nil {
			inner.names = append(inner.names, n.Param)
		} else {
			inner.names = append(inner.names, n.Formals...)
		}
		if n.At != "" {
			inner.names = append(inner.names, n.At)
		}
		freeVars(n.Body, inner, free)
	case *Apply:
		freeVars(n.Fn, sc, free)
		for _, x := range n.Args {
			freeVars(x, sc, free)
		}
	case *Op:
		for _, x := range n.Args {
			freeVars(x, sc, free)
		}
	case *Not:
		freeVars(n.X, sc, free)
	case *Interp:
		for _, x := range n.Parts {
			if x, ok := x.(Node); ok {
				freeVars(x, sc, free)
			}
		}
	case *If:
		freeVars(n.Cond, sc, free)
		freeVars(n.Then, sc, free)
		freeVars(n.Else, sc, free)
	case *Paren:
		freeVars(n.X, sc, free)
	case *Comment:
		freeVars(n.X, sc, free)
	}
}

func bindingVars(bs []Binding, sc *scope, free map[string]bool) {
	for _, b := range bs {
		for _, name := range b.Inherit {
			if !sc.binds(name) {
				free[name] = true
			}
		}
		if b.Value != nil {
			freeVars(b.Value, sc, free)
		}
	}
}

// Group nests bindings the way a person would: bindings that share a
// first attribute are grouped under their longest common prefix
// (services.openssh = { enable = true; ports = [ 22 ]; };), so no attribute
// is written twice at one level (statix W20) and Nix never sees an
// attribute defined twice. Groups keep the order in which their first
// attribute first appears; a group takes the comments and blank line of
// its first binding. Inherit bindings come first, as they are.
func Group(bs []Binding) []Binding {
	// group[i] is the index in keys of binding i's first attribute; small
	// lists use arrays on the stack.
	var groupBuf [32]int32
	var keysBuf [16]string
	group := groupBuf[:0]
	if len(bs) > len(groupBuf) {
		group = make([]int32, 0, len(bs))
	}
	keys := keysBuf[:0]
	var index map[string]int32 // only for long lists; a scan is cheaper
	inherits := 0
	for _, b := range bs {
		if b.Inherit != nil || len(b.Path) == 0 {
			group = append(group, -1)
			inherits++
			continue
		}
		k := b.Path[0]
		g := int32(-1)
		if index != nil {
			if j, ok := index[k]; ok {
				g = j
			}
		} else {
			for j, key := range keys {
				if key == k {
					g = int32(j)
					break
				}
			}
		}
		if g < 0 {
			g = int32(len(keys))
			keys = append(keys, k)
			if index != nil {
				index[k] = g
			} else if len(keys) > 16 {
				index = make(map[string]int32, len(bs))
				for j, key := range keys {
					index[key] = int32(j)
				}
			}
		}
		group = append(group, g)
	}
	if len(keys)+inherits == len(bs) && inherits == 0 {
		return bs // no attribute shared: nothing to nest
	}
	out := make([]Binding, 0, len(keys)+inherits)
	for i, b := range bs {
		if group[i] < 0 {
			out = append(out, b)
		}
	}
	// The members of each group, in order, one group after another: start
	// is where a group's members begin in members.
	start := make([]int32, len(keys)+1)
	for _, g := range group {
		if g >= 0 {
			start[g+1]++
		}
	}
	for g := range keys {
		start[g+1] += start[g]
	}
	members := make([]int32, len(bs)-inherits)
	next := slices.Clone(start[:len(keys)])
	for i, g := range group {
		if g >= 0 {
			members[next[g]] = int32(i)
			next[g]++
		}
	}
	// The bindings of groups of more than one share one array.
	nested := 0
	for g := range keys {
		if n := int(start[g+1] - start[g]); n > 1 {
			nested += n
		}
	}
	inners := make([]Binding, 0, nested)
	for g := range keys {
		ms := members[start[g]:start[g+1]]
		if len(ms) == 1 {
			out = append(out, bs[ms[0]])
			continue
		}
		from := len(inners)
		for _, i := range ms {
			inners = append(inners, bs[i])
		}
		inner := inners[from:len(inners):len(inners)]
		n := commonPrefix(inner)
		if n == 0 {
			out = append(out, inner...)
			continue
		}
		head := inner[0]
		for i := range inner {
			inner[i].Path = inner[i].Path[n:]
		}
		inner[0].Comments, inner[0].Blank = nil, false
		out = append(out, Binding{
			Path:     head.Path[:n],
			Value:    &Set{Bindings: Group(inner)},
			Comments: head.Comments,
			Blank:    head.Blank,
		})
	}
	return out
}

// commonPrefix is the length of the longest path prefix the bindings
// share, leaving every binding at least one attribute of its own.
func commonPrefix(g []Binding) int {
	n := len(g[0].Path) - 1
	for _, b := range g[1:] {
		n = min(n, len(b.Path)-1)
		for i := 0; i < n; i++ {
			if b.Path[i] != g[0].Path[i] {
				n = i
				break
			}
		}
	}
	return max(n, 0)
}

// Overlap reports whether a binding of a and one of b are the same
// attribute, or one holds the other: written in one attribute set, Nix
// would see an attribute defined twice.
func Overlap(a, b []Binding) bool {
	for _, x := range a {
		for _, y := range b {
			n := min(len(x.Path), len(y.Path))
			if slices.Equal(x.Path[:n], y.Path[:n]) {
				return true
			}
		}
	}
	return false
}
