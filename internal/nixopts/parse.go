package nixopts

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
)

// ParseType rebuilds a Type from a type description as the NixOS manual
// prints it, such as "null or (list of string)". The result renders back to
// exactly desc; a description that cannot be read that way is an error.
//
// Descriptions are ambiguous in places ("null or string or signed integer"
// is both nullOr (either str int) and either (nullOr str) int); ParseType
// prefers the reading with the outermost nullOr and flattens nested either
// types into one Either, which check values the same way.
func ParseType(desc string) (Type, error) {
	p := typeParser{memo: map[string][]parsed{}}
	for _, r := range p.parse(desc) {
		return r.t, nil
	}
	return Type{}, fmt.Errorf("cannot read NixOS type description %q", desc)
}

// maxParses bounds the readings kept per substring; ambiguity in real
// descriptions is shallow, so a few suffice and keep parsing linear-ish.
const maxParses = 6

// typeParser reads descriptions by trying every production that could have
// printed them and keeping the readings that print the same text again,
// memoised per substring.
type typeParser struct {
	memo map[string][]parsed
}

// parsed is one reading of a description, with its descriptionClass.
type parsed struct {
	t   Type
	cls descClass
}

// leafTypes are the descriptions of types without parts, made on first
// use.
var leafTypes = sync.OnceValue(func() map[string]Type {
	return map[string]Type{
		"boolean":                       {Kind: Bool},
		"boolean (merged using or)":     {Kind: Bool, Form: MergedByOr},
		"signed integer":                {Kind: Int},
		"unsigned integer, meaning >=0": {Kind: Int, Min: int64p(0)},
		"positive integer, meaning >0":  {Kind: Int, Min: int64p(1)},
		"floating point number":         {Kind: Float},
		"nonnegative integer or floating point number, meaning >=0": {Kind: Number, Form: NonNegative},
		"positive integer or floating point number, meaning >0":     {Kind: Number, Form: Positive},
		"string":           {Kind: Str},
		"non-empty string": {Kind: Str, Form: NonEmptyStr},
		"(optionally newline-terminated) single-line string": {Kind: Str, Form: SingleLineStr},
		"Concatenated string":                                {Kind: Str, Form: SeparatedStr},
		"absolute path":                                      {Kind: Path},
		"path":                                               {Kind: Path, Form: AnyPath},
		"path in the Nix store":                              {Kind: Path, Form: StorePath},
		"package":                                            {Kind: Package},
		"anything":                                           {Kind: Anything},
		"unspecified value":                                  {Kind: Anything, Form: Unspecified},
		"raw value":                                          {Kind: Anything, Form: Raw},
		"attribute set":                                      {Kind: AttrsOf},
		"submodule":                                          {Kind: Submodule},
		"impossible (empty enum)":                            {Kind: Enum},
	}
})

var (
	reIntBetween = lazyRegexp(`^integer between (-?\d+) and (-?\d+) \(both inclusive\)$`)
	reIntBits    = lazyRegexp(`^(\d+) bit (signed|unsigned) integer; between (-?\d+) and (-?\d+) \(both inclusive\)$`)
	reNumBetween = lazyRegexp(`^integer or floating point number between (-?\d+(?:\.\d+)?) and (-?\d+(?:\.\d+)?) \(both inclusive\)$`)
	reWithCheck  = lazyRegexp(`^(.*) \(with check: ([^()]*)\)$`)
)

const (
	sufNoNewlines   = ", not containing newlines or colons"
	sufConvertible  = " convertible to it"
	prefixPattern   = "string matching the pattern "
	prefixSeparated = "strings concatenated with "
)

