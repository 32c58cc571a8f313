package nixopts

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// TestParseTypeRoundTrip holds every type description in the index to the
// promise of ParseType: it parses, and String prints exactly the input.
func TestParseTypeRoundTrip(t *testing.T) {
	ix, err := build(optionsJSONL)
	if err != nil {
		t.Fatal(err)
	}
	descs := map[string]bool{}
	for _, o := range ix.options {
		descs[o.TypeText()] = true
	}
	if len(descs) < 380 {
		t.Fatalf("only %d distinct type descriptions in the index; the data shrank?", len(descs))
	}
	named := map[string]bool{}
	for d := range descs {
		typ, err := ParseType(d)
		if err != nil {
			t.Errorf("ParseType: %v", err)
			continue
		}
		if got := typ.String(); got != d {
			t.Errorf("round trip:\n got %q\nwant %q", got, d)
		}
		walkType(typ, func(n Type) {
			if n.Kind == Named {
				named[n.Name] = true
			}
		})
	}
	// Types NixOS names itself rather than by lib.types' grammar. Each is in
	// namedTypes with its descriptionClass and a check; none is a fallback
	// for a description the parser could not read.
	wantNamed := []string{
		"An evaluation of Nixpkgs; the top level attribute set of packages",
		"INI atom (null, bool, int, float or string)",
		"JSON value",
		"Network prefix in CIDR notation",
		"NetworkManager plugin package",
		"Nix config atom (null, bool, int, float, str, path or package)",
		"PKCS#11 URI",
		"TOML value",
		"YAML 1.1 value",
		"atom (null, bool, int, float or string)",
		"file mode string",
		"ibus-engine",
		"nested attribute set of null or sysfs attribute values",
		"nixpkgs config",
		"nixpkgs overlay",
		"one of the available driver branches in `pkgs/os-specific/linux/nvidia-x11/default.nix`",
		"package with provided sessions",
		"printable string without spaces, # and /",
		"section of an INI file (attrs of INI atom (null, bool, int, float or string) or a list of them for duplicate keys)",
		"section of an INI file (attrs of INI atom (null, bool, int, float or string) or a non-empty list of them)",
		"section of an INI file (attrs of INI atom (null, bool, int, float or string))",
		"session name",
		"string without spaces",
		"string, with spaces inside double quotes",
		"sysctl option value",
		"systemd option",
		"udev rule value",
	}
	var gotNamed []string
	for n := range named {
		gotNamed = append(gotNamed, n)
		if _, ok := namedTypes()[n]; !ok {
			t.Errorf("named type %q is not in namedTypes: an unread description fell back", n)
		}
	}
	slices.Sort(gotNamed)
	if !slices.Equal(gotNamed, wantNamed) {
		t.Errorf("named types in the index:\n got %q\nwant %q", gotNamed, wantNamed)
	}
}

// walkType calls f for t and the types it is built from (not the types
// Named ones check with).
func walkType(t Type, f func(Type)) {
	f(t)
	if t.Kind == Named {
		return
	}
	for _, p := range []*Type{t.Elem, t.From} {
		if p != nil {
			walkType(*p, f)
		}
	}
	for _, a := range t.Alts {
		walkType(a, f)
	}
}

// shape renders a Type's structure compactly, for tests.
func shape(t Type) string {
	var s string
	switch t.Kind {
	case ListOf, AttrsOf, NullOr, Function, Submodule:
		s = t.Kind.String()
		if t.Lazy {
			s = "lazy " + s
		}
		if t.NonEmpty {
			s = "nonEmpty " + s
		}
		if t.Elem != nil {
			s += "(" + shape(*t.Elem) + ")"
		}
	case Either:
		var alts []string
		for _, a := range t.Alts {
			alts = append(alts, shape(a))
		}
		s = "either[" + strings.Join(alts, ", ") + "]"
	case Coerced:
		s = "coercedTo(" + shape(*t.From) + " -> " + shape(*t.Elem) + ")"
	case Named:
		s = "named<" + t.Name + ">"
	case Int:
		s = "int"
		if t.Min != nil {
			s += fmt.Sprintf(" >=%d", *t.Min)
		}
		if t.Max != nil {
			s += fmt.Sprintf(" <=%d", *t.Max)
		}
	case Enum:
		s = fmt.Sprintf("enum%v", t.Values)
	case Str:
		switch t.Form {
		case PatternStr:
			s = "str~" + t.Pattern
		case SeparatedStr:
			s = fmt.Sprintf("str sep %q", t.Sep)
		case NonEmptyStr:
			s = "nonEmptyStr"
		case SingleLineStr:
			s = "singleLineStr"
		default:
			s = "str"
		}
	default:
		s = t.Kind.String()
	}
	if t.NoNewlinesOrColons {
		s = "passwdEntry(" + s + ")"
	}
	if t.CheckNote != "" {
		s += " check(" + t.CheckNote + ")"
	}
	return s
}

