package tomltree

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
	"unsafe"

	"github.com/pelletier/go-toml/v2/unstable"

	"github.com/shoal-nix/shoal/internal/diag"
)

// MaxKeyDepth bounds how deeply tables may nest through dotted keys and
// headers; no shoal file needs more, and it keeps every walk shallow.
const MaxKeyDepth = 32

// Parse reads src as TOML. It returns the document, whose Root may be
// partial or nil when there are errors, and the diagnostics found.
//
// The document keeps src, and its keys and strings share src's memory
// rather than copying it: src must not be modified afterwards.
func Parse(name string, src []byte) (*Doc, diag.List) {
	// Editors on Windows start UTF-8 files with a byte-order mark; TOML
	// allows none, but it is no content: positions count from after it.
	src = bytes.TrimPrefix(src, []byte("\xef\xbb\xbf"))
	doc := &Doc{Name: name, Src: src}
	b := &builder{doc: doc}
	if off := invalidUTF8(src); off >= 0 {
		d := b.errorAt(diag.CodeSyntax, Span{int32(off), int32(off + 1)}, "the file is not valid UTF-8 text (byte 0x%02x)", src[off])
		if looksLikeText(src) {
			d.Hintf("TOML files must be UTF-8; save the file as UTF-8 (it may be in Latin-1 or another legacy encoding)")
		} else {
			d.Hintf("TOML files must be UTF-8; is this a binary file?")
		}
		return doc, b.diags
	}
	// TOML allows no raw NUL anywhere (a string holds one only escaped,
	// and shoal refuses even that), and a run of them is the commonest
	// binary file that is valid UTF-8.
	if off := bytes.IndexByte(src, 0); off >= 0 {
		d := b.errorAt(diag.CodeSyntax, Span{int32(off), int32(off + 1)}, "the file holds a NUL byte, which TOML text cannot")
		if looksLikeText(src) {
			d.Hintf("remove it; an editor that shows control characters finds it")
		} else {
			d.Hintf("TOML files are UTF-8 text; is this a binary file?")
		}
		return doc, b.diags
	}
	if len(src) > 0 {
		b.src = unsafe.String(unsafe.SliceData(src), len(src))
	}
	doc.Root = newTable(Span{})
	doc.Root.header = true
	b.cur = doc.Root

	var p unstable.Parser
	p.Reset(src)
	for p.NextExpression() {
		b.expression(p.Expression())
	}
	if err := p.Error(); err != nil {
		b.syntaxError(err)
	}
	return doc, b.diags
}

// looksLikeText reports whether src is mostly printable text, so that a
// bad byte in it is more likely a legacy encoding than a binary file.
func looksLikeText(src []byte) bool {
	bad := 0
	for _, c := range src {
		if c < 0x20 && c != '\n' && c != '\r' && c != '\t' || c >= 0x80 {
			bad++
		}
	}
	return bad <= 3 || bad*20 < len(src)
}

func invalidUTF8(src []byte) int {
	if utf8.Valid(src) {
		return -1
	}
	for i := 0; i < len(src); {
		r, size := utf8.DecodeRune(src[i:])
		if r == utf8.RuneError && size <= 1 {
			return i
		}
		i += size
	}
	return -1
}

type builder struct {
	doc     *Doc
	cur     *Node     // table receiving key/values
	curPath diag.Path // its path
	diags   diag.List
	end     int32 // offset just past the value value() last converted
	depth   int   // arrays and inline tables value() is inside

	// path is the path of the key or element being converted, for
	// messages; keyValue and value push onto it and pop what they pushed,
	// so that no path is allocated per key. Copy it to keep it.
	path diag.Path
	// parts holds the parts of the keys being read, innermost last; see
	// keyParts.
	parts []keyPart
	nodes []Node // the current block of nodes; see node
	// keys and vals are the current blocks of tables' keys and of
	// tables' and arrays' values; see table and room.
	keys []string
	vals []*Node
	// src is the source as a string, sharing its memory: the strings of
	// the tree are views of it (see text).
	src string
	// headerPath is the buffer header builds a header's path in.
	headerPath diag.Path
}

func (b *builder) errorAt(code diag.Code, s Span, format string, args ...any) diag.Ref {
	d := diag.Diagnostic{Code: code, Severity: diag.Error, File: b.doc.Name, Summary: fmt.Sprintf(format, args...)}
	return b.diags.Add(d.WithPos(b.doc.PosOf(s)))
}

