package validate

import (
	"errors"
	"slices"
	"strings"

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
		v.rawOption(ix, m, path, raw.Value, raw.Path)
	}
}

func (v *validator) rawOption(ix *nixopts.Index, m *fleet.Machine, path []string, n *tomltree.Node, at diag.Path) {
	name := nixopts.FormatPath(path)
	r := ix.Lookup(path)
	switch r.Kind {
	case nixopts.NotCovered:
		if len(r.Suggestions) > 0 {
			v.diags.Warnf(diag.CodeOptionNearMiss, v.file, at, "%s is not in shoal's NixOS options index, so it is not checked", name).
				Hintf("did you mean %s?", strings.Join(quoteAll(r.Suggestions), " or "))
		}
	case nixopts.Unknown:
		e := v.diags.Errorf(diag.CodeUnknownOption, v.file, at, "unknown NixOS option %s", name)
		if len(r.Suggestions) > 0 {
			e.Hintf("did you mean %s?", strings.Join(quoteAll(r.Suggestions), " or "))
		}
	case nixopts.Found:
		if r.Option.ReadOnly() {
			v.diags.Errorf(diag.CodeOptionReadOnly, v.file, at, "NixOS option %s is read-only: NixOS sets it itself", name).
				Hintf("remove this setting")
			return
		}
		v.optionValue(r.Type, name, n, at)
	case nixopts.Within:
		if r.Type != nil {
			v.optionValue(r.Type, name, n, at)
		}
	case nixopts.OptionSet:
		if n.Kind != tomltree.Table {
			e := v.diags.Errorf(diag.CodeOptionType, v.file, at, "%s is a set of options; give it a table, not %s", name, n.Describe())
			if len(r.Children) > 0 {
				e.Hintf("it holds: %s", strings.Join(firstN(r.Children, 8), ", "))
			}
			return
		}
		for _, k := range n.Keys {
			v.rawOption(ix, m, append(slices.Clone(path), k), n.Get(k), at.Child(k))
		}
	}
}

// optionValue checks a value against an option type; a table value under
// a submodule is checked entry by entry through Lookup by the caller's
// recursion where the index declares sub-options.
func (v *validator) optionValue(t *nixopts.Type, name string, n *tomltree.Node, at diag.Path) {
	err := t.Check(n.Value())
	if err == nil {
		return
	}
	where := at
	var ce *nixopts.CheckError
	if errors.As(err, &ce) {
		// Point at the offending element or key when the tree has it.
		for _, k := range ce.Keys() {
			where = where.Child(k)
		}
	}
	v.diags.Errorf(diag.CodeOptionType, v.file, where, "NixOS option %s: %v", name, err)
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