func TestParseTypeStructure(t *testing.T) {
	tests := []struct {
		desc, want string
	}{
		{"boolean", "bool"},
		{"signed integer", "int"},
		{"16 bit unsigned integer; between 0 and 65535 (both inclusive)", "int >=0 <=65535"},
		{"8 bit signed integer; between -128 and 127 (both inclusive)", "int >=-128 <=127"},
		{"integer between 1 and 100 (both inclusive)", "int >=1 <=100"},
		{"unsigned integer, meaning >=0", "int >=0"},
		{"positive integer, meaning >0", "int >=1"},
		{"nonnegative integer or floating point number, meaning >=0", "number"},
		{"null or (list of string)", "nullOr(listOf(str))"},
		{"list of (attribute set)", "listOf(attrsOf)"},
		{"attribute set of list of string", "attrsOf(listOf(str))"},
		{"list of attribute set of 16 bit unsigned integer; between 0 and 65535 (both inclusive)", "listOf(attrsOf(int >=0 <=65535))"},
		{"attribute set of (submodule)", "attrsOf(submodule)"},
		{"lazy attribute set of (null or boolean)", "lazy attrsOf(nullOr(bool))"},
		{"open submodule of attribute set of (JSON value)", "submodule(attrsOf(named<JSON value>))"},
		{`one of "a", "b"`, "enum[a b]"},
		{`one of false, true, "lock"`, "enum[false true lock]"},
		{`one of <null>, "ssh", "ssh-ng"`, "enum[<nil> ssh ssh-ng]"},
		{"one of 6, 7, 8", "enum[6 7 8]"},
		{`value "always" (singular enum)`, "enum[always]"},
		{"boolean or string", "either[bool, str]"},
		// A chain of "or" is one Either; a leading null is the nullOr.
		{"null or string or signed integer", "nullOr(either[str, int])"},
		{"boolean or null or (string, not containing newlines or colons)", "either[bool, nullOr(passwdEntry(str))]"},
		{"(attribute set of attribute set of anything) or list of attribute set of attribute set of anything",
			"either[attrsOf(attrsOf(anything)), listOf(attrsOf(attrsOf(anything)))]"},
		{`one of "842", "lzo", "zstd" or string`, "either[enum[842 lzo zstd], str]"},
		{"string matching the pattern [0-7]{1,5}", "str~[0-7]{1,5}"},
		{"signed integer or string matching the pattern [0-9]+%", "either[int, str~[0-9]+%]"},
		{`strings concatenated with "\n"`, `str sep "\n"`},
		{"Concatenated string", `str sep ""`},
		{"(optionally newline-terminated) single-line string or list of string", "either[singleLineStr, listOf(str)]"},
		{`strings concatenated with "\n" or (list of string) convertible to it`, `coercedTo(listOf(str) -> str sep "\n")`},
		{"null or ((submodule) or string convertible to it)", "nullOr(coercedTo(str -> submodule))"},
		{"function that evaluates to a(n) list of package", "functionTo(listOf(package))"},
		{"non-empty (list of string (with check: non-empty))", "nonEmpty listOf(str check(non-empty))"},
		{"absolute path, not containing newlines or colons", "passwdEntry(path)"},
		{"list of string, with spaces inside double quotes", "listOf(named<string, with spaces inside double quotes>)"},
		{"attribute set of section of an INI file (attrs of INI atom (null, bool, int, float or string))",
			"attrsOf(named<section of an INI file (attrs of INI atom (null, bool, int, float or string))>)"},
	}
	for _, tt := range tests {
		t.Run(tt.desc, func(t *testing.T) {
			typ, err := ParseType(tt.desc)
			if err != nil {
				t.Fatal(err)
			}
			if got := shape(typ); got != tt.want {
				t.Errorf("shape = %s, want %s", got, tt.want)
			}
			if got := typ.String(); got != tt.desc {
				t.Errorf("String() = %q", got)
			}
		})
	}
}

func TestParseTypeErrors(t *testing.T) {
	for _, desc := range []string{
		"",
		"list of",
		"list of frobnicator",
		"frobnicator",
		"null or",
		"one of ",
		`one of "a" "b"`,
		"list of (string",
		// Parentheses where lib.types puts none are not its rendering.
		"list of (string)",
		"null or (boolean)",
		// Nor the other way round.
		"null or list of string",
		"list of submodule",
	} {
		if typ, err := ParseType(desc); err == nil {
			t.Errorf("ParseType(%q) = %s, want an error", desc, shape(typ))
		}
	}
}

// TestTypeString checks rendering of types built in code: parentheses go
// where lib.types puts them.
func TestTypeString(t *testing.T) {
	str := Type{Kind: Str}
	tests := []struct {
		typ  Type
		want string
	}{
		{Type{}, ""},
		{Type{Kind: ListOf, Elem: &Type{Kind: NullOr, Elem: &str}}, "list of (null or string)"},
		{Type{Kind: NullOr, Elem: &Type{Kind: ListOf, Elem: &str}}, "null or (list of string)"},
		{Type{Kind: ListOf, Elem: &Type{Kind: ListOf, Elem: &str}}, "list of list of string"},
		{Type{Kind: ListOf, Elem: &Type{Kind: Submodule}}, "list of (submodule)"},
		{Type{Kind: Either, Alts: []Type{{Kind: Int, Min: int64p(0)}, str}}, "unsigned integer, meaning >=0, or string"},
		{Type{Kind: Either, Alts: []Type{str, {Kind: Int, Min: int64p(0)}}}, "string or (unsigned integer, meaning >=0)"},
		{Type{Kind: Either, Alts: []Type{{Kind: ListOf, Elem: &str}, str}}, "(list of string) or string"},
		{Type{Kind: Str, Form: SeparatedStr, Sep: "\t\""}, `strings concatenated with "\t\""`},
		{Type{Kind: ListOf, NonEmpty: true, Elem: &str}, "non-empty (list of string)"},
		{Type{Kind: Enum}, "impossible (empty enum)"},
	}
	for _, tt := range tests {
		if got := tt.typ.String(); got != tt.want {
			t.Errorf("%s: String() = %q, want %q", shape(tt.typ), got, tt.want)
		}
	}
}
