package nixopts

import "sync"

// namedType is a type NixOS (or pkgs.formats) builds itself and describes
// by a name of its own rather than by lib.types' grammar. under is what
// shoal checks a TOML value against; nil accepts any value.
type namedType struct {
	class descClass
	under *Type
}

// namedTypes lists every named type the options index uses, with the
// descriptionClass NixOS gives it (which decides its parentheses) and an
// approximation of its check. Values from TOML cannot be null, functions
// or derivations, so the atoms below leave null out and take packages and
// paths as strings. The table is made on first use: a command that parses
// no type description never pays for it.
var namedTypes = sync.OnceValue(func() map[string]namedType {
	return map[string]namedType{
		// lib.types and pkgs.formats serialisable values: anything TOML can
		// say is also valid JSON, TOML and YAML.
		"JSON value":     {clsConjunction, nil},
		"TOML value":     {clsConjunction, nil},
		"YAML 1.1 value": {clsConjunction, nil},
		"YAML 1.2 value": {clsConjunction, nil},

		// pkgs.formats.ini and keyValue atoms and sections, and nix.conf's.
		iniAtomName:                               {clsConjunction, &iniAtom},
		iniAtomListName:                           {clsConjunction, &iniAtomList},
		iniAtomNonEmptyListName:                   {clsConjunction, &iniAtomNonEmptyList},
		iniSectionName(iniAtomName):               iniSection(iniAtomName, &iniAtom),
		iniSectionName(iniAtomListName):           iniSection(iniAtomListName, &iniAtomList),
		iniSectionName(iniAtomNonEmptyListName):   iniSection(iniAtomNonEmptyListName, &iniAtomNonEmptyList),
		"atom (null, bool, int, float or string)": {clsConjunction, &iniAtom},
		"Nix config atom (null, bool, int, float, str, path or package)": {clsConjunction, &iniAtom},

		// nixos/lib/systemd-unit-options.nix: unit settings are rendered to
		// text, so scalars and lists of scalars.
		"systemd option": {clsNone, &Type{Kind: Either, Alts: []Type{iniAtom, {Kind: ListOf, Elem: &iniAtom}}}},
		// nixos/modules/config/sysctl.nix
		"sysctl option value": {clsNone, &Type{Kind: Either, Alts: []Type{{Kind: Bool}, {Kind: Int}, {Kind: Str}}}},
		// nixos/modules/config/sysfs.nix
		"nested attribute set of null or sysfs attribute values": {clsComposite, &Type{Kind: AttrsOf, Elem: &Type{Kind: Anything}}},
		// nixos/modules/hardware/iosched.nix
		"udev rule value": {clsNoun, &Type{Kind: Str, Form: PatternStr, Pattern: "[^\n\r]*[^ \t\n\r][^\n\r]*"}},

		// nixos/modules/misc/nixpkgs.nix: a config is an attribute set (or a
		// function, which TOML cannot say); overlays and package sets are Nix
		// values TOML cannot say at all.
		"nixpkgs config":  {clsNone, &Type{Kind: AttrsOf}},
		"nixpkgs overlay": {clsNone, &Type{Kind: Function}},
		"An evaluation of Nixpkgs; the top level attribute set of packages": {clsNone, &Type{Kind: Function}},

		// Packages with extra requirements NixOS checks on the derivation.
		"ibus-engine":                    {clsNoun, &Type{Kind: Package}},
		"NetworkManager plugin package":  {clsNoun, &Type{Kind: Package}},
		"package with provided sessions": {clsNoun, &Type{Kind: Package}},

		// Strings with a NixOS-specific check.
		"session name":                             {clsNoun, &Type{Kind: Str}},
		"file mode string":                         {clsNoun, &Type{Kind: Str, Form: PatternStr, Pattern: fileModePattern}},
		"Network prefix in CIDR notation":          {clsNoun, &Type{Kind: Str, Form: PatternStr, Pattern: "[0-9A-Fa-f.:]+/[0-9]{1,3}"}},
		"PKCS#11 URI":                              {clsNoun, &Type{Kind: Str, Form: PatternStr, Pattern: "pkcs11:.*"}},
		"string, with spaces inside double quotes": {clsNoun, &Type{Kind: Str, Form: PatternStr, Pattern: `([^"[:space:]]|"[^"]*")+`}},
		"printable string without spaces, # and /": {clsNoun, &Type{Kind: Str, Form: PatternStr, Pattern: `[!"$-.0-~]+`}},
		"string without spaces":                    {clsNoun, &Type{Kind: Str, Form: PatternStr, Pattern: `[^ ]*`}},
		"one of the available driver branches in `pkgs/os-specific/linux/nvidia-x11/default.nix`": {clsNoun, &Type{Kind: Str}},
	}
})

// fileModePattern is chmod(1)'s mode: octal, or symbolic clauses joined by
// commas (security.wrappers.<name>.permissions defaults to "u+rx,g+x,o+x").
const fileModePattern = `[-+=]?[0-7]{1,4}|[ugoa]*([-+=]([rwxXst]*|[ugo]))+(,[ugoa]*([-+=]([rwxXst]*|[ugo]))+)*`

// iniAtom is null, bool, int, float or string; null cannot come from TOML.
var iniAtom = Type{Kind: Either, Alts: []Type{{Kind: Bool}, {Kind: Int}, {Kind: Float}, {Kind: Str}}}

// The INI atoms of pkgs.formats.ini, plain and with the two ways it offers
// to turn lists into values.
const (
	iniAtomName             = "INI atom (null, bool, int, float or string)"
	iniAtomListName         = iniAtomName + " or a list of them for duplicate keys"
	iniAtomNonEmptyListName = iniAtomName + " or a non-empty list of them"
)

var (
	iniAtomRef          = Type{Kind: Named, Name: iniAtomName, Elem: &iniAtom}
	iniAtomList         = Type{Kind: Either, Alts: []Type{iniAtomRef, {Kind: ListOf, Elem: &iniAtomRef}}}
	iniAtomNonEmptyList = Type{Kind: Either, Alts: []Type{iniAtomRef, {Kind: ListOf, NonEmpty: true, Elem: &iniAtomRef}}}
)

func iniSectionName(atom string) string { return "section of an INI file (attrs of " + atom + ")" }

// iniSection is pkgs.formats.ini's section type: an attribute set of atoms.
func iniSection(atom string, under *Type) namedType {
	return namedType{clsComposite, &Type{Kind: AttrsOf, Elem: &Type{Kind: Named, Name: atom, Elem: under}}}
}

// namedClass returns the descriptionClass of a named type; names the
// table does not know are treated as lib.types does a type without one.
func namedClass(name string) descClass {
	return namedTypes()[name].class
}

// newNamed returns the Named type for a description in namedTypes.
func newNamed(name string) (Type, bool) {
	nt, ok := namedTypes()[name]
	if !ok {
		return Type{}, false
	}
	return Type{Kind: Named, Name: name, Elem: nt.under}, true
}
