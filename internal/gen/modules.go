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
func settingType(s *catalog.Setting) string {
	t := s.Type
	var expr string
	switch t.Kind {
	case catalog.KindBool:
		expr = "lib.types.bool"
	case catalog.KindInt:
		switch {
		case t.Min != nil && t.Max != nil:
			expr = fmt.Sprintf("lib.types.ints.between %s %s", lit(*t.Min), lit(*t.Max))
		case t.Min != nil:
			expr = fmt.Sprintf("lib.types.addCheck lib.types.int (x: x >= %s)", lit(*t.Min))
		default:
			expr = "lib.types.int"
		}
	case catalog.KindPort:
		expr = "lib.types.port"
	case catalog.KindSize:
		expr = "lib.types.ints.unsigned"
	case catalog.KindEnum:
		expr = "lib.types.enum " + lit(t.Values)
	case catalog.KindList:
		if len(t.Values) > 0 {
			expr = "lib.types.listOf (lib.types.enum " + lit(t.Values) + ")"
		} else {
			expr = "lib.types.listOf lib.types.str"
		}
	default:
		expr = "lib.types.str"
	}
	if s.Default == nil {
		if strings.Contains(expr, " ") {
			expr = "(" + expr + ")"
		}
		return "lib.types.nullOr " + expr
	}
	return expr
}

// lit renders a plain value that cannot fail (ints, strings, string lists).
func lit(v any) string {
	s, err := nixlit.Value(nixValue(v))
	if err != nil {
		panic(fmt.Sprintf("gen: literal %v: %v", v, err)) // the catalog's own values are plain
	}
	return s
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
	w := newFile(
		"shoal's option namespace: each feature the fleet uses, with its enable option and typed",
		"settings; defaults come from ../defaults.nix. Also the machine facts validation.nix checks.",
	)
	w.line("{ lib, ... }:")
	w.open("let")
	w.line("defaults = import ", rel(layout.NixOSModule, layout.Defaults), ";")
	w.close("in")
	w.open("{")
	w.open("imports = [")
	w.line(rel(layout.NixOSModule, layout.Validation))
	w.line(rel(layout.NixOSModule, layout.Services))
	w.close("];")
	w.blank()
	w.open("options.shoal = {")
	w.open("profile = lib.mkOption {")
	w.line("type = lib.types.nullOr (lib.types.enum ", lit(g.cat.ProfileNames()), ");")
	w.line("default = null;")
	w.line("description = ", str("The machine's shoal profile."), ";")
	w.close("};")
	w.blank()
	w.comment("Hardware facts from shoal.toml; null or empty when not told.")
	w.open("hardware = {")
	facts := []struct{ name, typ, desc string }{
		{"system", "lib.types.str", "Nix system of the machine."},
		{"cpu", "lib.types.nullOr (lib.types.enum " + lit(fleet.CPUVendors) + ")", "CPU vendor."},
		{"gpu", "lib.types.listOf (lib.types.enum " + lit(fleet.GPUVendors) + ")", "GPU vendors."},
		{"form", "lib.types.nullOr (lib.types.enum " + lit(fleet.FormFactors) + ")", "Form factor."},
		{"memory", "lib.types.nullOr lib.types.ints.unsigned", "Memory in bytes."},
		{"disk", "lib.types.nullOr lib.types.ints.unsigned", "Disk in bytes."},
		{"cores", "lib.types.nullOr lib.types.ints.positive", "CPU cores."},
	}
	for _, f := range facts {
		w.open(nixlit.AttrName(f.name) + " = lib.mkOption {")
		w.line("type = ", f.typ, ";")
		switch f.name {
		case "system":
			w.line("default = \"x86_64-linux\";")
		case "gpu":
			w.line("default = [ ];")
		default:
			w.line("default = null;")
		}
		w.line("description = ", str(f.desc), ";")
		w.close("};")
	}
	w.close("};")
	w.blank()
	w.open("features = {")
	for i, f := range g.features {
		if i > 0 {
			w.blank()
		}
		w.open(nixlit.AttrName(f.Name) + " = {")
		w.line("enable = lib.mkEnableOption ", str(firstLine(f.Description)), ";")
		for _, s := range f.Settings {
			w.open(nixlit.AttrName(s.Name) + " = lib.mkOption {")
			w.line("type = ", settingType(s), ";")
			w.line("default = ", "defaults.", attrPath(f.Name, s.Name), ";")
			if s.Description != "" {
				w.line("description = ", str(s.Description), ";")
			}
			w.close("};")
		}
		w.close("};")
	}
	w.close("};")
	w.close("};")
	w.close("}")
	return g.put(layout.NixOSModule, w, Origin{Kind: FromCatalog})
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
	w := newFile(
		"Centralized defaults: each feature setting's value for the whole fleet.",
		"Values marked [defaults] come from shoal.toml; the others are the catalog's.",
		"Profiles (modules/profiles/) and machines (machines/) override them.",
	)
	w.open("{")
	for _, f := range g.features {
		if len(f.Settings) == 0 {
			continue
		}
		w.open(nixlit.AttrName(f.Name) + " = {")
		for _, s := range f.Settings {
			v, fromFleet := fleetVals[f.Name][s.Name]
			if !fromFleet {
				v = s.Default
			}
			line := nixlit.AttrName(s.Name) + " = " + w.value(nixValue(v)) + ";"
			if fromFleet {
				line += " # [defaults] in shoal.toml"
			}
			w.line(line)
		}
		w.close("};")
	}
	w.close("}")
	return g.put(layout.Defaults, w, g.fleetOrigin(diag.P("defaults")))
}

// packages writes modules/packages/common.nix: the package collections,
// defined once, as a function of pkgs.
func (g *generator) packages() error {
	w := newFile("Shared package collections, defined once; feature modules take the ones they need.")
	w.line("pkgs:")
	w.open("{")
	for _, name := range sortedKeys(g.cat.Collections) {
		col := g.cat.Collections[name]
		if col.Description != "" {
			w.comment(col.Description)
		}
		pkgs := make([]any, len(col.Packages))
		for i, p := range col.Packages {
			pkgs[i] = pkgExpr(p)
		}
		w.line(nixlit.AttrName(name), " = ", w.value(pkgs), ";")
	}
	w.close("}")
	return g.put(layout.Packages, w, Origin{Kind: FromCatalog})
}

// pkgExpr is the Nix expression for a nixpkgs attribute name such as
// "ripgrep" or "nvtopPackages.full".
func pkgExpr(name string) nixlit.Expr {
	name = strings.TrimPrefix(name, "pkgs.")
	return nixlit.Expr("pkgs." + nixlit.AttrPath(strings.Split(name, ".")...))
}

func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }
