package nixopts

import (
	"strconv"
	"strings"
)

// Kind is the family a NixOS option type belongs to.
type Kind uint8

// The kinds of type. Invalid is the zero Kind: no type at all.
const (
	Invalid   Kind = iota
	Bool           // "boolean"
	Int            // "signed integer" and the bounded integer types
	Float          // "floating point number"
	Number         // integer or floating point number, with bounds
	Str            // the string types; Form says which
	Path           // "absolute path", "path", "path in the Nix store"
	Package        // "package"
	Enum           // "one of ..." and "value ... (singular enum)"
	ListOf         // "list of T", "non-empty (list of T)"
	AttrsOf        // "attribute set of T", "lazy attribute set of T", "attribute set"
	NullOr         // "null or T"
	Either         // "A or B or C"
	Coerced        // "T or F convertible to it"
	Submodule      // "submodule", "open submodule of T"
	Function       // "function that evaluates to a(n) T"
	Anything       // "anything", "unspecified value", "raw value"
	Named          // a type NixOS names itself, such as "JSON value"
)

var kindNames = [...]string{
	Invalid: "invalid", Bool: "bool", Int: "int", Float: "float", Number: "number",
	Str: "str", Path: "path", Package: "package", Enum: "enum", ListOf: "listOf",
	AttrsOf: "attrsOf", NullOr: "nullOr", Either: "either", Coerced: "coercedTo",
	Submodule: "submodule", Function: "functionTo", Anything: "anything", Named: "named",
}

// String returns the name lib.types uses for the kind, such as "listOf".
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "Kind(" + strconv.Itoa(int(k)) + ")"
}

// Form picks one spelling among those a kind has. Plain, the zero Form, is
// the kind's usual one; the others apply to the kind named in their comment.
type Form uint8

// The forms.
const (
	Plain         Form = iota // the kind's usual spelling
	NonEmptyStr               // Str: "non-empty string"
	SingleLineStr             // Str: "(optionally newline-terminated) single-line string"
	PatternStr                // Str: "string matching the pattern P" (Type.Pattern)
	SeparatedStr              // Str: "strings concatenated with S" (Type.Sep)
	AnyPath                   // Path: "path" (Plain is "absolute path")
	StorePath                 // Path: "path in the Nix store"
	Unspecified               // Anything: "unspecified value"
	Raw                       // Anything: "raw value"
	NonNegative               // Number: "nonnegative integer or floating point number, meaning >=0"
	Positive                  // Number: "positive integer or floating point number, meaning >0"
	MergedByOr                // Bool: "boolean (merged using or)"
)

// Type is a NixOS option type, rebuilt from the description the NixOS
// manual prints for it. String renders that description back exactly, with
// the parenthesisation rules of nixpkgs' lib.types.
//
// Which fields matter depends on Kind; the others are zero. Types are values
// whose nested types are shared: treat a Type you did not build as read-only.
type Type struct {
	Kind Kind
	Form Form

	// Int: inclusive bounds (nil when open) and, for the "N bit signed
	// integer" spellings, the width. Number: Min and Max through NumMin and
	// NumMax, for "integer or floating point number between A and B".
	Min, Max       *int64
	Bits           int
	NumMin, NumMax *float64

	Pattern string // Str with Form PatternStr: a POSIX extended regexp
	Sep     string // Str with Form SeparatedStr: the separator

	// NoNewlinesOrColons is lib.types.passwdEntry around the type:
	// "T, not containing newlines or colons".
	NoNewlinesOrColons bool
	// CheckNote is an addCheck with a description: "T (with check: note)".
	CheckNote string

	Values []any // Enum: string, int64, bool or nil (null) values

	// Elem is the element type of ListOf, AttrsOf (nil for the plain
	// "attribute set"), NullOr and Function; the freeform type of an open
	// Submodule; the final type of Coerced; and the type a Named type checks
	// values with (nil: anything).
	Elem *Type
	From *Type  // Coerced: the type values are converted from
	Alts []Type // Either: the alternatives, two or more

	Lazy     bool   // AttrsOf: "lazy attribute set of"
	NonEmpty bool   // ListOf: "non-empty (list of T)"
	Name     string // Named: the description, verbatim
}

