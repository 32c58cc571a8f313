package nixopts

import (
	"slices"
	"strings"
)

// ResultKind says what the index knows about an option path.
type ResultKind uint8

// The kinds of lookup result. NotCovered is the zero value: a path the
// index cannot say anything about is never an error.
const (
	// NotCovered: the path lies outside the prefixes the index covers, so
	// shoal cannot check it (it is not an unknown option).
	NotCovered ResultKind = iota
	// Found: the path is a declared option (placeholders matched).
	Found
	// OptionSet: the path is a strict prefix of declared options, such as
	// services.openssh or services.nginx.virtualHosts.mysite: its value is
	// an attribute set whose entries are looked up one by one.
	OptionSet
	// Within: the path leads into the value of an option, such as a key of
	// an attribute set option or of a freeform submodule
	// (services.openssh.settings.Foo); Type is the type of the value there.
	Within
	// Unknown: the path lies under a covered prefix but no option has it.
	Unknown
)

var resultKindNames = [...]string{"not covered", "found", "option set", "within", "unknown"}

// String names the kind.
func (k ResultKind) String() string {
	if int(k) < len(resultKindNames) {
		return resultKindNames[k]
	}
	return "ResultKind(?)"
}

// Result is what Lookup finds for a path.
type Result struct {
	Kind ResultKind
	// Option is the option declared at the path (Found), the option whose
	// value holds the path (Within), the nearest option above the path if
	// any (OptionSet), or the option whose value cannot hold the path,
	// such as a boolean given a sub-attribute (Unknown; nil when the path
	// goes astray outside any option).
	Option *Option
	// Type is the type of the value at the path: the option's for Found,
	// the part's for Within (anything, where the index lists no
	// sub-options of a submodule), and for OptionSet the submodule the set
	// is a value of (nil for sets of top-level options). It is shared with
	// the index: do not modify it.
	Type *Type
	// Children names what an OptionSet contains, sorted, with `<name>`
	// (or another `<...>`) for any attribute name and `*` for list elements.
	Children []string
	// Suggestions holds up to three option paths near an Unknown path,
	// closest first, written with the caller's attribute names where the
	// paths agree ("did you mean"). For Within a freeform entry, it holds
	// declared options whose names are close: likely typos that NixOS
	// itself would accept silently.
	Suggestions []string
}

// Lookup finds what an option path, split into attribute names (see
// SplitPath), is in the index. Names the index writes as `<name>` match any
// attribute name, and `*` (a list element) matches "*".
func (ix *Index) Lookup(path []string) Result {
	if len(path) == 0 {
		return Result{Kind: NotCovered}
	}
	w := ix.walk(path, 0, ix.root(), nil, nil)
	switch w.kind {
	case Unknown:
		if !Covered(path) {
			// Not an error; but a path one typo away from a covered one
			// (servics.openssh.enable) deserves a hint.
			return Result{Kind: NotCovered, Suggestions: ix.suggestOneOff(path)}
		}
		// The typo is below the covered prefix (else the path would not be
		// covered): look no higher than that.
		return Result{Kind: Unknown, Option: w.owner, Suggestions: ix.suggest(w.at, path, coveredDepth(path))}
	case Within:
		r := Result{Kind: Within, Option: w.owner, Type: w.typ}
		if w.at.kidsEnd > w.at.kids {
			// A freeform entry beside declared options: a near miss of a
			// declared name is far more likely a typo than a new setting.
			r.Suggestions = ix.suggest(w.at, path, int(w.at.depth))
		}
		return r
	case OptionSet:
		r := Result{Kind: OptionSet, Option: w.owner, Type: w.typ}
		for _, c := range ix.children(w.at) { // sorted by name
			r.Children = append(r.Children, c.name)
		}
		return r
	}
	o := ix.opt(w.at)
	return Result{Kind: Found, Option: o, Type: o.typ.get()}
}

// walked is where a walk ended: at a node of the option tree (at, for
// Found and OptionSet), or inside an option's value (Within: at is the
// last node passed). For Unknown, at is the deepest node reached.
type walked struct {
	kind  ResultKind
	at    *node
	owner *Option
	typ   *Type
}

