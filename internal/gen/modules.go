package gen

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/shoal-nix/shoal/internal/catalog"
	"github.com/shoal-nix/shoal/internal/diag"
	"github.com/shoal-nix/shoal/internal/fleet"
	"github.com/shoal-nix/shoal/internal/layout"
	"github.com/shoal-nix/shoal/internal/nixlit"
)

// settingType is the Nix type of a setting, as a lib.types expression.
func settingType(s *catalog.Setting) nixlit.Node {
	t := s.Type
	types := func(name ...string) *nixlit.Select { return sel("lib", append([]string{"types"}, name...)...) }
	var expr nixlit.Node
	switch t.Kind {
	case catalog.KindBool:
		expr = types("bool")
	case catalog.KindInt:
		switch {
		case t.Min != nil && t.Max != nil:
			expr = call(types("ints", "between"), lit(*t.Min), lit(*t.Max))
		case t.Min != nil:
			expr = call(types("addCheck"), types("int"), fn("x", nixlit.Binary(sel("x"), ">=", lit(*t.Min))))
		default:
			expr = types("int")
		}
	case catalog.KindPort:
		expr = types("port")
	case catalog.KindSize:
		expr = types("ints", "unsigned")
	case catalog.KindEnum:
		expr = call(types("enum"), lit(t.Values))
	case catalog.KindList:
		if len(t.Values) > 0 {
			expr = call(types("listOf"), &nixlit.Paren{X: call(types("enum"), lit(t.Values))})
		} else {
			expr = call(types("listOf"), types("str"))
		}
	default:
		expr = types("str")
	}
	if s.Default == nil {
		return nullOr(expr)
	}
	return expr
}

// nullOr is lib.types.nullOr t. A t that is an application stays in
// parentheses hugging it, as shoal has always written it.
func nullOr(t nixlit.Node) nixlit.Node {
	if _, ok := t.(*nixlit.Apply); ok {
		t = &nixlit.Paren{X: t}
	}
	return call(sel("lib", "types", "nullOr"), t)
}

// lit is a plain value that cannot fail (ints, strings, string lists).
func lit(v any) nixlit.Node {
	n, err := nixlit.Data(nixValue(v))
	if err != nil {
		panic(fmt.Sprintf("gen: literal %v: %v", v, err)) // the catalog's own values are plain
	}
	return n
}

// nixValue converts a resolved setting value to what nixlit.Value takes.
func nixValue(v any) any {
	switch x := v.(type) {
	case fleet.Size:
		return int64(x)
	case []string:
		out := make([]any, len(x))
		for i, s := range x {
			out[i] = s
		}
		return out
	}
	return v
}

// namespace writes modules/nixos/default.nix: shoal's options, with their
// defaults taken from modules/defaults.nix.
func (g *generator) namespace() error {
	const file = layout.NixOSModule
	mkOption := func(typ, def nixlit.Node, desc string) nixlit.Node {
		bs := []nixlit.Binding{bind(typ, "type"), bind(def, "default")}
		if desc != "" {
			bs = append(bs, bind(nstr(desc), "description"))
		}
		return call(sel("lib", "mkOption"), set(bs...))
	}
	enum := func(values []string) nixlit.Node { return call(sel("lib", "types", "enum"), lit(values)) }
	unsigned := sel("lib", "types", "ints", "unsigned")
	facts := []struct {
		name string
		typ  nixlit.Node
		desc string
	}{
		{"system", sel("lib", "types", "str"), "Nix system of the machine."},
		{"cpu", nullOr(enum(fleet.CPUVendors)), "CPU vendor."},
		{"gpu", call(sel("lib", "types", "listOf"), &nixlit.Paren{X: enum(fleet.GPUVendors)}), "GPU vendors."},
		{"form", nullOr(enum(fleet.FormFactors)), "Form factor."},
		{"memory", nullOr(unsigned), "Memory in bytes."},
		{"disk", nullOr(unsigned), "Disk in bytes."},
		{"cores", nullOr(sel("lib", "types", "ints", "positive")), "CPU cores."},
	}
	hardware := set()
	for _, f := range facts {
		var def nixlit.Node = nixlit.Null()
		switch f.name {
		case "system":
			def = nstr("x86_64-linux")
		case "gpu":
			def = list()
		}
		hardware.Bindings = append(hardware.Bindings, bind(mkOption(f.typ, def, f.desc), f.name))
	}
	features := set()
	for i, f := range g.features {
		opts := set(bind(call(sel("lib", "mkEnableOption"), nstr(firstLine(f.Description))), "enable"))
		for _, s := range f.Settings {
			opts.Bindings = append(opts.Bindings, bind(mkOption(settingType(s), sel("defaults", f.Name, s.Name), s.Description), s.Name))
		}
		features.Bindings = append(features.Bindings, nixlit.Binding{Path: []string{f.Name}, Value: opts, Blank: i > 0})
	}
	body := &nixlit.Let{
		Bindings: []nixlit.Binding{bind(importOf(rel(file, layout.Defaults)), "defaults")},
		Body: set(
			bind(list(rel(file, layout.Validation), rel(file, layout.Services)), "imports"),
			nixlit.Binding{Path: []string{"options", "shoal"}, Blank: true, Value: set(
				bind(mkOption(nullOr(enum(g.cat.ProfileNames())), nixlit.Null(), "The machine's shoal profile."), "profile"),
				bind(mkOption(nullOr(sel("lib", "types", "str")), nixlit.Null(), "The machine's name in shoal.toml; the fleet services' wiring is per machine by it."), "name"),
				bind(mkOption(sel("lib", "types", "bool"), nixlit.Bool(false), "Whether the internet can reach the machine: ports meant for the LAN (web interfaces, statistics) stay closed."), "public"),
				nixlit.Binding{Path: []string{"hardware"}, Value: hardware, Blank: true,
					Comments: []string{"Hardware facts from shoal.toml; null or empty when not told."}},
				nixlit.Binding{Path: []string{"features"}, Value: features, Blank: true},
			)},
		),
	}
	return g.write(file, nixFile(nixlit.Func("", body),
		"shoal's option namespace: each feature the fleet uses, with its enable option and typed",
		"settings; defaults come from ../defaults.nix. Also the machine facts validation.nix checks.",
	), Origin{Kind: FromCatalog}, nil)
}

