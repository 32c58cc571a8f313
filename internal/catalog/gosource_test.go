package catalog

import (
	"bytes"
	"fmt"
	"go/format"
	"maps"
	"path"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// goSource writes a value as Go source: package variables initialized by
// composite literals, which the compiler lays out as data when they hold
// nothing but constants, literals and the addresses of other such
// variables, so that a program pays nothing at start for them. What the
// linker cannot lay out (maps, compiled regular expressions, and
// interface values holding them) is left zero there and set by statements
// that goSource collects for a function to run on first use.
//
// Pointers keep their sharing: a struct two places point to becomes a
// variable of its own that both take the address of. Unexported fields of
// other packages cannot be written; the ones listed in skipUnexported are
// caches or parser state, left zero, and any other that is set is an
// error.
type goSource struct {
	pkg     string            // the import path of the package written
	prefix  string            // of the names of the variables made
	imports map[string]string // import path -> name
	refs    map[pointer]int   // how many places hold each pointer
	names   map[pointer]string
	counts  map[string]int // variables made, by type name
	vars    bytes.Buffer   // the declarations made so far
	queue   []queued       // variables named but not yet declared
	fixes   []string       // statements that finish the data
	err     error
}

type pointer struct {
	addr uintptr
	typ  reflect.Type
}

type queued struct {
	name string
	v    reflect.Value
}

// skipUnexported lists the unexported fields of other packages' types that
// goSource leaves zero: caches and the parser's bookkeeping, which a
// parsed document that is only read does not need.
var skipUnexported = map[string]bool{
	"tomltree.Node.index":    true, // a lookup index of large tables; Get scans without it
	"tomltree.Node.header":   true,
	"tomltree.Node.implicit": true,
	"tomltree.Node.dotted":   true,
	"tomltree.Node.inline":   true,
	"tomltree.Node.aot":      true,
	"tomltree.Doc.lines":     true, // line starts, computed on first use
}

func newGoSource(pkg, prefix string) *goSource {
	return &goSource{pkg: pkg, prefix: prefix, imports: map[string]string{}, refs: map[pointer]int{}, names: map[pointer]string{}, counts: map[string]int{}}
}

// count records how many places hold each pointer reachable from v.
func (g *goSource) count(v reflect.Value) {
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			return
		}
		k := pointer{v.Pointer(), v.Type()}
		g.refs[k]++
		if g.refs[k] == 1 {
			g.count(v.Elem())
		}
	case reflect.Interface:
		if !v.IsNil() {
			g.count(v.Elem())
		}
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			g.count(v.Index(i))
		}
	case reflect.Struct:
		for i := range v.NumField() {
			g.count(v.Field(i))
		}
	case reflect.Map:
		for _, k := range v.MapKeys() {
			g.count(v.MapIndex(k))
		}
	}
}

// declare writes the variable name holding v, and every variable it
// leads to.
func (g *goSource) declare(name string, v reflect.Value) {
	g.queue = append(g.queue, queued{name, v})
	for len(g.queue) > 0 && g.err == nil {
		q := g.queue[0]
		g.queue = g.queue[1:]
		e := g.expr(q.v, q.name, true, false)
		if q.v.Kind() == reflect.Struct {
			fmt.Fprintf(&g.vars, "var %s = %s\n\n", q.name, e)
		} else {
			fmt.Fprintf(&g.vars, "var %s %s = %s\n\n", q.name, g.typeName(q.v.Type()), e)
		}
	}
}

func (g *goSource) fail(format string, args ...any) string {
	if g.err == nil {
		g.err = fmt.Errorf(format, args...)
	}
	return "nil"
}

// qualify returns the name of t's package as this file refers to it,
// with a dot, importing it.
func (g *goSource) qualify(t reflect.Type) string {
	p := t.PkgPath()
	if p == "" || p == g.pkg {
		return ""
	}
	name := path.Base(p)
	g.imports[p] = name
	return name + "."
}