func (p *typeParser) parse(s string) []parsed {
	if r, ok := p.memo[s]; ok {
		return r
	}
	p.memo[s] = nil // a description never contains itself
	var res []parsed
	add := func(t Type) bool {
		if len(res) >= maxParses {
			return false
		}
		if d, c := t.describe(); d == s {
			res = append(res, parsed{t, c})
			return true
		}
		return false
	}

	if t, ok := leafTypes()[s]; ok {
		add(t)
	}
	if t, ok := newNamed(s); ok {
		add(t)
	}
	// The regexps are slow next to the rest; look before running them.
	if strings.HasSuffix(s, " (both inclusive)") {
		p.parseBounded(s, add)
	}
	if rest, ok := strings.CutPrefix(s, "one of "); ok {
		if vals, ok := parseEnumValues(rest); ok && len(vals) >= 2 {
			add(Type{Kind: Enum, Values: vals})
		}
	}
	if rest, ok := strings.CutPrefix(s, "value "); ok {
		if rest, ok := strings.CutSuffix(rest, " (singular enum)"); ok {
			if vals, ok := parseEnumValues(rest); ok && len(vals) == 1 {
				add(Type{Kind: Enum, Values: vals})
			}
		}
	}
	if pat, ok := strings.CutPrefix(s, prefixPattern); ok {
		add(Type{Kind: Str, Form: PatternStr, Pattern: pat})
	}
	if lit, ok := strings.CutPrefix(s, prefixSeparated); ok {
		if sep, err := strconv.Unquote(lit); err == nil && sep != "" {
			add(Type{Kind: Str, Form: SeparatedStr, Sep: sep})
		}
	}

	prefixed := []struct {
		prefix  string
		allowed []descClass
		build   func(Type) Type
	}{
		{"list of ", []descClass{clsNoun, clsComposite}, func(e Type) Type { return Type{Kind: ListOf, Elem: &e} }},
		{"attribute set of ", []descClass{clsNoun, clsComposite}, func(e Type) Type { return Type{Kind: AttrsOf, Elem: &e} }},
		{"lazy attribute set of ", []descClass{clsNoun, clsComposite}, func(e Type) Type { return Type{Kind: AttrsOf, Lazy: true, Elem: &e} }},
		{"null or ", []descClass{clsNoun, clsConjunction}, func(e Type) Type { return Type{Kind: NullOr, Elem: &e} }},
		{"function that evaluates to a(n) ", []descClass{clsNoun, clsComposite}, func(e Type) Type { return Type{Kind: Function, Elem: &e} }},
		{"open submodule of ", []descClass{clsNoun, clsComposite}, func(e Type) Type { return Type{Kind: Submodule, Elem: &e} }},
	}
	for _, pr := range prefixed {
		if rest, ok := strings.CutPrefix(s, pr.prefix); ok {
			for _, e := range p.parsePhrase(rest, pr.allowed...) {
				add(pr.build(e))
			}
		}
	}
	if rest, ok := strings.CutPrefix(s, "non-empty "); ok {
		for _, l := range p.parsePhrase(rest, clsNoun) {
			if l.Kind == ListOf && !l.NonEmpty && !l.NoNewlinesOrColons && l.CheckNote == "" {
				l.NonEmpty = true
				add(l)
			}
		}
	}
	if rest, ok := strings.CutSuffix(s, sufNoNewlines); ok {
		for _, e := range p.parsePhrase(rest, clsNoun) {
			if !e.NoNewlinesOrColons && e.CheckNote == "" {
				e.NoNewlinesOrColons = true
				add(e)
			}
		}
	}
	if strings.HasSuffix(s, ")") && strings.Contains(s, " (with check: ") {
		if m := reWithCheck().FindStringSubmatch(s); m != nil {
			for _, r := range p.parse(m[1]) {
				if e := r.t; e.CheckNote == "" {
					e.CheckNote = m[2]
					add(e)
				}
			}
		}
	}
	if body, ok := strings.CutSuffix(s, sufConvertible); ok {
		for _, i := range topLevel(body, " or ") {
			for _, final := range p.parsePhrase(body[:i], clsNoun) {
				for _, from := range p.parsePhrase(body[i+4:], clsNoun) {
					add(Type{Kind: Coerced, Elem: ptr(final), From: ptr(from)})
				}
			}
		}
	}
	// either, with a nonRestrictiveClause first: "A, meaning >=0, or B".
	for _, i := range topLevel(s, ", or ") {
		for _, r := range p.parse(s[:i]) {
			a := r.t
			if r.cls != clsNonRestrictive {
				continue
			}
			for _, b := range p.parsePhrase(s[i+5:], clsNoun, clsConjunction) {
				addEither(add, a, b)
			}
		}
	}
	// A chain "A or B or C" splits at each "or" into readings that differ
	// only in grouping, which checks the same: the first split that reads
	// is enough, and keeps long chains from multiplying.
	eithers := len(res)
	for _, i := range topLevel(s, " or ") {
		if len(res) > eithers {
			break
		}
		for _, a := range p.parsePhrase(s[:i], clsNoun, clsConjunction) {
			for _, b := range p.parsePhrase(s[i+4:], clsNoun, clsConjunction, clsComposite) {
				addEither(add, a, b)
			}
		}
	}
	p.memo[s] = res
	return res
}

