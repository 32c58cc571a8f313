package tomltree

import (
	"slices"
	"strconv"

	"github.com/shoal-nix/shoal/internal/diag"
)

// Decoder helps turn a tree into a typed model, reporting unknown keys and
// wrong types as diagnostics against File.
type Decoder struct {
	File  string
	Diags *diag.List
	// Elsewhere, when set, says where a key unknown in what lives
	// instead ("called system", for "arch" in a machine) and how to write
	// it there, with its value v; ok is false for a key it does not know
	// either.
	Elsewhere func(what, key string, v *Node) (where, write string, ok bool)
	// Paths, when set, hands out the paths of the decoded keys and
	// elements; without it each is allocated alone.
	Paths *Paths
}

// Paths hands out paths from blocks: a decoder makes a path for nearly
// every key and element of a file, and they live as long as the model
// decoded from it, so allocating them one by one only costs time.
type Paths struct {
	block []string
	// lent holds the paths TransientFields lends, innermost call last.
	lent []string
}

// pathBlock is the number of path elements a block holds.
const pathBlock = 4096

// Key returns p with the key k appended, as Path.Key does; p is not
// changed.
func (d Decoder) Key(p diag.Path, k string) diag.Path {
	if d.Paths == nil {
		return p.Key(k)
	}
	out := d.Paths.extend(p)
	out[len(p)] = k
	return out
}

// Index returns p with the list index i appended, as Path.Child(i) does;
// p is not changed.
func (d Decoder) Index(p diag.Path, i int) diag.Path {
	if d.Paths == nil {
		return p.Child(i)
	}
	out := d.Paths.extend(p)
	out[len(p)] = strconv.Itoa(i)
	return out
}

// extend returns a path of p's elements and one more, to be set by the
// caller, full: appending to it copies. When p is the last path handed
// out, as a table's path is when its first key's is asked for, the new
// path shares p's elements rather than copying them; paths are never
// changed in place, so sharing is safe.
func (a *Paths) extend(p diag.Path) diag.Path {
	n := len(p) + 1
	if end := len(a.block); len(p) > 0 && end < cap(a.block) && &p[len(p)-1] == &a.block[end-1] {
		a.block = a.block[:end+1]
		return diag.Path(a.block[end-len(p) : end+1 : end+1])
	}
	if len(a.block)+n > cap(a.block) {
		a.block = make([]string, 0, max(n, pathBlock))
	}
	start := len(a.block)
	a.block = a.block[:start+n]
	out := diag.Path(a.block[start : start+n : start+n])
	copy(out, p)
	return out
}

// Fields calls fn for each key of table n in source order. Keys not in known
// are reported as unknown, with a suggestion, and skipped. It returns false,
// after reporting, when n is not a table.
func (d Decoder) Fields(n *Node, path diag.Path, what string, known []string, fn func(key string, v *Node, p diag.Path)) bool {
	return d.fields(n, path, what, known, fn, false)
}

// TransientFields is Fields for a table whose keys' paths fn does not
// keep, only reports diagnostics at (which copy their paths) or makes
// further paths from with Key and Index (which copy too): it lends fn
// each key's path in one buffer, which the next key reuses, rather than
// allocating one per key. Most keys of a machine's hardware or disk
// table are read, checked and forgotten.
func (d Decoder) TransientFields(n *Node, path diag.Path, what string, known []string, fn func(key string, v *Node, p diag.Path)) bool {
	return d.fields(n, path, what, known, fn, d.Paths != nil)
}

func (d Decoder) fields(n *Node, path diag.Path, what string, known []string, fn func(key string, v *Node, p diag.Path), lend bool) bool {
	if !d.IsTable(n, path, what) {
		return false
	}
	var lent diag.Path
	if lend {
		a := d.Paths
		start := len(a.lent)
		a.lent = append(append(a.lent, path...), "")
		lent = a.lent[start:len(a.lent):len(a.lent)]
		defer func() {
			// A lent path kept by mistake then (unless a call
			// inside fn moved the buffer) names no key rather than
			// another key: a diagnostic at it points at the table,
			// where tests that check positions see it.
			clear(a.lent[start:])
			a.lent = a.lent[:start]
		}()
	}
	for i, k := range n.Keys {
		var p diag.Path
		if lend {
			p = lent
			p[len(path)] = k
		} else {
			p = d.Key(path, k)
		}
		if !slices.Contains(known, k) {
			if d.Elsewhere != nil {
				if where, write, ok := d.Elsewhere(what, k, n.Items[i]); ok {
					d.Diags.Errorf(diag.CodeUnknownKey, d.File, p, "unknown key %q in %s: it is %s", k, what, where).Hintf("write %s", write)
					continue
				}
			}
			e := d.Diags.Errorf(diag.CodeUnknownKey, d.File, p, "unknown key %q in %s", k, what)
			if h := diag.DidYouMean(k, known); h != "" {
				e.SetHint(h)
			} else {
				e.Hintf("%s takes: %s", what, joinQuoted(known))
			}
			continue
		}
		fn(k, n.Items[i], p)
	}
	return true
}

// IsTable reports whether n is a table, reporting it when not.
func (d Decoder) IsTable(n *Node, path diag.Path, what string) bool {
	if n.Kind != Table {
		d.wrong(n, path, "a table", what)
		return false
	}
	return true
}

func (d Decoder) wrong(n *Node, path diag.Path, want, what string) {
	d.Diags.Errorf(diag.CodeWrongType, d.File, path, "%s must be %s, not %s", what, want, n.Describe())
}

// String decodes a string value.
func (d Decoder) String(n *Node, path diag.Path, what string) (string, bool) {
	if n.Kind != String {
		d.wrong(n, path, "a string", what)
		return "", false
	}
	return n.Str, true
}

// Bool decodes a boolean value.
func (d Decoder) Bool(n *Node, path diag.Path, what string) (bool, bool) {
	if n.Kind != Bool {
		d.wrong(n, path, "true or false", what)
		return false, false
	}
	return n.Bool, true
}

// Int decodes an integer value.
func (d Decoder) Int(n *Node, path diag.Path, what string) (int64, bool) {
	if n.Kind != Integer {
		d.wrong(n, path, "an integer", what)
		return 0, false
	}
	return n.Int, true
}

// Item is one string element of a list, with its path.
type Item struct {
	Value string
	Path  diag.Path
}

// Strings decodes a list of strings. A single string is not accepted: a
// list is asked for, and a list is clearer to read back. After reporting
// it, the string is returned as a list of one, so that later checks do not
// report its absence too.
func (d Decoder) Strings(n *Node, path diag.Path, what string) []Item {
	if n.Kind != Array {
		if n.Kind == String {
			d.Diags.Errorf(diag.CodeWrongType, d.File, path, "%s must be a list of strings, not a single string", what).
				Hintf("write [%q]", n.Str)
			return []Item{{n.Str, slices.Clone(path)}} // path may be lent
		}
		d.wrong(n, path, "a list of strings", what)
		return nil
	}
	items := make([]Item, 0, len(n.Items))
	for i, it := range n.Items {
		p := d.Index(path, i)
		if it.Kind != String {
			d.Diags.Errorf(diag.CodeWrongType, d.File, p, "each element of %s must be a string, not %s", what, it.Describe())
			continue
		}
		items = append(items, Item{it.Str, p})
	}
	return items
}

func joinQuoted(names []string) string {
	s := ""
	for i, n := range names {
		if i > 0 {
			s += ", "
		}
		s += n
	}
	return s
}
