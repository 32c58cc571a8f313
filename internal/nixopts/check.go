package nixopts

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"
)

// Check reports whether a value decoded from TOML (string, int64, float64,
// bool, []any or map[string]any; int is taken as int64) fits the type, and
// returns a *CheckError saying where and why when it does not.
//
// What TOML cannot say is never accepted in its place: null (so "null or T"
// checks T), functions, and floats where NixOS wants integers (or the other
// way round: NixOS's float type rejects 1 as Nix rejects it). The
// conventions for what TOML does say:
//
//   - A package is a string naming a nixpkgs attribute, with or without
//     "pkgs." ("hello", "pkgs.python3Packages.requests"); it must not be
//     empty.
//   - "absolute path" takes a string starting with "/", "path in the Nix
//     store" one starting with "/nix/store/", and "path" any string.
//   - "string matching the pattern P" takes strings that P (POSIX extended,
//     matched in full as builtins.match does) matches; a pattern Go's
//     regexp package cannot read accepts every string.
//   - A submodule takes any table. Its sub-options are options of their
//     own: check a table's entries by looking up the deeper paths with
//     Index.Lookup, which also gives the type of freeform entries.
//   - Either and "convertible to it" types take what any alternative takes.
//   - Named types check what NixOS's checks check, approximately; the
//     serialisation formats (JSON, TOML, YAML) take anything.
func (t Type) Check(v any) error {
	if err := check(t, v); err != nil {
		return err
	}
	return nil
}

// CheckError is a value that does not fit its type.
type CheckError struct {
	// Path leads from the checked value to the part that does not fit;
	// it is empty when the value itself does not.
	Path []Step
	// Expected is the type that part should have had.
	Expected Type
	// Got describes the part: its value when it had the right shape but a
	// wrong value (`70000`, `"x"`), its kind and value otherwise
	// (`string "x"`, `list`).
	Got string

	// shaped is set when the value had the shape Expected wants and failed
	// on its contents; Either uses it to pick the alternative that was meant.
	shaped bool
}

// Step is one step into a value: a list element or an attribute.
type Step struct {
	Index int    // list element index (from 0), or -1 for an attribute
	Key   string // attribute name, when Index is -1
}

// Error reads like `element 2: expected string, got integer 3`.
func (e *CheckError) Error() string {
	var b strings.Builder
	for _, s := range e.Path {
		if s.Index >= 0 {
			b.WriteString("element " + strconv.Itoa(s.Index) + ": ")
		} else {
			b.WriteString("attribute " + strconv.Quote(s.Key) + ": ")
		}
	}
	b.WriteString("expected " + e.Expected.String() + ", got " + e.Got)
	return b.String()
}

// Keys returns Path as attribute names, with list indexes in decimal: the
// form diagnostics use to locate a value in a document.
func (e *CheckError) Keys() []string {
	keys := make([]string, len(e.Path))
	for i, s := range e.Path {
		if s.Index >= 0 {
			keys[i] = strconv.Itoa(s.Index)
		} else {
			keys[i] = s.Key
		}
	}
	return keys
}

func check(t Type, v any) *CheckError {
	if i, ok := v.(int); ok {
		v = int64(i)
	}
	if err := checkBase(t, v); err != nil {
		return err
	}
	if s, ok := v.(string); ok {
		if t.NoNewlinesOrColons && strings.ContainsAny(s, "\n:") {
			return mismatch(t, v, true)
		}
		if t.CheckNote != "" && !checkNote(t.CheckNote, s) {
			return mismatch(t, v, true)
		}
	}
	return nil
}

