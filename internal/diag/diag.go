package diag

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Severity says how bad a finding is.
type Severity int

const (
	// Error findings make shoal check fail.
	Error Severity = iota
	// Warning findings are reported; shoal check --strict fails on them.
	Warning
	// Info findings tell the user something to do that shoal cannot check,
	// such as the secret files a machine needs; they never fail a check.
	Info
)

// String returns "error", "warning" or "info".
func (s Severity) String() string {
	switch s {
	case Warning:
		return "warning"
	case Info:
		return "info"
	}
	return "error"
}

// MarshalText renders the severity for JSON output.
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// Path locates a value inside a document: table keys, and list indexes written
// in decimal. The empty path is the whole document.
type Path []string

// P builds a path from keys and indexes; ints become list indexes.
func P(parts ...any) Path {
	p := make(Path, 0, len(parts))
	for _, part := range parts {
		switch v := part.(type) {
		case string:
			p = append(p, v)
		case int:
			p = append(p, strconv.Itoa(v))
		case Path:
			p = append(p, v...)
		default:
			panic(fmt.Sprintf("diag.P: unsupported path element %T", part))
		}
	}
	return p
}

// Child returns a new path with the given elements appended; p is not changed.
func (p Path) Child(parts ...any) Path {
	// Paths are built for every key of a fleet file, so this avoids the
	// intermediate []any that P(append([]any{p}, parts...)...) would need.
	out := make(Path, len(p), len(p)+len(parts))
	copy(out, p)
	for _, part := range parts {
		switch v := part.(type) {
		case string:
			out = append(out, v)
		case int:
			out = append(out, strconv.Itoa(v))
		case Path:
			out = append(out, v...)
		default:
			panic(fmt.Sprintf("diag.Path.Child: unsupported path element %T", part))
		}
	}
	return out
}

// Key returns a new path with the key k appended; p is not changed. It is
// Child(k) without the interface conversion, for the decoders that build a
// path for every key of a file.
func (p Path) Key(k string) Path {
	out := make(Path, len(p)+1)
	copy(out, p)
	out[len(p)] = k
	return out
}

// String renders the path as $.a.b.2, quoting keys that are not bare.
func (p Path) String() string {
	var b strings.Builder
	b.WriteString("$")
	for _, k := range p {
		b.WriteByte('.')
		if isBare(k) {
			b.WriteString(k)
		} else {
			b.WriteString(strconv.Quote(k))
		}
	}
	return b.String()
}

func isBare(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-') {
			return false
		}
	}
	return true
}

// Pos is a 1-based position range in a file. A zero Line means unknown.
type Pos struct {
	Line    int `json:"line"`
	Col     int `json:"column"`
	EndLine int `json:"end_line"`
	EndCol  int `json:"end_column"`
}

// Known reports whether the position was resolved.
func (p Pos) Known() bool { return p.Line > 0 }

// Related is another place that explains a diagnostic ("enabled here").
type Related struct {
	Message string `json:"message"`
	File    string `json:"file,omitempty"`
	Path    Path   `json:"path,omitempty"`
	Pos     Pos    `json:"position"`
}

// Diagnostic is one finding about a user's files.
type Diagnostic struct {
	Code     Code      `json:"code"`
	Severity Severity  `json:"severity"`
	Summary  string    `json:"summary"`
	Hint     string    `json:"hint,omitempty"`
	File     string    `json:"file"`
	Path     Path      `json:"path"`
	Pos      Pos       `json:"position"`
	Related  []Related `json:"related,omitempty"`
	// Exact is true when Pos is the position of Path itself, false when
	// Correlate fell back to a parent. Validators should only emit paths
	// that resolve exactly; a test holds them to it.
	Exact bool `json:"-"`
	// posSet marks diagnostics whose position came from the parser itself
	// (syntax errors) and must not be correlated.
	posSet bool
}

// WithPos returns d positioned directly, bypassing correlation; only the
// parser uses it, for text that has no path yet.
func (d Diagnostic) WithPos(p Pos) Diagnostic {
	d.Pos, d.posSet, d.Exact = p, true, true
	return d
}

// Error renders the diagnostic on one line, so a Diagnostic is an error.
func (d Diagnostic) Error() string {
	return fmt.Sprintf("%s:%d:%d: %s[%s]: %s", d.File, d.Pos.Line, d.Pos.Col, d.Severity, d.Code, d.Summary)
}

// List is an ordered collection of diagnostics.
type List []Diagnostic

// Add appends d and returns a reference to it for further decoration.
func (l *List) Add(d Diagnostic) Ref {
	*l = append(*l, d)
	return Ref{l, len(*l) - 1}
}

