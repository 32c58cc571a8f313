package validate

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/shoal-nix/shoal/internal/catalog"
	"github.com/shoal-nix/shoal/internal/diag"
	"github.com/shoal-nix/shoal/internal/fleet"
	"github.com/shoal-nix/shoal/internal/nixopts"
	"github.com/shoal-nix/shoal/internal/tomltree"
)

// rawOptions checks a machine's nixos."option.path" settings against the
// NixOS options index. Paths outside the index's covered prefixes are not
// checked, and never called unknown.
func (v *validator) rawOptions(m *fleet.Machine) {
	if len(m.NixOS) == 0 {
		return
	}
	ix := nixopts.Load()
	type seen struct {
		path  []string
		value *tomltree.Node
		at    diag.Path
	}
	var earlier []seen
	for _, raw := range m.NixOS {
		path, err := nixopts.SplitPath(raw.Option)
		if err != nil {
			v.diags.Errorf(diag.CodeUnknownOption, v.file, raw.Path, "%q is not a NixOS option path: %s", raw.Option, nixopts.Problem(err)).
				Hintf("write the option the way NixOS does, e.g. nixos.\"services.openssh.ports\"; quote names with dots: nixos.'services.nginx.virtualHosts.\"example.org\".root'")
			continue
		}
		for _, e := range earlier {
			if overlaps(e.path, e.value, path, raw.Value) {
				v.diags.Errorf(diag.CodeOptionTwice, v.file, raw.Path, "%s is set twice on %s", nixopts.FormatPath(path), m.Name).
					Hintf("set each option once: merge the two settings").
					Relate(v.file, e.at, "also set here")
			}
		}
		earlier = append(earlier, seen{path, raw.Value, raw.Path})
		v.rawOption(ix, path, m.Name, raw.Value, raw.Path)
	}
}

func (v *validator) rawOption(ix *nixopts.Index, path []string, machine string, n *tomltree.Node, at diag.Path) {
	// { public = "NAME" } and { secret = "NAME" } stand for strings
	// (check reports the ones it cannot fill in); "NAME/*" for a list.
	val := v.rf.RawValue(machine, n.Value(), func(string) []string { return nil })
	v.option(ix, v.file, path, val, at, func(t *nixopts.Type, name string, val any, at diag.Path) {
		v.optionValue(v.file, t, name, val, at, "")
	})
}

// option checks one value written to a NixOS option path in file: the
// path against the index, and each value that reaches a typed option with
// typed. A table given to a set of options is checked key by key.
func (v *validator) option(ix *nixopts.Index, file string, path []string, val any, at diag.Path, typed func(t *nixopts.Type, name string, val any, at diag.Path)) {
	name := nixopts.FormatPath(path)
	r := ix.Lookup(path)
	switch r.Kind {
	case nixopts.NotCovered:
		if len(r.Suggestions) > 0 {
			v.diags.Warnf(diag.CodeOptionNearMiss, file, at, "%s is not in shoal's NixOS options index, so it is not checked", name).
				Hintf("did you mean %s?", strings.Join(quoteAll(r.Suggestions), " or "))
		}
	case nixopts.Unknown:
		e := v.diags.Errorf(diag.CodeUnknownOption, file, at, "unknown NixOS option %s", name)
		if len(r.Suggestions) > 0 {
			e.Hintf("did you mean %s?", strings.Join(quoteAll(r.Suggestions), " or "))
		}
	case nixopts.Found:
		if r.Option.ReadOnly() {
			v.diags.Errorf(diag.CodeOptionReadOnly, file, at, "NixOS option %s is read-only: NixOS sets it itself", name).
				Hintf("remove this setting")
			return
		}
		v.typedOption(ix, file, path, r.Type, name, val, at, typed)
	case nixopts.Within:
		if r.Type != nil {
			v.typedOption(ix, file, path, r.Type, name, val, at, typed)
		}
	case nixopts.OptionSet:
		table, ok := val.(map[string]any)
		if !ok {
			e := v.diags.Errorf(diag.CodeOptionType, file, at, "%s is a set of options; give it a table, not %s", name, describeValue(val))
			if len(r.Children) > 0 {
				e.Hintf("it holds: %s", strings.Join(firstN(r.Children, 8), ", "))
			}
			return
		}
		for _, k := range slices.Sorted(maps.Keys(table)) {
			v.option(ix, file, append(slices.Clone(path), k), table[k], at.Child(k), typed)
		}
	}
}