func checkBase(t Type, v any) *CheckError {
	switch t.Kind {
	case Bool:
		if _, ok := v.(bool); !ok {
			return mismatch(t, v, false)
		}
	case Int:
		n, ok := v.(int64)
		if !ok {
			return mismatch(t, v, false)
		}
		if t.Min != nil && n < *t.Min || t.Max != nil && n > *t.Max {
			return mismatch(t, v, true)
		}
	case Float:
		if _, ok := v.(float64); !ok {
			return mismatch(t, v, false)
		}
	case Number:
		var f float64
		switch n := v.(type) {
		case int64:
			f = float64(n)
		case float64:
			f = n
		default:
			return mismatch(t, v, false)
		}
		if t.Form == NonNegative && f < 0 || t.Form == Positive && f <= 0 ||
			t.NumMin != nil && f < *t.NumMin || t.NumMax != nil && f > *t.NumMax {
			return mismatch(t, v, true)
		}
	case Str:
		s, ok := v.(string)
		if !ok {
			return mismatch(t, v, false)
		}
		if !checkStr(t, s) {
			return mismatch(t, v, true)
		}
	case Path:
		s, ok := v.(string)
		if !ok {
			return mismatch(t, v, false)
		}
		if t.Form == Plain && !strings.HasPrefix(s, "/") ||
			t.Form == StorePath && !strings.HasPrefix(s, "/nix/store/") {
			return mismatch(t, v, true)
		}
	case Package:
		s, ok := v.(string)
		if !ok {
			return mismatch(t, v, false)
		}
		if strings.TrimSpace(s) == "" {
			return mismatch(t, v, true)
		}
	case Enum:
		if !slices.ContainsFunc(t.Values, func(e any) bool { return enumEqual(e, v) }) {
			return mismatch(t, v, sameShape(t.Values, v))
		}
	case ListOf:
		l, ok := v.([]any)
		if !ok {
			return mismatch(t, v, false)
		}
		if t.NonEmpty && len(l) == 0 {
			return &CheckError{Expected: t, Got: "empty list", shaped: true}
		}
		if t.Elem != nil {
			for i, e := range l {
				if err := check(*t.Elem, e); err != nil {
					return within(err, Step{Index: i})
				}
			}
		}
	case AttrsOf:
		m, ok := v.(map[string]any)
		if !ok {
			return mismatch(t, v, false)
		}
		if t.Elem != nil {
			for _, k := range sortedKeys(m) {
				if err := check(*t.Elem, m[k]); err != nil {
					return within(err, Step{Index: -1, Key: k})
				}
			}
		}
	case NullOr:
		// TOML has no null, so only the other half can match.
		if t.Elem != nil {
			return check(*t.Elem, v)
		}
	case Either:
		return checkAlternatives(t, t.Alts, v)
	case Coerced:
		var alts []Type
		if t.Elem != nil {
			alts = append(alts, *t.Elem)
		}
		if t.From != nil {
			alts = append(alts, *t.From)
		}
		return checkAlternatives(t, alts, v)
	case Submodule:
		if _, ok := v.(map[string]any); !ok {
			return mismatch(t, v, false)
		}
	case Function:
		// No TOML value is a Nix function.
		return mismatch(t, v, false)
	case Anything:
	case Named:
		if t.Elem != nil {
			if err := check(*t.Elem, v); err != nil {
				if len(err.Path) == 0 {
					// Say it in the named type's words, not its implementation's.
					err.Expected = t
				}
				return err
			}
		}
	}
	return nil
}

// checkAlternatives accepts what any alternative accepts. When none does
// and exactly one had the right shape (say, the list in "string or list of
// string"), its error is the precise one; otherwise the whole type is what
// was expected.
func checkAlternatives(t Type, alts []Type, v any) *CheckError {
	var shaped []*CheckError
	for _, a := range alts {
		err := check(a, v)
		if err == nil {
			return nil
		}
		if err.shaped || len(err.Path) > 0 {
			shaped = append(shaped, err)
		}
	}
	if len(shaped) == 1 {
		return shaped[0]
	}
	return mismatch(t, v, len(shaped) > 0)
}

func checkStr(t Type, s string) bool {
	switch t.Form {
	case NonEmptyStr:
		return strings.Trim(s, " \t\n") != ""
	case SingleLineStr:
		s = strings.TrimSuffix(s, "\n")
		return !strings.ContainsAny(s, "\n\r")
	case PatternStr:
		re := patternRegexp(t.Pattern)
		return re == nil || re.MatchString(s)
	}
	return true
}

// checkNote implements the checks nixos/modules/tasks/filesystems.nix
// describes with "(with check: ...)"; others pass.
func checkNote(note, s string) bool {
	nonEmpty := strings.Trim(s, " \t\n") != ""
	switch note {
	case "non-empty":
		return nonEmpty
	case "non-empty without trailing slash":
		return nonEmpty && !strings.HasSuffix(s, "/")
	}
	return true
}