func firstLine(s string) string {
	if i := strings.IndexAny(s, "\r\n"); i >= 0 {
		s = s[:i]
	}
	return strings.TrimSuffix(s, ".")
}

// defaults writes modules/defaults.nix: every setting's fleet-wide default,
// the catalog's unless [defaults] in shoal.toml says otherwise.
func (g *generator) defaults() error {
	fleetVals := map[string]map[string]any{}
	for _, s := range g.rf.Spec.Defaults {
		def := g.cat.Features[s.Feature]
		if def == nil || def.Setting(s.Name) == nil {
			continue
		}
		v, problem, _ := def.Setting(s.Name).Type.Check(s.Value)
		if problem != "" {
			continue
		}
		if fleetVals[s.Feature] == nil {
			fleetVals[s.Feature] = map[string]any{}
		}
		fleetVals[s.Feature][s.Name] = v
	}
	var b nodes
	body := set()
	for _, f := range g.features {
		if len(f.Settings) == 0 {
			continue
		}
		values := set()
		for _, s := range f.Settings {
			v, fromFleet := fleetVals[f.Name][s.Name]
			if !fromFleet {
				v = s.Default
			}
			bd := bind(b.data(nixValue(v)), s.Name)
			if fromFleet {
				bd.Trailing = "[defaults] in shoal.toml"
			}
			values.Bindings = append(values.Bindings, bd)
		}
		body.Bindings = append(body.Bindings, bind(values, f.Name))
	}
	return g.write(layout.Defaults, nixFile(body,
		"Centralized defaults: each feature setting's value for the whole fleet.",
		"Values marked [defaults] come from shoal.toml; the others are the catalog's.",
		"Profiles (modules/profiles/) and machines (machines/) override them.",
	), g.fleetOrigin(diag.P("defaults")), b.err)
}

// packages writes modules/packages/common.nix: the package collections,
// defined once, as a function of pkgs.
func (g *generator) packages() error {
	var b nodes
	body := set()
	for _, name := range sortedKeys(g.cat.Collections) {
		col := g.cat.Collections[name]
		pkgs := make([]any, len(col.Packages))
		for i, p := range col.Packages {
			pkgs[i] = pkgExpr(p)
		}
		bd := bind(b.data(pkgs), name)
		if col.Description != "" {
			bd.Comments = []string{col.Description}
		}
		body.Bindings = append(body.Bindings, bd)
	}
	return g.write(layout.Packages, nixFile(fn("pkgs", body),
		"Shared package collections, defined once; feature modules take the ones they need."), Origin{Kind: FromCatalog}, b.err)
}

// pkgExpr is the Nix expression for a nixpkgs attribute name such as
// "ripgrep" or "nvtopPackages.full".
func pkgExpr(name string) nixlit.Node {
	name = strings.TrimPrefix(name, "pkgs.")
	return sel("pkgs", strings.Split(name, ".")...)
}

func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }
