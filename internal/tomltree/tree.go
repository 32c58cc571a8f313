package tomltree

import (
	"fmt"
	"math"
	"sort"
	"strconv"

	"github.com/shoal-nix/shoal/internal/diag"
)

// Kind is the TOML type of a node.
type Kind uint8

// The kinds of node. Dates and times are kept as their text.
const (
	String Kind = iota
	Integer
	Float
	Bool
	DateTime
	Array
	Table
)

var kindNames = [...]string{"string", "integer", "float", "boolean", "date-time", "array", "table"}

// String names the kind the way diagnostics say it ("a string").
func (k Kind) String() string { return kindNames[k] }

// Span is a byte range in the source.
type Span struct{ Start, End int32 }

// Node is a TOML value: a scalar, an array or a table.
//
// The fields are ordered so that the one-byte ones share a word, and a
// float's value shares Int's: a document has a node per value, and this
// keeps a node at 104 bytes rather than 128. A table keeps its values
// beside its keys rather than in a map: most tables of a fleet file have a
// handful of keys, and only a large one (the machines) gets an index.
type Node struct {
	Str string // String value, or the text of a DateTime
	// Int is an Integer's value; a Float's is its bits (see Float).
	Int int64

	// Items are an array's elements, or a table's values in the order of
	// Keys: Items[i] is the value of Keys[i].
	Items []*Node

	Keys  []string         // Table keys in source order
	index map[string]int32 // key -> position in Keys, for large tables

	// Span covers the value (for tables: the header or the first key that
	// created them). KeySpan covers the key that introduced the node.
	Span    Span
	KeySpan Span

	Kind Kind
	Bool bool

	// How a table came to be, for TOML's redefinition rules.
	header   bool // defined by a [header]
	implicit bool // created as a parent of a [a.b] header
	dotted   bool // created by a dotted key
	inline   bool // an inline table or a static array: closed to additions
	aot      bool // an array of tables ([[x]])
}

// Float returns a Float node's value.
func (n *Node) Float() float64 { return math.Float64frombits(uint64(n.Int)) }

func newTable(span Span) *Node {
	return &Node{Kind: Table, Span: span, KeySpan: span}
}

// indexAbove is the number of keys above which a table gets an index: up
// to it, comparing the keys one by one is as fast as a map and allocates
// nothing.
const indexAbove = 16

// Get returns the field named key of a table, or nil.
func (n *Node) Get(key string) *Node {
	if n == nil || n.Kind != Table {
		return nil
	}
	if n.index != nil {
		if i, ok := n.index[key]; ok {
			return n.Items[i]
		}
		return nil
	}
	for i, k := range n.Keys {
		if k == key {
			return n.Items[i]
		}
	}
	return nil
}

func (n *Node) set(key string, v *Node) {
	n.Keys = append(n.Keys, key)
	n.Items = append(n.Items, v)
	switch {
	case n.index != nil:
		n.index[key] = int32(len(n.Keys) - 1)
	case len(n.Keys) > indexAbove:
		n.index = make(map[string]int32, 2*len(n.Keys))
		for i, k := range n.Keys {
			n.index[k] = int32(i)
		}
	}
}

// Len is the number of keys of a table or elements of an array.
func (n *Node) Len() int {
	if n.Kind == Table {
		return len(n.Keys)
	}
	return len(n.Items)
}

// SortedKeys returns the table's keys in lexical order.
func (n *Node) SortedKeys() []string {
	keys := append([]string(nil), n.Keys...)
	sort.Strings(keys)
	return keys
}

// Describe names the value's type with an article, for diagnostics.
func (n *Node) Describe() string {
	switch n.Kind {
	case Integer, Array:
		return "an " + n.Kind.String()
	case Table:
		return "a table"
	}
	return "a " + n.Kind.String()
}

// Value converts the node to plain Go: string, int64, float64, bool, []any
// or map[string]any.
func (n *Node) Value() any {
	switch n.Kind {
	case String, DateTime:
		return n.Str
	case Integer:
		return n.Int
	case Float:
		return n.Float()
	case Bool:
		return n.Bool
	case Array:
		out := make([]any, len(n.Items))
		for i, it := range n.Items {
			out[i] = it.Value()
		}
		return out
	}
	out := make(map[string]any, len(n.Keys))
	for i, k := range n.Keys {
		out[k] = n.Items[i].Value()
	}
	return out
}

// Doc is a parsed TOML file.
type Doc struct {
	Name  string // as shown in diagnostics, e.g. "shoal.toml"
	Src   []byte
	Root  *Node
	lines []int32 // byte offset of the start of each line
}

// Locate implements diag.Locator: it maps a path to the position of the
// value's key (or the value itself for list elements), falling back to the
// nearest parent that exists.
func (d *Doc) Locate(p diag.Path) (diag.Pos, bool) {
	n, exact := d.Lookup(p)
	if n == nil {
		return d.PosOf(Span{0, 0}), false
	}
	span := n.KeySpan
	if span == (Span{}) && len(p) > 0 {
		span = n.Span
	}
	return d.PosOf(span), exact
}

// Lookup walks the path and returns the deepest node found and whether the
// whole path was found.
func (d *Doc) Lookup(p diag.Path) (*Node, bool) {
	n := d.Root
	if n == nil {
		return nil, len(p) == 0
	}
	for _, k := range p {
		var next *Node
		switch n.Kind {
		case Table:
			next = n.Get(k)
		case Array:
			if i, err := strconv.Atoi(k); err == nil && i >= 0 && i < len(n.Items) {
				next = n.Items[i]
			}
		}
		if next == nil {
			return n, false
		}
		n = next
	}
	return n, true
}

// PosOf converts a byte span to a 1-based line and column range. Columns
// count bytes, as editors given a byte column expect.
func (d *Doc) PosOf(s Span) diag.Pos {
	sl, sc := d.lineCol(int(s.Start))
	el, ec := d.lineCol(int(max(s.End, s.Start)))
	return diag.Pos{Line: sl, Col: sc, EndLine: el, EndCol: ec}
}

func (d *Doc) lineCol(off int) (int, int) {
	if d.lines == nil {
		d.lines = []int32{0}
		for i, c := range d.Src {
			if c == '\n' {
				d.lines = append(d.lines, int32(i+1))
			}
		}
	}
	off = min(max(off, 0), len(d.Src))
	i := sort.Search(len(d.lines), func(i int) bool { return int(d.lines[i]) > off }) - 1
	return i + 1, off - int(d.lines[i]) + 1
}

// Line returns the text of 1-based line n without its newline.
func (d *Doc) Line(n int) string {
	d.lineCol(0)
	if n < 1 || n > len(d.lines) {
		return ""
	}
	start := int(d.lines[n-1])
	end := len(d.Src)
	if n < len(d.lines) {
		end = int(d.lines[n]) - 1
	}
	if end > start && d.Src[end-1] == '\r' {
		end--
	}
	return string(d.Src[start:end])
}

func (s Span) String() string { return fmt.Sprintf("%d-%d", s.Start, s.End) }