func (b *builder) syntaxError(err error) {
	var perr *unstable.ParserError
	if !errors.As(err, &perr) {
		b.errorAt(diag.CodeSyntax, Span{}, "invalid TOML: %s", err)
		return
	}
	start := len(b.doc.Src)
	if perr.Highlight != nil {
		start = cap(b.doc.Src) - cap(perr.Highlight)
	}
	start = min(max(start, 0), len(b.doc.Src))
	end := min(start+len(perr.Highlight), len(b.doc.Src))
	if open, delim := unterminatedOpening(perr.Message, b.doc.Src); open >= 0 {
		// go-toml reports the end of the file; the user needs the start.
		b.errorAt(diag.CodeSyntax, Span{int32(open), int32(open + 3)}, "this multi-line string is never closed").
			Hintf("end it with %s; everything after this line was read as part of the string", delim)
		return
	}
	msg, hint, width := explainSyntax(perr.Message, b.doc.Src[start:])
	end = max(end, min(start+width, len(b.doc.Src)))
	if hint == "" {
		if v := unquotedValue(b.doc.Src, start); v != "" {
			msg, hint = "text must be quoted", fmt.Sprintf("write %q", v)
		}
	}
	b.errorAt(diag.CodeSyntax, Span{int32(start), int32(end)}, "%s", msg).SetHint(hint)
}

// unterminatedOpening finds where a multi-line string that the parser
// reports as never terminated was opened: the last delimiter of its kind,
// since nothing after the opening one can close it. It returns -1 when the
// message is about something else.
func unterminatedOpening(msg string, src []byte) (int, string) {
	if !strings.HasPrefix(msg, "multiline") || !strings.Contains(msg, "not terminated") {
		return -1, ""
	}
	delim := `"""`
	if strings.Contains(msg, "literal") {
		delim = "'''"
	}
	return bytes.LastIndex(src, []byte(delim)), delim
}

// explainSyntax turns go-toml's message about the text at rest into a
// summary and a hint, for the mistakes people make most, and says how many
// bytes of rest the mistake spans when it knows (a bare word), else 0.
func explainSyntax(msg string, rest []byte) (summary, hint string, width int) {
	n := 0
	for n < len(rest) && (isBareKeyByte(rest[n]) || rest[n] == '.') {
		n++
	}
	word := rest[:n]
	badStart := strings.HasPrefix(msg, "unexpected character") && strings.HasSuffix(msg, "at start of value")
	switch {
	case strings.Contains(msg, "nested more than"):
		return lowerFirst(msg), "flatten the value; shoal files never need this much nesting", 0
	case strings.HasPrefix(msg, "expected value, not end of input"),
		badStart && (len(rest) == 0 || rest[0] == '\n' || rest[0] == '\r' || rest[0] == '#'):
		return "the value is missing", "write a value after \"=\", such as \"text\", 42 or true", 0
	case len(word) > 0 && (badStart || strings.HasPrefix(msg, "expected keyword")):
		return "text must be quoted", fmt.Sprintf("write %q; of bare words, TOML knows only true and false", word), len(word)
	}
	return lowerFirst(msg), "", 0
}

// unquotedValue returns the value of the key = value line holding offset
// when it looks like text someone forgot to quote (an address, a version,
// a path: 10.0.0.1, 26.05.1, /srv/data), else "".
func unquotedValue(src []byte, offset int) string {
	lineStart := bytes.LastIndexByte(src[:offset], '\n') + 1
	lineEnd := bytes.IndexByte(src[offset:], '\n')
	if lineEnd < 0 {
		lineEnd = len(src)
	} else {
		lineEnd += offset
	}
	line := string(src[lineStart:lineEnd])
	_, value, ok := strings.Cut(line, "=")
	if !ok {
		return ""
	}
	value, _, _ = strings.Cut(value, " #")
	value = strings.TrimSpace(value)
	if value == "" || strings.ContainsAny(value[:1], "\"'[{") || !strings.ContainsAny(value, ".:/-") || strings.ContainsAny(value, "\"'") {
		return ""
	}
	return value
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	r, n := utf8.DecodeRuneInString(s)
	if r < utf8.RuneSelf && r >= 'A' && r <= 'Z' && !(len(s) > n && s[n] >= 'A' && s[n] <= 'Z') {
		return strings.ToLower(s[:n]) + s[n:]
	}
	return s
}