// walk matches path[i:] from node n; typ is the type of the value at n
// when n lies inside an option's value, owner the nearest option at or
// above n.
func (ix *Index) walk(path []string, i int, n *node, typ *Type, owner *Option) walked {
	if o := ix.opt(n); o != nil {
		owner, typ = o, o.typ.get()
	}
	if i == len(path) {
		if n.opt >= 0 {
			return walked{kind: Found, at: n, owner: owner, typ: typ}
		}
		return walked{kind: OptionSet, at: n, owner: owner, typ: typ}
	}
	name := path[i]
	failed := walked{kind: NotCovered} // none yet
	// The child of that name first, then the one for any name (if another:
	// "*" names list elements, not attributes).
	candidates := [2]*node{ix.child(n, name), ix.anyName(n)}
	if candidates[0] == candidates[1] || name == "*" {
		candidates[1] = nil
	}
	for _, child := range candidates {
		if child == nil {
			continue
		}
		var childType *Type
		if typ != nil {
			childType, _ = typeStep(*typ, name, true)
		}
		w := ix.walk(path, i+1, child, childType, owner)
		if w.kind != Unknown {
			return w
		}
		if failed.kind != Unknown || w.at.depth > failed.at.depth {
			failed = w
		}
	}
	if failed.kind == Unknown {
		return failed
	}
	// No declared option goes on from here: the path leads into a value.
	if typ != nil {
		if t, ok := typeStep(*typ, name, n.kidsEnd > n.kids); ok {
			if t, ok := typeAt(*t, path[i+1:]); ok {
				return walked{kind: Within, at: n, owner: owner, typ: &t}
			}
		}
	}
	return walked{kind: Unknown, at: n, owner: owner}
}

// typeAt follows a path into values of type t that lie outside the option
// tree, where no sub-option is declared.
func typeAt(t Type, path []string) (Type, bool) {
	for _, name := range path {
		var next *Type
		var ok bool
		if next, ok = typeStep(t, name, false); !ok {
			return Type{}, false
		}
		t = *next
	}
	return t, true
}

// typeStep returns the type of the part called name of a value of type t.
// declared says whether the index declares sub-options at that place: a
// submodule without a freeform type then takes none but those, while one
// whose sub-options the index does not list takes anything (unchecked).
func typeStep(t Type, name string, declared bool) (*Type, bool) {
	switch t.Kind {
	case NullOr, Named:
		if t.Elem == nil {
			return &anything, true
		}
		return typeStep(*t.Elem, name, declared)
	case AttrsOf:
		if t.Elem == nil {
			return &anything, true
		}
		return t.Elem, true
	case ListOf:
		if name == "*" && t.Elem != nil {
			return t.Elem, true
		}
	case Submodule:
		if t.Elem != nil {
			return typeStep(*t.Elem, name, declared)
		}
		if !declared {
			return &anything, true
		}
	case Either:
		for _, a := range t.Alts {
			if s, ok := typeStep(a, name, declared); ok {
				return s, true
			}
		}
	case Coerced:
		if t.Elem != nil {
			return typeStep(*t.Elem, name, declared)
		}
	case Anything:
		return &anything, true
	}
	return nil, false
}

// anything is the type of values the index knows nothing about.
var anything = Type{Kind: Anything}

// suggest returns up to three option paths near path among the options
// below node at, moving up the tree until some come close, but not above
// depth top. Near means: the last attribute names are close, or the whole
// paths below the node.
func (ix *Index) suggest(at *node, path []string, top int) []string {
	for n := at; ; n = ix.parent(n) {
		if s := ix.suggestBelow(n, path); len(s) > 0 || n.parent < 0 || int(n.depth) <= top {
			return s
		}
	}
}

func (ix *Index) suggestBelow(at *node, path []string) []string {
	lower := ix.lowerNames()
	depth := int(at.depth)
	rest := path[depth:]
	userLast := strings.ToLower(rest[len(rest)-1])
	userFull := strings.ToLower(strings.Join(rest, "."))
	limitLast := max(1, len(userLast)/3)
	limitFull := max(1, len(userFull)/3)

	var cands []suggestion
	var d distancer
	for _, i := range ix.dfs[at.first:at.end] {
		o := &ix.options[i]
		if len(o.Path) <= depth {
			continue
		}
		ln := &lower[i]
		df := d.distance(userFull, ln.text[ln.starts[depth]:], limitFull)
		dl := d.distance(userLast, ln.name(len(ln.starts)-1), limitLast)
		p := func() []string { return append(slices.Clone(path[:depth]), o.Path[depth:]...) }
		switch {
		case dl <= limitLast:
			cands = append(cands, suggestion{p(), min(dl, df), df})
		case df <= limitFull:
			cands = append(cands, suggestion{p(), df, df})
		}
	}
	return best(cands)
}