var patterns sync.Map // POSIX pattern -> *regexp.Regexp, nil if unreadable

// patternRegexp compiles a lib.types.strMatching pattern (POSIX extended,
// matched against the whole string) for Go, or returns nil if Go cannot.
func patternRegexp(pattern string) *regexp.Regexp {
	if re, ok := patterns.Load(pattern); ok {
		return re.(*regexp.Regexp)
	}
	re, err := regexp.Compile(`^(?:` + posixToRE2(pattern) + `)$`)
	if err != nil {
		re = nil
	}
	patterns.Store(pattern, re)
	return re
}

// posixToRE2 rewrites the part of POSIX ERE syntax RE2 reads differently:
// inside a bracket expression a backslash is an ordinary character, and a
// "]" first in the expression is a member rather than its end.
func posixToRE2(p string) string {
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		c := p[i]
		if c == '\\' && i+1 < len(p) {
			b.WriteByte(c)
			b.WriteByte(p[i+1])
			i++
			continue
		}
		if c != '[' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('[')
		j := i + 1
		if j < len(p) && p[j] == '^' {
			b.WriteByte('^')
			j++
		}
		if j < len(p) && p[j] == ']' {
			b.WriteString(`\]`)
			j++
		}
		for ; j < len(p) && p[j] != ']'; j++ {
			switch {
			case p[j] == '[' && j+1 < len(p) && (p[j+1] == ':' || p[j+1] == '=' || p[j+1] == '.'):
				end := strings.Index(p[j+2:], string(p[j+1])+"]")
				if end < 0 {
					b.WriteByte('[')
					continue
				}
				b.WriteString(p[j : j+2+end+2])
				j += 2 + end + 1
			case p[j] == '\\':
				b.WriteString(`\\`)
			case p[j] == '[':
				b.WriteString(`\[`)
			default:
				b.WriteByte(p[j])
			}
		}
		if j < len(p) {
			b.WriteByte(']')
		}
		i = j
	}
	return b.String()
}

func enumEqual(e, v any) bool {
	switch e := e.(type) {
	case string:
		s, ok := v.(string)
		return ok && s == e
	case int64:
		n, ok := v.(int64)
		return ok && n == e
	case bool:
		b, ok := v.(bool)
		return ok && b == e
	}
	return false
}

// sameShape reports whether v is of a kind some enum value has.
func sameShape(values []any, v any) bool {
	for _, e := range values {
		switch e.(type) {
		case string:
			if _, ok := v.(string); ok {
				return true
			}
		case int64:
			if _, ok := v.(int64); ok {
				return true
			}
		case bool:
			if _, ok := v.(bool); ok {
				return true
			}
		}
	}
	return false
}

func mismatch(t Type, v any, shaped bool) *CheckError {
	got := describeValue(v)
	if shaped {
		got = showValue(v)
	}
	return &CheckError{Expected: t, Got: got, shaped: shaped}
}

func within(err *CheckError, s Step) *CheckError {
	err.Path = append([]Step{s}, err.Path...)
	return err
}

// describeValue names a value's kind, with the value if it is a scalar.
func describeValue(v any) string {
	switch v := v.(type) {
	case string:
		return "string " + showValue(v)
	case int64:
		return "integer " + showValue(v)
	case float64:
		return "floating point number " + showValue(v)
	case bool:
		return "boolean " + showValue(v)
	case []any:
		if len(v) == 0 {
			return "empty list"
		}
		return "list"
	case map[string]any:
		return "attribute set"
	case nil:
		return "null"
	}
	return fmt.Sprintf("value of Go type %T", v)
}

// showValue shows a scalar the way a user wrote it (long strings cut).
func showValue(v any) string {
	switch v := v.(type) {
	case string:
		if utf8.RuneCountInString(v) > 60 {
			r := []rune(v)
			return strconv.Quote(string(r[:57])) + "..."
		}
		return strconv.Quote(v)
	case int64:
		return strconv.FormatInt(v, 10)
	case float64:
		return strconv.FormatFloat(v, 'g', -1, 64)
	case bool:
		return strconv.FormatBool(v)
	}
	return describeValue(v)
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