// typeName writes t as Go source.
func (g *goSource) typeName(t reflect.Type) string {
	if t.Name() != "" {
		return g.qualify(t) + t.Name()
	}
	switch t.Kind() {
	case reflect.Slice:
		return "[]" + g.typeName(t.Elem())
	case reflect.Array:
		return fmt.Sprintf("[%d]%s", t.Len(), g.typeName(t.Elem()))
	case reflect.Pointer:
		return "*" + g.typeName(t.Elem())
	case reflect.Map:
		return "map[" + g.typeName(t.Key()) + "]" + g.typeName(t.Elem())
	case reflect.Interface:
		if t.NumMethod() == 0 {
			return "any"
		}
	}
	return g.fail("cannot write type %s", t)
}

var regexpType = reflect.TypeFor[regexp.Regexp]()

// dynamic reports whether v holds what the linker cannot lay out, other
// than behind a pointer to a struct (which becomes a variable of its own).
func dynamic(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Map:
		return !v.IsNil()
	case reflect.Pointer:
		return !v.IsNil() && v.Type().Elem() == regexpType
	case reflect.Interface:
		return !v.IsNil() && dynamic(v.Elem())
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			if dynamic(v.Index(i)) {
				return true
			}
		}
	case reflect.Struct:
		for i := range v.NumField() {
			if dynamic(v.Field(i)) {
				return true
			}
		}
	}
	return false
}

// expr writes v as an expression of its type. lv is where v is stored,
// for the statements that finish what static data cannot hold; static
// says the expression initializes a package variable (else it is run in
// the finishing function); elide says v is an element of a composite
// literal, whose type may be left out.
func (g *goSource) expr(v reflect.Value, lv string, static, elide bool) string {
	t := v.Type()
	switch v.Kind() {
	case reflect.Bool:
		return strconv.FormatBool(v.Bool())
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return strconv.FormatInt(v.Int(), 10)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return strconv.FormatUint(v.Uint(), 10)
	case reflect.Float32, reflect.Float64:
		f := strconv.FormatFloat(v.Float(), 'g', -1, 64)
		if _, err := strconv.ParseFloat(f, 64); err != nil || strings.ContainsAny(f, "IN") {
			return g.fail("cannot write float %v", v.Float())
		}
		return f
	case reflect.String:
		return strconv.Quote(v.String())
	case reflect.Slice:
		if v.IsNil() {
			return "nil"
		}
		if t.Elem().Kind() == reflect.Uint8 && t.Name() == "" {
			return "[]byte(" + strconv.Quote(string(v.Bytes())) + ")"
		}
		return g.elements(v, lv, static)
	case reflect.Array:
		return g.elements(v, lv, static)
	case reflect.Struct:
		return g.structExpr(v, lv, static, elide)
	case reflect.Pointer:
		return g.pointerExpr(v, lv, static, elide)
	case reflect.Interface:
		if v.IsNil() {
			return "nil"
		}
		if static && dynamic(v) {
			g.fixes = append(g.fixes, lv+" = "+g.typed(v.Elem(), false))
			return "nil"
		}
		return g.typed(v.Elem(), static)
	case reflect.Map:
		if v.IsNil() {
			return "nil"
		}
		if static {
			g.fixes = append(g.fixes, lv+" = "+g.expr(v, "", false, false))
			return "nil"
		}
		keys := v.MapKeys()
		slices.SortFunc(keys, func(a, b reflect.Value) int { return strings.Compare(fmt.Sprint(a), fmt.Sprint(b)) })
		var b strings.Builder
		b.WriteString(g.typeName(t) + "{\n")
		for _, k := range keys {
			fmt.Fprintf(&b, "%s: %s,\n", g.expr(k, "", false, true), g.expr(v.MapIndex(k), "", false, true))
		}
		b.WriteString("}")
		return b.String()
	}
	return g.fail("cannot write a %s", t)
}

