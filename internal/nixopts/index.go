package nixopts

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
)

// Option is one NixOS option declaration from the index.
type Option struct {
	// Name is the option path as NixOS documents it, with `<name>` (or
	// another `<...>`) for any attribute name and `*` for a list element,
	// e.g. "services.nginx.virtualHosts.<name>.root".
	Name string
	// Path is Name split into attribute names.
	Path []string
	// Default is the default as Nix text ("" when the option has none).
	Default string
	// Declared lists the NixOS module files that declare the option.
	Declared []string

	readOnly bool
	typ      *typeCell
	index    int // in Index.options
}

// TypeText returns the type description exactly as the manual prints it;
// Type returns it parsed.
func (o *Option) TypeText() string { return o.typ.text }

// Type returns the option's type, parsed from TypeText on first use (so
// that Load need not parse hundreds of descriptions it may never need).
func (o *Option) Type() Type { return *o.typ.get() }

// typeCell is the parsed type of one distinct description, shared by the
// options that have it.
type typeCell struct {
	once sync.Once
	text string
	t    Type
}

// get returns the parsed type; the Type it points to is never modified.
func (c *typeCell) get() *Type {
	c.once.Do(func() {
		var err error
		if c.t, err = ParseType(c.text); err != nil {
			// Unreadable descriptions stay opaque: shown verbatim, any value
			// accepted. The tests keep this from happening to the index.
			c.t = Type{Kind: Named, Name: c.text}
		}
	})
	return &c.t
}

// ReadOnly reports whether NixOS forbids setting the option (it is set by
// NixOS itself, such as system.build.toplevel).
func (o *Option) ReadOnly() bool { return o.readOnly }

// Index is the NixOS options index: every option of the covered prefixes,
// looked up by path. An Index is immutable and safe for concurrent use.
//
// It is flat, so that the index built into shoal is data the linker lays
// out (table.go) and no process builds it at start: the options sorted by
// name, and the tree of their paths as nodes whose children lie side by
// side, sorted by name, found by binary search.
type Index struct {
	options []Option // sorted by Name; Option.index is the position
	nodes   []node   // nodes[0] is the root
	dfs     []int32  // options in tree order: below a node is dfs[first:end]

	// For suggestions, set up on the first one (see lowerNames).
	lowerOnce sync.Once
	lower     []lowerName // by Option.index
}

// node is one attribute name in the tree of option paths. Nodes refer to
// each other by position in Index.nodes.
type node struct {
	name          string // as in the index: a name, `<...>` or `*`
	parent        int32  // -1 for the root
	depth         int32  // number of attribute names from the root
	kids, kidsEnd int32  // the children: nodes[kids:kidsEnd], sorted by name
	anyName       int32  // the `<...>` child: any attribute name; -1 for none
	opt           int32  // the option declared at this path, -1 for none
	first, end    int32  // the options at and below the node: Index.dfs[first:end]
}

// root returns the root of the option tree.
func (ix *Index) root() *node { return &ix.nodes[0] }

// children returns the children of n, sorted by name.
func (ix *Index) children(n *node) []node { return ix.nodes[n.kids:n.kidsEnd] }

// child returns the child of n called name (placeholders by their own
// text), or nil.
func (ix *Index) child(n *node, name string) *node {
	kids := ix.children(n)
	if i, ok := slices.BinarySearchFunc(kids, name, func(c node, name string) int { return strings.Compare(c.name, name) }); ok {
		return &kids[i]
	}
	return nil
}

// anyName returns the child of n that stands for any attribute name, or
// nil.
func (ix *Index) anyName(n *node) *node { return ix.at(n.anyName) }

// parent returns the parent of n, nil for the root.
func (ix *Index) parent(n *node) *node { return ix.at(n.parent) }

// at returns the node at position i, nil for -1.
func (ix *Index) at(i int32) *node {
	if i < 0 {
		return nil
	}
	return &ix.nodes[i]
}