// Errorf appends an error diagnostic and returns a reference to it for
// further decoration.
func (l *List) Errorf(code Code, file string, path Path, format string, args ...any) Ref {
	return l.add(Error, code, file, path, format, args...)
}

// Warnf appends a warning diagnostic and returns a reference to it for
// further decoration.
func (l *List) Warnf(code Code, file string, path Path, format string, args ...any) Ref {
	return l.add(Warning, code, file, path, format, args...)
}

// Infof appends an info diagnostic and returns a reference to it.
func (l *List) Infof(code Code, file string, path Path, format string, args ...any) Ref {
	return l.add(Info, code, file, path, format, args...)
}

func (l *List) add(sev Severity, code Code, file string, path Path, format string, args ...any) Ref {
	return l.Add(Diagnostic{Code: code, Severity: sev, File: file, Path: slices.Clone(path), Summary: fmt.Sprintf(format, args...)})
}

// Ref refers to one diagnostic of a List by its index, so it stays valid
// while more diagnostics are appended (a pointer into the List would not:
// an append may move its elements). Sorting or filtering the List
// invalidates it; decorate a diagnostic before that.
type Ref struct {
	l *List
	i int
}

func (r Ref) d() *Diagnostic { return &(*r.l)[r.i] }

// Diagnostic returns a copy of the diagnostic r refers to.
func (r Ref) Diagnostic() Diagnostic { return *r.d() }

// Hintf sets the hint and returns r.
func (r Ref) Hintf(format string, args ...any) Ref {
	r.d().Hint = fmt.Sprintf(format, args...)
	return r
}

// SetHint sets the hint to h, which may be empty, and returns r.
func (r Ref) SetHint(h string) Ref {
	r.d().Hint = h
	return r
}

// Relate adds a related location and returns r.
func (r Ref) Relate(file string, path Path, format string, args ...any) Ref {
	d := r.d()
	d.Related = append(d.Related, Related{Message: fmt.Sprintf(format, args...), File: file, Path: slices.Clone(path)})
	return r
}

// RelateAt adds a related location whose position is already known, as the
// parser knows it for text that has no path, and returns r.
func (r Ref) RelateAt(file string, pos Pos, format string, args ...any) Ref {
	d := r.d()
	d.Related = append(d.Related, Related{Message: fmt.Sprintf(format, args...), File: file, Pos: pos})
	return r
}

// Findings returns the errors and warnings of l, without the infos: what
// a fleet that checks clean has none of.
func (l List) Findings() List {
	var out List
	for _, d := range l {
		if d.Severity != Info {
			out = append(out, d)
		}
	}
	return out
}

// HasErrors reports whether any diagnostic is an error.
func (l List) HasErrors() bool { return l.Count(Error) > 0 }

// Count returns how many diagnostics have severity s.
func (l List) Count(s Severity) int {
	n := 0
	for _, d := range l {
		if d.Severity == s {
			n++
		}
	}
	return n
}

// Error makes a non-empty List usable as an error.
func (l List) Error() string {
	switch len(l) {
	case 0:
		return "no diagnostics"
	case 1:
		return l[0].Error()
	}
	return fmt.Sprintf("%s (and %d more)", l[0].Error(), len(l)-1)
}

// Locator maps a path inside one file to a position. exact is false when
// only a parent of the path exists and its position was returned instead.
type Locator interface {
	Locate(p Path) (pos Pos, exact bool)
}

// Correlate fills in the positions of every diagnostic and related location
// from the locators, keyed by file name. Files without a locator keep a zero
// position.
func (l List) Correlate(files map[string]Locator) {
	for i := range l {
		d := &l[i]
		if !d.posSet {
			if loc := files[d.File]; loc != nil {
				d.Pos, d.Exact = loc.Locate(d.Path)
			}
		}
		for j := range d.Related {
			r := &d.Related[j]
			if r.Pos.Known() {
				continue
			}
			if loc := files[r.File]; loc != nil {
				r.Pos, _ = loc.Locate(r.Path)
			}
		}
	}
}

// Sort orders diagnostics by file, position, then code, for stable output.
func (l List) Sort() {
	slices.SortStableFunc(l, func(a, b Diagnostic) int {
		return cmp.Or(
			cmp.Compare(a.File, b.File),
			cmp.Compare(a.Pos.Line, b.Pos.Line),
			cmp.Compare(a.Pos.Col, b.Pos.Col),
			cmp.Compare(a.Code, b.Code),
			cmp.Compare(a.Summary, b.Summary),
		)
	})
}