// typed writes v as an expression of its own type, for an interface.
func (g *goSource) typed(v reflect.Value, static bool) string {
	e := g.expr(v, "", static, false)
	switch v.Kind() {
	case reflect.String, reflect.Bool:
		if v.Type().Name() == v.Kind().String() && v.Type().PkgPath() == "" {
			return e
		}
		fallthrough
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Float32, reflect.Float64:
		return g.typeName(v.Type()) + "(" + e + ")"
	case reflect.Slice:
		if e == "nil" {
			return g.typeName(v.Type()) + "(nil)"
		}
	}
	return e
}

func (g *goSource) elements(v reflect.Value, lv string, static bool) string {
	var b strings.Builder
	b.WriteString(g.typeName(v.Type()) + "{")
	for i := range v.Len() {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(g.expr(v.Index(i), fmt.Sprintf("%s[%d]", lv, i), static, true))
	}
	b.WriteString("}")
	return b.String()
}

func (g *goSource) structExpr(v reflect.Value, lv string, static, elide bool) string {
	t := v.Type()
	var b strings.Builder
	if !elide {
		b.WriteString(g.typeName(t))
	}
	b.WriteString("{")
	first := true
	for i := range t.NumField() {
		f, fv := t.Field(i), v.Field(i)
		if fv.IsZero() {
			continue
		}
		if !f.IsExported() && t.PkgPath() != g.pkg {
			key := path.Base(t.PkgPath()) + "." + t.Name() + "." + f.Name
			if skipUnexported[key] {
				continue
			}
			return g.fail("cannot write %s, set and unexported", key)
		}
		e := g.expr(fv, lv+"."+f.Name, static, false)
		if e == "nil" {
			continue // set by a statement of the finishing function
		}
		if !first {
			b.WriteString(", ")
		}
		first = false
		fmt.Fprintf(&b, "%s: %s", f.Name, e)
	}
	b.WriteString("}")
	return b.String()
}

func (g *goSource) pointerExpr(v reflect.Value, lv string, static, elide bool) string {
	if v.IsNil() {
		return "nil"
	}
	t := v.Type().Elem()
	if t == regexpType {
		re := "regexp.MustCompile(" + strconv.Quote(v.Interface().(*regexp.Regexp).String()) + ")"
		g.imports["regexp"] = "regexp"
		if static {
			g.fixes = append(g.fixes, lv+" = "+re)
			return "nil"
		}
		return re
	}
	k := pointer{v.Pointer(), v.Type()}
	if t.Kind() == reflect.Struct && static && g.refs[k] < 2 {
		s := g.structExpr(v.Elem(), lv, static, elide)
		if elide {
			return s
		}
		return "&" + s
	}
	name, ok := g.names[k]
	if !ok {
		tn := t.Name()
		if tn == "" {
			tn = "Value"
		}
		tn = strings.ToUpper(tn[:1]) + tn[1:]
		g.counts[tn]++
		name = fmt.Sprintf("%s%s%d", g.prefix, tn, g.counts[tn])
		g.names[k] = name
		g.queue = append(g.queue, queued{name, v.Elem()})
	}
	return "&" + name
}

// file returns the Go file: header, package clause, imports, the
// finishing function (called fn, with the doc comment doc, returning
// result) and the variables.
func (g *goSource) file(header, pkgName, fn, doc, result, resultType string) ([]byte, error) {
	if g.err != nil {
		return nil, g.err
	}
	var b bytes.Buffer
	b.WriteString(header)
	fmt.Fprintf(&b, "package %s\n\nimport (\n", pkgName)
	paths := slices.Sorted(maps.Keys(g.imports))
	for _, std := range []bool{true, false} { // the standard library first
		for _, p := range paths {
			if !strings.Contains(p, ".") == std {
				fmt.Fprintf(&b, "%q\n", p)
			}
		}
		b.WriteString("\n")
	}
	fmt.Fprintf(&b, ")\n\n%sfunc %s() %s {\n", doc, fn, resultType)
	for _, f := range g.fixes {
		b.WriteString(f + "\n")
	}
	fmt.Fprintf(&b, "return %s\n}\n\n", result)
	b.Write(g.vars.Bytes())
	src, err := format.Source(b.Bytes())
	if err != nil {
		return nil, fmt.Errorf("format the generated source: %w", err)
	}
	return src, nil
}