// opt returns the option declared at n, or nil.
func (ix *Index) opt(n *node) *Option {
	if n.opt < 0 {
		return nil
	}
	return &ix.options[n.opt]
}

// Load returns the options index built into shoal: builtinIndex, which
// table.go lays out, generated from options.jsonl (the index, one JSON
// object per line, sorted by name; see
// /work/shared/data/nixos-options/README.md for its provenance) by
// TestOptionTableIsCurrent with -update (go generate). Nothing of it is
// built at run time but the tables for "did you mean" suggestions, on the
// first one.
func Load() *Index { return &builtinIndex }

//go:generate go test -tags shoal_regenerate -run ^TestOptionTableIsCurrent$ -update .

type record struct {
	Name     string `json:"name"`
	Type     string `json:"type"`
	Default  string `json:"default"`
	ReadOnly bool   `json:"readOnly"`
	Declared string `json:"declared"`
}

// build reads an index in the JSONL format of options.jsonl.
func build(data string) (*Index, error) {
	n := strings.Count(data, "\n") + 1
	opts := make([]Option, 0, n)
	types := map[string]*typeCell{}
	lineNo := 0
	for len(data) > 0 {
		line := data
		if i := strings.IndexByte(data, '\n'); i >= 0 {
			line, data = data[:i], data[i+1:]
		} else {
			data = ""
		}
		lineNo++
		if strings.TrimSpace(line) == "" {
			continue
		}
		r, ok := readRecord(line)
		if !ok {
			// Not in the layout readRecord knows: let encoding/json judge.
			r = record{}
			if err := json.Unmarshal([]byte(line), &r); err != nil {
				return nil, fmt.Errorf("line %d: %w", lineNo, err)
			}
		}
		if r.Type == "" {
			return nil, fmt.Errorf("line %d: option %q has no type", lineNo, r.Name)
		}
		path, err := splitPath(r.Name, true)
		if err != nil {
			return nil, fmt.Errorf("line %d: option name: %w", lineNo, err)
		}
		cell := types[r.Type]
		if cell == nil {
			cell = &typeCell{text: r.Type}
			types[r.Type] = cell
		}
		o := Option{Name: r.Name, Path: path, typ: cell, Default: r.Default, readOnly: r.ReadOnly}
		if r.Declared != "" {
			o.Declared = strings.Split(r.Declared, ",")
		}
		opts = append(opts, o)
	}
	slices.SortStableFunc(opts, func(a, b Option) int { return strings.Compare(a.Name, b.Name) })
	return newIndex(opts)
}

// treeNode is a node of the option tree while newIndex builds it.
type treeNode struct {
	name     string
	children map[string]*treeNode
	anyName  *treeNode
	opt      int32
	at       int32 // position in Index.nodes
}

// newIndex builds an index of options sorted by name.
func newIndex(opts []Option) (*Index, error) {
	ix := &Index{options: opts}
	root := &treeNode{opt: -1}
	for i := range opts {
		o := &opts[i]
		o.index = i
		n := root
		for _, name := range o.Path {
			child := n.children[name]
			if child == nil {
				child = &treeNode{name: name, opt: -1}
				if n.children == nil {
					n.children = map[string]*treeNode{}
				}
				n.children[name] = child
				if isAnyName(name) {
					if n.anyName != nil {
						return nil, fmt.Errorf("option %s: two placeholders %s and %s at one place", o.Name, n.anyName.name, name)
					}
					n.anyName = child
				}
			}
			n = child
		}
		if n.opt >= 0 {
			return nil, fmt.Errorf("option %s declared twice", o.Name)
		}
		n.opt = int32(i)
	}
	// Lay the tree out breadth first, so that each node's children lie
	// side by side, in order of name.
	ix.nodes = []node{{parent: -1, anyName: -1, opt: -1}}
	queue := []*treeNode{root}
	for i := 0; i < len(queue); i++ {
		t := queue[i]
		n := &ix.nodes[i]
		n.opt = t.opt
		n.kids = int32(len(ix.nodes))
		for _, name := range slices.Sorted(maps.Keys(t.children)) {
			c := t.children[name]
			c.at = int32(len(ix.nodes))
			ix.nodes = append(ix.nodes, node{name: name, parent: int32(i), depth: ix.nodes[i].depth + 1, anyName: -1, opt: -1})
			queue = append(queue, c)
			n = &ix.nodes[i] // append may have moved it
		}
		n.kidsEnd = int32(len(ix.nodes))
		if t.anyName != nil {
			n.anyName = t.anyName.at
		}
	}
	// The options in tree order, for suggestions below a node.
	ix.dfs = make([]int32, 0, len(opts))
	var visit func(i int32)
	visit = func(i int32) {
		n := &ix.nodes[i]
		n.first = int32(len(ix.dfs))
		if n.opt >= 0 {
			ix.dfs = append(ix.dfs, n.opt)
		}
		for k := n.kids; k < n.kidsEnd; k++ {
			visit(k)
		}
		n.end = int32(len(ix.dfs))
	}
	visit(0)
	return ix, nil
}