func (b *builder) span(r unstable.Range) Span {
	return Span{int32(r.Offset), int32(r.Offset + r.Length)}
}

type keyPart struct {
	name string
	span Span
}

// node returns a new node holding n. Nodes are allocated in blocks that
// grow with the document: it has a node per value, and they all live as
// long as the Doc.
func (b *builder) node(n Node) *Node {
	if len(b.nodes) == cap(b.nodes) {
		b.nodes = make([]Node, 0, min(2*cap(b.nodes)+8, 256))
	}
	b.nodes = append(b.nodes, n)
	return &b.nodes[len(b.nodes)-1]
}

// table returns a new table starting at span, with room for that many
// keys before its slices grow. The room is carved from blocks shared by
// the tables of the document: most tables have a handful of keys, and
// growing each table's slices key by key costs more than the nodes.
func (b *builder) table(span Span, room int) *Node {
	t := b.node(Node{Kind: Table, Span: span, KeySpan: span})
	if len(b.keys)+room > cap(b.keys) {
		b.keys = make([]string, 0, max(room, 1024))
	}
	start, end := len(b.keys), len(b.keys)+room
	t.Keys, b.keys = b.keys[start:start:end], b.keys[:end]
	t.Items = b.room(room)
	return t
}

// room returns an empty slice of nodes with room for n, carved from the
// current block.
func (b *builder) room(n int) []*Node {
	if len(b.vals)+n > cap(b.vals) {
		b.vals = make([]*Node, 0, max(n, 1024))
	}
	start, end := len(b.vals), len(b.vals)+n
	b.vals = b.vals[:end]
	return b.vals[start:start:end]
}

// Rooms of new tables (see table): a dotted key's table gets few keys; a
// [header]'s gets what roomAfter reckons, at most maxHeaderRoom.
const (
	dottedRoom    = 2
	maxHeaderRoom = 64
)

// roomAfter reckons how many keys the table of the [header] whose name
// spans the source from start to end will hold: one per key = value line
// up to the next header (a run of dotted keys with the same first part
// makes one key; a line without "=" continues a multi-line array), and
// one per header right after those lines that names a table inside it
// ([a] followed by [a.b]: key b). The reckoning only sizes the table's
// first slices; a table that outgrows them grows them.
func (b *builder) roomAfter(start, end int32) int {
	src := b.doc.Src
	name := src[start:end]
	room := 0
	var prev []byte // the first part of the last key counted
	inside := false // past the header lines of tables inside this one
	for off := int(end); room < maxHeaderRoom; {
		nl := bytes.IndexByte(src[off:], '\n')
		if nl < 0 {
			break
		}
		off += nl + 1
		line := bytes.TrimLeft(src[off:], " \t")
		if len(line) == 0 {
			break
		}
		switch c := line[0]; {
		case c == '[':
			sub := bytes.TrimLeft(line[1:], " \t")
			if !bytes.HasPrefix(sub, name) || len(sub) == len(name) || sub[len(name)] != '.' {
				return max(room, 1)
			}
			inside = true
			room++
		case inside || !(isBareKeyByte(c) || c == '"' || c == '\''):
		default:
			eol := bytes.IndexByte(line, '\n')
			if eol < 0 {
				eol = len(line)
			}
			if bytes.IndexByte(line[:eol], '=') < 0 {
				continue // an element of a multi-line array
			}
			first := line[:max(bytes.IndexAny(line, ".= \t\n"), 0)]
			if !bytes.Equal(first, prev) {
				room++
				prev = first
			}
		}
	}
	return max(room, 1)
}

// keyParts reads a dotted key onto b.parts and returns its parts; the
// caller truncates b.parts back when done with them.
func (b *builder) keyParts(it unstable.Iterator) []keyPart {
	start := len(b.parts)
	for it.Next() {
		k := it.Node()
		if bytes.IndexByte(k.Data, 0) >= 0 {
			b.errorAt(diag.CodeSyntax, b.span(k.Raw), "a key cannot hold the NUL character (\\u0000): Nix attribute names cannot").
				Hintf("remove the \\u0000 escape")
		}
		b.parts = append(b.parts, keyPart{b.text(k.Data), b.span(k.Raw)})
	}
	return b.parts[start:len(b.parts):len(b.parts)]
}