// typedOption checks a value given to an option of type t. A table given
// to a submodule, or to an attribute set of submodules, holds options of
// their own: each is looked up in the index, so a typo in one
// (virtualHosts."example.org".forceSSl) is found like a typo in a path.
func (v *validator) typedOption(ix *nixopts.Index, file string, path []string, t *nixopts.Type, name string, val any, at diag.Path, typed func(t *nixopts.Type, name string, val any, at diag.Path)) {
	table, ok := val.(map[string]any)
	if ok && holdsOptions(t) {
		for _, k := range slices.Sorted(maps.Keys(table)) {
			v.option(ix, file, append(slices.Clone(path), k), table[k], at.Child(k), typed)
		}
		return
	}
	typed(t, name, val, at)
}

// holdsOptions reports whether a table given to type t is a set of
// options: t is a submodule, or an attribute set of them.
func holdsOptions(t *nixopts.Type) bool {
	for t != nil && t.Kind == nixopts.NullOr {
		t = t.Elem
	}
	if t != nil && t.Kind == nixopts.AttrsOf {
		t = t.Elem
		for t != nil && t.Kind == nixopts.NullOr {
			t = t.Elem
		}
	}
	return t != nil && t.Kind == nixopts.Submodule
}

// describeValue names the kind of a value the way a TOML user says it.
func describeValue(val any) string {
	switch x := val.(type) {
	case string:
		return "a string"
	case int64:
		return "an integer"
	case float64:
		return "a float"
	case bool:
		return "a boolean"
	case []any:
		return "an array"
	case map[string]any:
		return "a table"
	case catalog.SettingRef:
		return fmt.Sprintf("the value of setting %q", x.Setting)
	}
	return fmt.Sprintf("a %T", val)
}

// optionValue checks a value against an option type; a table value under
// a submodule is checked entry by entry through Lookup by the caller's
// recursion where the index declares sub-options. note, when not empty,
// is added to the summary in parentheses: where the value came from.
func (v *validator) optionValue(file string, t *nixopts.Type, name string, val any, at diag.Path, note string) bool {
	err := t.Check(val)
	if err == nil {
		return true
	}
	where := at
	var ce *nixopts.CheckError
	if errors.As(err, &ce) && note == "" {
		// Point at the offending element or key when the tree has it.
		for _, k := range ce.Keys() {
			where = where.Child(k)
		}
	}
	if note != "" {
		note = " (" + note + ")"
	}
	v.diags.Errorf(diag.CodeOptionType, file, where, "NixOS option %s: %v%s", name, err, note)
	return false
}

func quoteAll(names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = "\"" + n + "\""
	}
	return out
}

func firstN(s []string, n int) []string {
	if len(s) > n {
		return append(slices.Clone(s[:n]), "…")
	}
	return s
}

// overlaps reports whether two raw settings define the same option: the
// same path, or a parent whose value is not a table (so it cannot hold the
// other's path) or whose table holds the other's path.
func overlaps(a []string, av *tomltree.Node, b []string, bv *tomltree.Node) bool {
	if len(a) > len(b) {
		a, av, b, bv = b, bv, a, av
	}
	if !isPrefix(a, b) {
		return false
	}
	n := av
	for _, k := range b[len(a):] {
		if n.Kind != tomltree.Table {
			return true
		}
		if n = n.Get(k); n == nil {
			return false
		}
	}
	return true
}

// isPrefix reports whether a is b or a parent of it.
func isPrefix(a, b []string) bool {
	return len(a) <= len(b) && slices.Equal(a, b[:len(a)])
}