// isAnyName reports whether an index path component stands for any
// attribute name, like `<name>`.
func isAnyName(s string) bool {
	return len(s) >= 2 && s[0] == '<' && s[len(s)-1] == '>'
}

// Options returns every option of the index, sorted by name. The slice is
// the caller's; the options are shared and must not be modified.
func (ix *Index) Options() []*Option {
	out := make([]*Option, len(ix.options))
	for i := range ix.options {
		out[i] = &ix.options[i]
	}
	return out
}

// readRecord reads a line in exactly the layout of options.jsonl, which is
// several times faster than encoding/json and, taking substrings of the
// embedded data, allocates little; it keeps Load fast. It reports false for
// anything else, including malformed JSON, which the caller hands to
// encoding/json.
func readRecord(line string) (r record, ok bool) {
	rest := line
	field := func(key string) (string, bool) {
		var found bool
		if rest, found = strings.CutPrefix(rest, key); !found {
			return "", false
		}
		var s string
		s, rest, found = readJSONString(rest)
		return s, found
	}
	if r.Name, ok = field(`{"name": `); !ok {
		return r, false
	}
	if r.Type, ok = field(`, "type": `); !ok {
		return r, false
	}
	if r.Default, ok = field(`, "default": `); !ok {
		return r, false
	}
	switch {
	case strings.HasPrefix(rest, `, "readOnly": true`):
		r.ReadOnly, rest = true, rest[len(`, "readOnly": true`):]
	case strings.HasPrefix(rest, `, "readOnly": false`):
		rest = rest[len(`, "readOnly": false`):]
	default:
		return r, false
	}
	if r.Declared, ok = field(`, "declared": `); !ok {
		return r, false
	}
	return r, strings.TrimRight(rest, " \t\r") == "}"
}

// readJSONString reads a JSON string at the start of s.
func readJSONString(s string) (str, rest string, ok bool) {
	if s == "" || s[0] != '"' {
		return "", s, false
	}
	end := strings.IndexByte(s[1:], '"') + 1
	if end == 0 {
		return "", s, false
	}
	if strings.IndexByte(s[1:end], '\\') < 0 {
		return s[1:end], s[end+1:], true
	}
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"':
			return b.String(), s[i+1:], true
		case c != '\\':
			b.WriteByte(c)
		case i+1 >= len(s):
			return "", s, false
		default:
			i++
			switch s[i] {
			case '"', '\\', '/':
				b.WriteByte(s[i])
			case 'n':
				b.WriteByte('\n')
			case 't':
				b.WriteByte('\t')
			case 'r':
				b.WriteByte('\r')
			case 'b':
				b.WriteByte('\b')
			case 'f':
				b.WriteByte('\f')
			default: // \uXXXX and surrogate pairs: rare, leave them to encoding/json
				return "", s, false
			}
		}
	}
	return "", s, false
}