// text returns data as a string: a view of the source when data lies in
// it (a key or a string written without escapes, most of them), else a
// copy.
func (b *builder) text(data []byte) string {
	if len(data) == 0 {
		return ""
	}
	src := b.doc.Src
	if off := cap(src) - cap(data); off >= 0 && off+len(data) <= len(src) && &src[off] == &data[0] {
		return b.src[off : off+len(data)]
	}
	return string(data)
}

func (b *builder) expression(e *unstable.Node) {
	switch e.Kind {
	case unstable.KeyValue:
		b.path = append(b.path[:0], b.curPath...)
		b.keyValue(b.cur, e)
	case unstable.Table, unstable.ArrayTable:
		b.header(e)
	}
}

// header handles [a.b] and [[a.b]].
func (b *builder) header(e *unstable.Node) {
	parts := b.keyParts(e.Key())
	defer func() { b.parts = b.parts[:0] }()
	if len(parts) > MaxKeyDepth {
		b.errorAt(diag.CodeSyntax, parts[MaxKeyDepth].span, "table name has more than %d parts", MaxKeyDepth)
		b.cur, b.curPath = newTable(Span{}), nil // swallow what follows
		return
	}
	arrayTable := e.Kind == unstable.ArrayTable
	t := b.doc.Root
	// The header's path is built in a buffer of the builder: curPath,
	// the only thing that keeps it, is replaced by the next header.
	path := b.headerPath[:0]
	defer func() { b.headerPath = path[:0] }()
	room := b.roomAfter(parts[0].span.Start, parts[len(parts)-1].span.End)
	for i, part := range parts {
		last := i == len(parts)-1
		path = append(path, part.name)
		existing := t.Get(part.name)
		if existing == nil {
			var n *Node
			switch {
			case last && arrayTable:
				n = b.node(Node{Kind: Array, aot: true, Span: part.span, KeySpan: part.span})
				item := b.table(part.span, room)
				item.header = true
				n.Items = append(n.Items, item)
				t.set(part.name, n)
				b.cur, b.curPath = item, append(path, "0")
				return
			case last:
				n = b.table(part.span, room)
				n.header = true
			default:
				n = b.table(part.span, dottedRoom)
				n.implicit = true
			}
			t.set(part.name, n)
			t = n
			if last {
				b.cur, b.curPath = n, path
			}
			continue
		}
		if last {
			b.redefine(existing, part, path, arrayTable, room)
			return
		}
		next, ok := b.descend(existing, part, path)
		if !ok {
			return
		}
		if existing.Kind == Array {
			path = append(path, strconv.Itoa(len(existing.Items)-1))
		}
		t = next
	}
}

// descend steps into an existing node on the way to a header's table.
func (b *builder) descend(n *Node, part keyPart, path diag.Path) (*Node, bool) {
	switch {
	case n.Kind == Table && !n.inline:
		return n, true
	case n.Kind == Array && n.aot:
		return n.Items[len(n.Items)-1], true
	}
	b.conflict(n, part, path, "cannot define a table inside %q: it is already %s", part.name, n.Describe())
	return nil, false
}

// redefine handles a header whose final key already exists.
func (b *builder) redefine(n *Node, part keyPart, path diag.Path, arrayTable bool, room int) {
	switch {
	case arrayTable && n.Kind == Array && n.aot:
		item := b.table(part.span, room)
		item.header = true
		n.Items = append(n.Items, item)
		b.cur, b.curPath = item, append(path, strconv.Itoa(len(n.Items)-1))
		return
	case !arrayTable && n.Kind == Table && n.implicit && !n.header:
		n.header, n.implicit = true, false
		n.Span, n.KeySpan = part.span, part.span
		b.cur, b.curPath = n, path
		return
	case !arrayTable && n.Kind == Table && n.header:
		b.conflict(n, part, path, "table [%s] is defined twice", joinKey(path))
	case n.Kind == Table && n.dotted:
		b.conflict(n, part, path, "table %q was already defined with dotted keys", joinKey(path))
	case n.Kind == Table && n.inline:
		b.conflict(n, part, path, "table %q was already defined as an inline table", joinKey(path))
	default:
		b.conflict(n, part, path, "%q is already defined as %s", joinKey(path), n.Describe())
	}
	b.cur, b.curPath = newTable(Span{}), nil // swallow what follows
}