// suggestOneOff returns up to three option paths that differ from path in
// exactly one attribute name, by a typo: the hint for a path that is not
// covered (servics.openssh.enable), where a looser guess would misdirect
// (every set of options has an enable).
func (ix *Index) suggestOneOff(path []string) []string {
	child := func(n *node, name string) *node {
		if c := ix.child(n, name); c != nil {
			return c
		}
		if name != "*" {
			return ix.anyName(n)
		}
		return nil
	}
	var cands []suggestion
	var d distancer
	n := ix.root()
	for k := 0; k < len(path) && n != nil; k++ {
		want := strings.ToLower(path[k])
		limit := max(1, len(want)/3)
		for i := range ix.children(n) {
			c := &ix.children(n)[i]
			name := c.name
			if name == path[k] || name == "*" || isAnyName(name) {
				continue
			}
			dist := d.distance(want, strings.ToLower(name), limit)
			if dist > limit {
				continue
			}
			end := c
			for _, rest := range path[k+1:] {
				if end = child(end, rest); end == nil {
					break
				}
			}
			if end != nil && end.opt >= 0 {
				p := slices.Clone(path)
				p[k] = name
				cands = append(cands, suggestion{p, dist, dist})
			}
		}
		n = child(n, path[k])
	}
	return best(cands)
}

// suggestion is a candidate path, closest first by score, then by the
// distance of the whole path.
type suggestion struct {
	path       []string
	score, all int
}

func best(cands []suggestion) []string {
	slices.SortFunc(cands, func(a, b suggestion) int {
		if a.score != b.score {
			return a.score - b.score
		}
		if a.all != b.all {
			return a.all - b.all
		}
		return slices.Compare(a.path, b.path)
	})
	var out []string
	for _, c := range cands[:min(3, len(cands))] {
		out = append(out, FormatPath(c.path))
	}
	return out
}

// lowerName is an option path in lower case, joined by dots, with the
// offset at which each attribute name starts.
type lowerName struct {
	text   string
	starts []int
}

// name returns the i-th attribute name.
func (ln *lowerName) name(i int) string {
	end := len(ln.text)
	if i+1 < len(ln.starts) {
		end = ln.starts[i+1] - 1
	}
	return ln.text[ln.starts[i]:end]
}

// lowerNames returns the lowerName of every option, by Option.index, made
// on the first suggestion rather than in Load.
func (ix *Index) lowerNames() []lowerName {
	ix.lowerOnce.Do(func() {
		ix.lower = make([]lowerName, len(ix.options))
		for i := range ix.options {
			o := &ix.options[i]
			starts := make([]int, len(o.Path))
			n := 0
			for j, name := range o.Path {
				starts[j] = n
				n += len(name) + 1
			}
			ix.lower[i] = lowerName{strings.ToLower(strings.Join(o.Path, ".")), starts}
		}
	})
	return ix.lower
}

// distancer computes edit distances, reusing its rows.
type distancer struct {
	rows [3][]int
}

// distance is the optimal string alignment distance between a and b
// (Levenshtein plus transpositions), in bytes; once it must exceed limit it
// returns limit+1.
func (d *distancer) distance(a, b string, limit int) int {
	if n := len(a) - len(b); n > limit || -n > limit {
		return limit + 1
	}
	for i := range d.rows {
		if cap(d.rows[i]) < len(b)+1 {
			d.rows[i] = make([]int, len(b)+1, 2*len(b)+8)
		}
		d.rows[i] = d.rows[i][:len(b)+1]
	}
	prev2, prev, cur := d.rows[0], d.rows[1], d.rows[2]
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		rowMin := cur[0]
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			v := min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				v = min(v, prev2[j-2]+1)
			}
			cur[j] = v
			rowMin = min(rowMin, v)
		}
		if rowMin > limit {
			return limit + 1
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return min(prev[len(b)], limit+1)
}