// parseBounded reads the integer and number types with bounds.
func (p *typeParser) parseBounded(s string, add func(Type) bool) {
	if m := reIntBetween().FindStringSubmatch(s); m != nil {
		lo, err1 := strconv.ParseInt(m[1], 10, 64)
		hi, err2 := strconv.ParseInt(m[2], 10, 64)
		if err1 == nil && err2 == nil {
			add(Type{Kind: Int, Min: &lo, Max: &hi})
		}
	}
	if m := reIntBits().FindStringSubmatch(s); m != nil {
		bits, err0 := strconv.Atoi(m[1])
		lo, err1 := strconv.ParseInt(m[3], 10, 64)
		hi, err2 := strconv.ParseInt(m[4], 10, 64)
		if err0 == nil && err1 == nil && err2 == nil {
			add(Type{Kind: Int, Bits: bits, Min: &lo, Max: &hi})
		}
	}
	if m := reNumBetween().FindStringSubmatch(s); m != nil {
		lo, err1 := strconv.ParseFloat(m[1], 64)
		hi, err2 := strconv.ParseFloat(m[2], 64)
		if err1 == nil && err2 == nil {
			add(Type{Kind: Number, NumMin: &lo, NumMax: &hi})
		}
	}
}

// addEither offers the flattened reading of either a b, and the nested one
// if that does not print the same (as when a nonRestrictiveClause ends up
// in the middle).
func addEither(add func(Type) bool, a, b Type) {
	var alts []Type
	for _, t := range []Type{a, b} {
		if t.Kind == Either && !t.NoNewlinesOrColons && t.CheckNote == "" {
			alts = append(alts, t.Alts...)
		} else {
			alts = append(alts, t)
		}
	}
	if !add(Type{Kind: Either, Alts: alts}) && len(alts) > 2 {
		add(Type{Kind: Either, Alts: []Type{a, b}})
	}
}

// parsePhrase reads s as printed by optionDescriptionPhrase with the given
// classes: bare if its class is allowed, in parentheses otherwise.
func (p *typeParser) parsePhrase(s string, allowed ...descClass) []Type {
	var out []Type
	for _, r := range p.parse(s) {
		if hasClass(allowed, r.cls) {
			out = append(out, r.t)
		}
	}
	if isGroup(s) {
		for _, r := range p.parse(s[1 : len(s)-1]) {
			if !hasClass(allowed, r.cls) {
				out = append(out, r.t)
			}
		}
	}
	if len(out) > maxParses {
		out = out[:maxParses]
	}
	return out
}

func hasClass(allowed []descClass, c descClass) bool {
	for _, a := range allowed {
		if a == c {
			return true
		}
	}
	return false
}

// isGroup reports whether s is one parenthesised group: "(...)" whose
// first parenthesis closes at the end.
func isGroup(s string) bool {
	if len(s) < 2 || s[0] != '(' || s[len(s)-1] != ')' {
		return false
	}
	depth := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 && i != len(s)-1 {
				return false
			}
		}
	}
	return depth == 0
}

// topLevel returns the offsets of sep in s outside parentheses and double
// quotes, last first, so that chains of "or" come out left-nested first.
func topLevel(s, sep string) []int {
	var out []int
	depth, inQuote := 0, false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"':
			inQuote = !inQuote
		case inQuote:
		case c == '(':
			depth++
		case c == ')':
			depth--
		case depth == 0 && strings.HasPrefix(s[i:], sep):
			out = append(out, i)
		}
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out
}

// parseEnumValues reads the values of "one of ..." as lib.types.enum
// prints them: "text", integers, true/false and <null>, joined by ", ".
func parseEnumValues(s string) ([]any, bool) {
	var vals []any
	for {
		var v any
		switch {
		case strings.HasPrefix(s, `"`):
			end := strings.IndexByte(s[1:], '"')
			if end < 0 {
				return nil, false
			}
			v, s = s[1:1+end], s[end+2:]
		case strings.HasPrefix(s, "<null>"):
			v, s = nil, s[len("<null>"):]
		case strings.HasPrefix(s, "true"):
			v, s = true, s[len("true"):]
		case strings.HasPrefix(s, "false"):
			v, s = false, s[len("false"):]
		default:
			n := 0
			if strings.HasPrefix(s, "-") {
				n = 1
			}
			for n < len(s) && s[n] >= '0' && s[n] <= '9' {
				n++
			}
			i, err := strconv.ParseInt(s[:n], 10, 64)
			if err != nil {
				return nil, false
			}
			v, s = i, s[n:]
		}
		vals = append(vals, v)
		if s == "" {
			return vals, true
		}
		var ok bool
		if s, ok = strings.CutPrefix(s, ", "); !ok {
			return nil, false
		}
	}
}

func ptr(t Type) *Type { return &t }

// lazyRegexp returns a function that compiles expr on its first call, so
// that start-up does not pay for expressions a command never uses.
func lazyRegexp(expr string) func() *regexp.Regexp {
	return sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(expr) })
}