func (b *builder) conflict(first *Node, at keyPart, path diag.Path, format string, args ...any) {
	b.errorAt(diag.CodeDuplicate, at.span, format, args...).
		RelateAt(b.doc.Name, b.doc.PosOf(first.KeySpan), "first defined here").
		Hintf("each key and table may be defined only once; merge the two definitions")
}

// keyValue inserts key = value into table t, whose path is b.path.
func (b *builder) keyValue(t *Node, e *unstable.Node) {
	mark, depth := len(b.parts), len(b.path)
	defer func() { b.parts, b.path = b.parts[:mark], b.path[:depth] }()
	parts := b.keyParts(e.Key())
	if len(parts) > MaxKeyDepth {
		b.errorAt(diag.CodeSyntax, parts[MaxKeyDepth].span, "key has more than %d parts", MaxKeyDepth)
		return
	}
	for _, part := range parts[:len(parts)-1] {
		b.path = append(b.path, part.name)
		existing := t.Get(part.name)
		if existing == nil {
			n := b.table(part.span, dottedRoom)
			n.dotted = true
			t.set(part.name, n)
			t = n
			continue
		}
		if existing.Kind != Table || existing.inline || existing.header || existing.implicit {
			what := existing.Describe()
			if existing.Kind == Table && existing.inline {
				what = "an inline table, which cannot be extended"
			} else if existing.Kind == Table {
				what = "a table defined by a [header]; put the key under that header"
			}
			b.conflict(existing, part, b.path, "cannot add keys to %q: it is already %s", joinKey(b.path), what)
			return
		}
		t = existing
	}
	last := parts[len(parts)-1]
	b.path = append(b.path, last.name)
	if existing := t.Get(last.name); existing != nil {
		b.conflict(existing, last, b.path, "key %q is defined twice", joinKey(b.path))
		return
	}
	v := b.value(e.Value(), last.span.End)
	if v == nil {
		return
	}
	v.KeySpan = last.span
	t.set(last.name, v)
}

// MaxValueDepth bounds how deeply arrays and inline tables may nest.
const MaxValueDepth = 32