// descClass is lib.types' descriptionClass: how a description combines with
// its neighbours, and so when it needs parentheses.
type descClass uint8

const (
	clsNone descClass = iota // null: parenthesised everywhere but the top
	clsNoun
	clsConjunction
	clsComposite
	clsNonRestrictive // "..., meaning >=0"
)

// String returns the type's description as the NixOS manual prints it.
func (t Type) String() string {
	d, _ := t.describe()
	return d
}

// phrase is lib.types.optionDescriptionPhrase: the description, in
// parentheses unless its class is one of allowed.
func phrase(t Type, allowed ...descClass) string {
	d, c := t.describe()
	for _, a := range allowed {
		if c == a {
			return d
		}
	}
	return "(" + d + ")"
}

func (t Type) describe() (string, descClass) {
	d, c := t.describeBase()
	if t.NoNewlinesOrColons {
		if c != clsNoun {
			d = "(" + d + ")"
		}
		d, c = d+", not containing newlines or colons", clsNonRestrictive
	}
	if t.CheckNote != "" {
		d += " (with check: " + t.CheckNote + ")"
	}
	return d, c
}

func (t Type) describeBase() (string, descClass) {
	switch t.Kind {
	case Bool:
		if t.Form == MergedByOr {
			return "boolean (merged using or)", clsNoun
		}
		return "boolean", clsNoun
	case Int:
		return describeInt(t)
	case Float:
		return "floating point number", clsNoun
	case Number:
		switch {
		case t.Form == NonNegative:
			return "nonnegative integer or floating point number, meaning >=0", clsNonRestrictive
		case t.Form == Positive:
			return "positive integer or floating point number, meaning >0", clsNonRestrictive
		case t.NumMin != nil && t.NumMax != nil:
			return "integer or floating point number between " + formatNum(*t.NumMin) +
				" and " + formatNum(*t.NumMax) + " (both inclusive)", clsConjunction
		}
		return "signed integer or floating point number", clsConjunction
	case Str:
		switch t.Form {
		case NonEmptyStr:
			return "non-empty string", clsNoun
		case SingleLineStr:
			return "(optionally newline-terminated) single-line string", clsNoun
		case PatternStr:
			return "string matching the pattern " + t.Pattern, clsNoun
		case SeparatedStr:
			if t.Sep == "" {
				return "Concatenated string", clsNoun
			}
			return "strings concatenated with " + nixJSONString(t.Sep), clsNoun
		}
		return "string", clsNoun
	case Path:
		switch t.Form {
		case AnyPath:
			return "path", clsNoun
		case StorePath:
			return "path in the Nix store", clsNoun
		}
		return "absolute path", clsNoun
	case Package:
		return "package", clsNoun
	case Enum:
		switch len(t.Values) {
		case 0:
			return "impossible (empty enum)", clsNoun
		case 1:
			return "value " + showEnumValue(t.Values[0]) + " (singular enum)", clsNoun
		}
		parts := make([]string, len(t.Values))
		for i, v := range t.Values {
			parts[i] = showEnumValue(v)
		}
		return "one of " + strings.Join(parts, ", "), clsConjunction
	case ListOf:
		list := "list of " + phrase(elemOrAnything(t.Elem), clsNoun, clsComposite)
		if t.NonEmpty {
			return "non-empty (" + list + ")", clsComposite
		}
		return list, clsComposite
	case AttrsOf:
		if t.Elem == nil {
			return "attribute set", clsNone
		}
		head := "attribute set of "
		if t.Lazy {
			head = "lazy attribute set of "
		}
		return head + phrase(*t.Elem, clsNoun, clsComposite), clsComposite
	case NullOr:
		return "null or " + phrase(elemOrAnything(t.Elem), clsNoun, clsConjunction), clsConjunction
	case Either:
		return describeEither(t.Alts)
	case Coerced:
		return phrase(elemOrAnything(t.Elem), clsNoun) + " or " +
			phrase(elemOrAnything(t.From), clsNoun) + " convertible to it", clsNone
	case Submodule:
		if t.Elem == nil {
			return "submodule", clsNone
		}
		return "open submodule of " + phrase(*t.Elem, clsNoun, clsComposite), clsNone
	case Function:
		return "function that evaluates to a(n) " + phrase(elemOrAnything(t.Elem), clsNoun, clsComposite), clsComposite
	case Anything:
		switch t.Form {
		case Unspecified:
			return "unspecified value", clsNoun
		case Raw:
			return "raw value", clsNoun
		}
		return "anything", clsNoun
	case Named:
		return t.Name, namedClass(t.Name)
	}
	return "", clsNone
}

