package nixopts

import (
	"encoding/json"
	"fmt"
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
	// TypeText is the type description exactly as the manual prints it;
	// Type returns it parsed.
	TypeText string
	// Default is the default as Nix text ("" when the option has none).
	Default string
	// Declared lists the NixOS module files that declare the option.
	Declared []string

	readOnly bool
	typ      *typeCell
	index    int // in Index.options
}

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
type Index struct {
	options []*Option // sorted by Name
	root    *node

	// For suggestions, set up on the first one (see lowerNames).
	lowerOnce sync.Once
	lower     []lowerName // by Option.index
	dfs       []*Option   // in tree order: below a node is dfs[first:end]
}

// node is one attribute name in the tree of option paths.
type node struct {
	name     string           // as in the index: a name, `<...>` or `*`
	parent   *node            // nil for the root
	depth    int              // number of attribute names from the root
	children map[string]*node // by name; placeholders under their own text
	anyName  *node            // the `<...>` child: any attribute name
	opt      *Option          // the option declared at this path, if any

	first, end int // the options at and below the node: Index.dfs[first:end]
}

var (
	loadOnce  sync.Once
	loadIndex *Index
)

// Load returns the options index built into shoal. It is set up once, on
// first use, from optionTable; later calls return the same Index.
func Load() *Index {
	loadOnce.Do(func() {
		ix, err := buildTable()
		if err != nil {
			// The table is generated and tested; failing here is a build defect.
			panic("nixopts: built-in options index: " + err.Error())
		}
		loadIndex = ix
	})
	return loadIndex
}

// optionRecord is one option of optionTable: the options index in Go
// source, generated from options.jsonl (the index, one JSON object per
// line, sorted by name; see /work/shared/data/nixos-options/README.md for
// its provenance) by TestOptionTableIsCurrent with -update. Everything in
// it is a constant the linker lays out, so that no process reads JSON or
// splits option names at start.
type optionRecord struct {
	name     string
	path     []string
	typ      int // in optionTypes
	def      string
	declared []string
	readOnly bool
}

// buildTable builds the index from optionTable.
func buildTable() (*Index, error) {
	cells := make([]typeCell, len(optionTypes))
	for i, t := range optionTypes {
		cells[i].text = t
	}
	storage := make([]Option, len(optionTable)) // one allocation for all options
	ix := &Index{root: &node{}, options: make([]*Option, len(optionTable))}
	for i := range optionTable {
		r := &optionTable[i]
		storage[i] = Option{
			Name:     r.name,
			Path:     r.path,
			TypeText: optionTypes[r.typ],
			typ:      &cells[r.typ],
			Default:  r.def,
			Declared: r.declared,
			readOnly: r.readOnly,
			index:    i,
		}
		opt := &storage[i]
		if err := ix.insert(opt); err != nil {
			return nil, err
		}
		ix.options[i] = opt
	}
	return ix, nil
}

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
	ix := &Index{root: &node{}, options: make([]*Option, 0, n)}
	storage := make([]Option, 0, n) // one allocation for all options
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
		storage = append(storage, Option{
			Name:     r.Name,
			Path:     path,
			TypeText: r.Type,
			typ:      cell,
			Default:  r.Default,
			readOnly: r.ReadOnly,
		})
		opt := &storage[len(storage)-1]
		if r.Declared != "" {
			opt.Declared = strings.Split(r.Declared, ",")
		}
		if err := ix.insert(opt); err != nil {
			return nil, fmt.Errorf("line %d: %w", lineNo, err)
		}
		ix.options = append(ix.options, opt)
	}
	slices.SortFunc(ix.options, func(a, b *Option) int { return strings.Compare(a.Name, b.Name) })
	for i, o := range ix.options {
		o.index = i
	}
	return ix, nil
}

func (ix *Index) insert(opt *Option) error {
	n := ix.root
	for _, name := range opt.Path {
		child := n.children[name]
		if child == nil {
			child = &node{name: name, parent: n, depth: n.depth + 1}
			if n.children == nil {
				n.children = map[string]*node{}
			}
			n.children[name] = child
			if isAnyName(name) {
				if n.anyName != nil {
					return fmt.Errorf("option %s: two placeholders %s and %s at one place", opt.Name, n.anyName.name, name)
				}
				n.anyName = child
			}
		}
		n = child
	}
	if n.opt != nil {
		return fmt.Errorf("option %s declared twice", opt.Name)
	}
	n.opt = opt
	return nil
}

// isAnyName reports whether an index path component stands for any
// attribute name, like `<name>`.
func isAnyName(s string) bool {
	return len(s) >= 2 && s[0] == '<' && s[len(s)-1] == '>'
}

// Options returns every option of the index, sorted by name. The slice is
// the caller's; the options are shared and must not be modified.
func (ix *Index) Options() []*Option {
	return slices.Clone(ix.options)
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