// value converts a value node that starts at or after offset from. It
// returns nil after reporting an error, and leaves in b.end the offset just
// past the value.
func (b *builder) value(v *unstable.Node, from int32) *Node {
	span := b.span(v.Raw)
	if v.Kind == unstable.Array {
		// go-toml gives arrays no range: find the opening bracket.
		if start := b.skipBlank(from); int(start) < len(b.doc.Src) && b.doc.Src[start] == '[' {
			span = Span{start, start + 1}
		}
	}
	b.end = span.End
	if v.Kind == unstable.Array || v.Kind == unstable.InlineTable {
		b.depth++
		defer func() { b.depth-- }()
	}
	if b.depth > MaxValueDepth {
		b.errorAt(diag.CodeSyntax, span, "values are nested more than %d levels deep", MaxValueDepth).
			Hintf("flatten the value; shoal files never need this much nesting")
		return nil
	}
	switch v.Kind {
	case unstable.String:
		if bytes.IndexByte(v.Data, 0) >= 0 {
			b.errorAt(diag.CodeSyntax, span, "a string cannot hold the NUL character (\\u0000): Nix strings cannot").
				Hintf("remove the \\u0000 escape")
			return nil
		}
		return b.node(Node{Kind: String, Str: b.text(v.Data), Span: span})
	case unstable.Bool:
		return b.node(Node{Kind: Bool, Bool: v.Data[0] == 't', Span: span})
	case unstable.Integer:
		i, err := parseInt(string(v.Data))
		if err != nil {
			b.errorAt(diag.CodeSyntax, span, "integer %s does not fit in 64 bits", v.Data)
			return nil
		}
		return b.node(Node{Kind: Integer, Int: i, Span: span})
	case unstable.Float:
		f, err := parseFloat(string(v.Data))
		if err != nil {
			b.errorAt(diag.CodeSyntax, span, "invalid float %s", v.Data)
			return nil
		}
		// Every value may end up in Nix, whose floats are finite and normal.
		switch {
		case math.IsInf(f, 0) || math.IsNaN(f):
			b.errorAt(diag.CodeSyntax, span, "%s is not a number Nix can hold: Nix has no infinity or NaN", v.Data)
			return nil
		case f != 0 && math.Abs(f) < 0x1p-1022:
			b.errorAt(diag.CodeSyntax, span, "float %s is too close to zero for Nix, which refuses subnormal numbers", v.Data).
				Hintf("write 0.0, or a number no smaller than 2.2250738585072014e-308")
			return nil
		}
		return b.node(Node{Kind: Float, Int: int64(math.Float64bits(f)), Span: span})
	case unstable.LocalDate, unstable.LocalTime, unstable.LocalDateTime, unstable.DateTime:
		return b.node(Node{Kind: DateTime, Str: b.text(v.Data), Span: span})
	case unstable.Array:
		arr := b.node(Node{Kind: Array, inline: true, Span: span})
		room := 0
		for it := v.Children(); it.Next(); {
			if it.Node().Kind != unstable.Comment {
				room++
			}
		}
		arr.Items = b.room(room)
		next := span.End
		it := v.Children()
		for i := 0; it.Next(); {
			c := it.Node()
			if c.Kind == unstable.Comment {
				continue
			}
			b.path = append(b.path, strconv.Itoa(i))
			item := b.value(c, next)
			b.path = b.path[:len(b.path)-1]
			if item == nil {
				return nil
			}
			arr.Items = append(arr.Items, item)
			next = b.end
			i++
		}
		b.end = b.closing(next, ']')
		if arr.Span.End > arr.Span.Start {
			arr.Span.End = b.end
		} else if len(arr.Items) > 0 {
			arr.Span = arr.Items[0].Span
		}
		return arr
	case unstable.InlineTable:
		room := 0
		for it := v.Children(); it.Next(); {
			if it.Node().Kind == unstable.KeyValue {
				room++
			}
		}
		tbl := b.table(span, room)
		tbl.inline = true
		it := v.Children()
		for it.Next() {
			c := it.Node()
			if c.Kind != unstable.KeyValue {
				continue
			}
			before := len(b.diags)
			b.keyValue(tbl, c)
			if len(b.diags) > before {
				return nil
			}
		}
		b.end = b.closing(b.end, '}')
		// Dotted keys inside an inline table are part of it and closed too.
		sealInline(tbl)
		return tbl
	}
	b.errorAt(diag.CodeSyntax, span, "unsupported value")
	return nil
}

// skipBlank returns the offset of the first byte at or after off that is
// not white space, a comma, an equals sign or part of a comment: between a
// key and its value, and between the elements of an array, nothing else can
// stand.
func (b *builder) skipBlank(off int32) int32 {
	src := b.doc.Src
	for int(off) < len(src) {
		switch src[off] {
		case ' ', '\t', '\r', '\n', ',', '=':
			off++
		case '#':
			for int(off) < len(src) && src[off] != '\n' {
				off++
			}
		default:
			return off
		}
	}
	return off
}

// closing returns the offset just past the bracket that closes an array or
// inline table whose last element ends at off, or off if it is not there.
func (b *builder) closing(off int32, bracket byte) int32 {
	if end := b.skipBlank(off); int(end) < len(b.doc.Src) && b.doc.Src[end] == bracket {
		return end + 1
	}
	return off
}

func sealInline(t *Node) {
	for _, c := range t.Items {
		if c.Kind == Table && c.dotted {
			c.inline = true
			sealInline(c)
		}
	}
}

func parseInt(s string) (int64, error) {
	s = strings.ReplaceAll(s, "_", "")
	return strconv.ParseInt(s, 0, 64)
}

func parseFloat(s string) (float64, error) {
	s = strings.ReplaceAll(s, "_", "")
	switch s {
	case "inf", "+inf":
		return math.Inf(1), nil
	case "-inf":
		return math.Inf(-1), nil
	case "nan", "+nan", "-nan":
		return math.NaN(), nil
	}
	return strconv.ParseFloat(s, 64)
}

func joinKey(p diag.Path) string {
	var sb strings.Builder
	for i, k := range p {
		if i > 0 {
			sb.WriteByte('.')
		}
		if isBareKey(k) {
			sb.WriteString(k)
		} else {
			sb.WriteString(strconv.Quote(k))
		}
	}
	return sb.String()
}

func isBareKey(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isBareKeyByte(s[i]) {
			return false
		}
	}
	return true
}

func isBareKeyByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-'
}