// describeEither renders alternatives the way nested lib.types.either
// values render: left-nested, so only the first needs care.
func describeEither(alts []Type) (string, descClass) {
	if len(alts) == 0 {
		return "", clsNone
	}
	d, c := alts[0].describe()
	for _, b := range alts[1:] {
		if c == clsNonRestrictive {
			d = d + ", or " + phrase(b, clsNoun, clsConjunction)
		} else {
			if c != clsNoun && c != clsConjunction {
				d = "(" + d + ")"
			}
			d = d + " or " + phrase(b, clsNoun, clsConjunction, clsComposite)
		}
		c = clsConjunction
	}
	return d, c
}

func describeInt(t Type) (string, descClass) {
	switch {
	case t.Bits > 0 && t.Min != nil && t.Max != nil:
		sign := "unsigned"
		if *t.Min < 0 {
			sign = "signed"
		}
		return strconv.Itoa(t.Bits) + " bit " + sign + " integer; between " +
			strconv.FormatInt(*t.Min, 10) + " and " + strconv.FormatInt(*t.Max, 10) +
			" (both inclusive)", clsNoun
	case t.Min != nil && t.Max != nil:
		return "integer between " + strconv.FormatInt(*t.Min, 10) + " and " +
			strconv.FormatInt(*t.Max, 10) + " (both inclusive)", clsNoun
	case t.Min != nil && t.Max == nil && *t.Min == 0:
		return "unsigned integer, meaning >=0", clsNonRestrictive
	case t.Min != nil && t.Max == nil && *t.Min == 1:
		return "positive integer, meaning >0", clsNonRestrictive
	case t.Min != nil && t.Max == nil:
		return "integer, meaning >=" + strconv.FormatInt(*t.Min, 10), clsNonRestrictive
	case t.Min == nil && t.Max != nil:
		return "integer, meaning <=" + strconv.FormatInt(*t.Max, 10), clsNonRestrictive
	}
	return "signed integer", clsNoun
}

func elemOrAnything(t *Type) Type {
	if t == nil {
		return Type{Kind: Anything}
	}
	return *t
}

// showEnumValue renders an enum value as lib.types.enum does: strings in
// double quotes (unescaped), numbers and booleans bare, null as <null>.
func showEnumValue(v any) string {
	switch v := v.(type) {
	case string:
		return `"` + v + `"`
	case int64:
		return strconv.FormatInt(v, 10)
	case int:
		return strconv.Itoa(v)
	case bool:
		return strconv.FormatBool(v)
	case nil:
		return "<null>"
	case float64:
		return "<float>"
	}
	return "<unknown>"
}

func formatNum(f float64) string {
	return strconv.FormatFloat(f, 'f', -1, 64)
}

// nixJSONString renders s as builtins.toJSON does.
func nixJSONString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		case '\b':
			b.WriteString(`\b`)
		case '\f':
			b.WriteString(`\f`)
		default:
			if r < 0x20 {
				b.WriteString(`\u00`)
				b.WriteByte("0123456789abcdef"[r>>4])
				b.WriteByte("0123456789abcdef"[r&0xf])
			} else {
				b.WriteRune(r)
			}
		}
	}
	b.WriteByte('"')
	return b.String()
}

func int64p(v int64) *int64 { return &v }
