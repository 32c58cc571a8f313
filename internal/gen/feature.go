package gen

import (
	"fmt"
	"slices"
	"strings"

	"github.com/shoal-nix/shoal/internal/catalog"
	"github.com/shoal-nix/shoal/internal/layout"
	"github.com/shoal-nix/shoal/internal/nixlit"
	"github.com/shoal-nix/shoal/internal/nixopts"
)

// featureModules writes one module per feature the fleet uses: its NixOS
// configuration under lib.mkIf on the feature's enable option.
func (g *generator) featureModules() error {
	for _, f := range g.features {
		if err := g.featureModule(f); err != nil {
			return err
		}
	}
	return nil
}

func (g *generator) featureModule(f *catalog.Feature) error {
	file := layout.Feature(f.Name)
	body := &nixw{indent: 3}
	var blocks []string

	// The unconditional block: options, packages and ports.
	main := &nixw{indent: 1}
	var mainAttrs attrs
	for _, b := range f.NixOS {
		if len(b.When) == 0 {
			g.optionLines(main, &mainAttrs, f, b.Options)
		}
	}
	// What shoal adds from packages and ports. When the feature's own
	// options set one of these options or a set holding it, Nix would see
	// an attribute defined twice: they go in a block of their own, which
	// the module system merges.
	var added attrs
	if pk := g.packageList(f); pk != "" {
		added.add([]string{"environment", "systemPackages"}, pk, "")
	}
	for _, proto := range []string{"tcp", "udp"} {
		var ports []any
		for _, p := range f.Ports {
			if p.Protocol != proto {
				continue
			}
			if p.Setting != "" {
				ports = append(ports, nixlit.Expr("cfg."+nixlit.AttrName(p.Setting)))
			} else {
				ports = append(ports, p.Port)
			}
		}
		if len(ports) > 0 {
			added.addValue(main, []string{"networking", "firewall", "allowed" + strings.ToUpper(proto) + "Ports"}, ports, "")
		}
	}
	separate := mainAttrs.overlaps(added)
	if !separate {
		mainAttrs = append(mainAttrs, added...)
	}
	mainAttrs.write(main)
	if main.b.Len() > 0 || main.err != nil {
		if main.err != nil {
			return fmt.Errorf("generate %s: %w", file, main.err)
		}
		blocks = append(blocks, "{\n"+main.b.String()+"}")
	}
	if separate {
		own := &nixw{indent: 1}
		added.write(own)
		blocks = append(blocks, "{\n"+own.b.String()+"}")
	}
	for _, b := range f.NixOS {
		if len(b.When) == 0 {
			continue
		}
		inner := &nixw{indent: 1}
		var innerAttrs attrs
		g.optionLines(inner, &innerAttrs, f, b.Options)
		innerAttrs.write(inner)
		if inner.err != nil {
			return fmt.Errorf("generate %s: %w", file, inner.err)
		}
		cond := g.condition(b.When)
		if len(b.When) > 1 || strings.HasPrefix(b.When[0].Key, "hardware.") {
			cond = "(" + cond + ")"
		}
		// A local feature's condition keys are free text: keep the comment on its line.
		blocks = append(blocks, "# when "+noBreak.Replace(b.When.String())+"\n(lib.mkIf "+cond+" {\n"+inner.b.String()+"})")
	}
	if f.Module != "" {
		blocks = append(blocks, "# what typed settings cannot say, from module.nix\n(import "+rel(file, g.rawModulePath(f))+" args)")
		if !f.Local {
			p := g.rawModulePath(f)
			g.files[p] = File{Path: p, Data: []byte(Header + "\n" + f.Module), Origin: featureOrigin(f)}
		}
	}
	for _, b := range blocks {
		body.line(b)
	}
	text := body.b.String()

	w := newFile(fmt.Sprintf("Feature %s: %s.", f.Name, firstLine(f.Description)))
	if f.Lifecycle != catalog.Stable {
		w.comment("Lifecycle: " + f.Lifecycle + replacement(f))
	}
	args := []string{"config", "lib"}
	if refersTo(text, "pkgs") || refersTo(text, "common") {
		args = append(args, "pkgs")
	}
	head := "{ " + strings.Join(args, ", ") + ", ... }"
	if f.Module != "" {
		head += "@args"
	}
	w.line(head + ":")
	w.open("let")
	w.line("cfg = config.shoal.features.", nixlit.AttrName(f.Name), ";")
	if refersTo(text, featuresVar) {
		w.line(featuresVar, " = config.shoal.features;")
	}
	if refersTo(text, hardwareVar) {
		w.line(hardwareVar, " = config.shoal.hardware;")
	}
	if refersTo(text, "common") {
		w.line("common = import ", rel(file, layout.Packages), " pkgs;")
	}
	w.close("in")
	w.open("{")
	switch {
	case len(blocks) == 0:
		w.line("config = lib.mkIf cfg.enable { };")
	case len(blocks) == 1 && strings.HasPrefix(blocks[0], "{\n"):
		// One plain block needs no lib.mkMerge.
		w.b.WriteString(strings.Repeat("  ", w.indent) + "config = lib.mkIf cfg.enable ")
		inner := &nixw{indent: w.indent}
		inner.line(blocks[0])
		w.b.WriteString(strings.TrimLeft(strings.TrimSuffix(inner.b.String(), "\n"), " ") + ";\n")
	default:
		w.open("config = lib.mkIf cfg.enable (")
		w.open("lib.mkMerge [")
		w.b.WriteString(text)
		w.close("]")
		w.close(");")
	}
	w.close("}")
	return g.put(file, w, featureOrigin(f))
}

func replacement(f *catalog.Feature) string {
	if f.Replacement != "" {
		return "; use " + f.Replacement + " instead"
	}
	return ""
}

// rawModulePath is where a feature's module.nix is found from the output
// root: copied beside the feature module for built-in features, read in
// place from the fleet's features/ for local ones.
func (g *generator) rawModulePath(f *catalog.Feature) string {
	if f.Local {
		return g.srcPath(layout.LocalFeatureModule(f.Name))
	}
	return layout.FeatureModule(f.Name)
}

// packageList is the Nix list of a feature's packages: its collections
// from modules/packages/common.nix, then single packages.
func (g *generator) packageList(f *catalog.Feature) string {
	var parts []string
	for _, c := range f.Collections {
		parts = append(parts, "common."+nixlit.AttrName(c.Value))
	}
	if len(f.Packages) > 0 {
		pkgs := make([]any, len(f.Packages))
		for i, p := range f.Packages {
			pkgs[i] = pkgExpr(p.Value)
		}
		s, _ := nixlit.Value(pkgs)
		parts = append(parts, s)
	}
	return strings.Join(parts, " ++ ")
}

// optionLines adds option = value bindings to a. A value that is exactly
// an unset-able setting is guarded so NixOS keeps its own default when the
// setting is null.
func (g *generator) optionLines(w *nixw, a *attrs, f *catalog.Feature, opts []catalog.OptionValue) {
	ix := nixopts.Load()
	for _, o := range opts {
		p, err := nixopts.SplitPath(o.Option)
		if err != nil {
			if w.err == nil {
				w.err = fmt.Errorf("feature %s: option %q: %w", f.Name, o.Option, err)
			}
			continue
		}
		v := g.optionValue(ix, p, o.Value)
		if ref, ok := o.Value.(catalog.SettingRef); ok {
			if s := f.Setting(ref.Setting); s != nil && s.Default == nil {
				ex := "cfg." + nixlit.AttrName(ref.Setting)
				a.add(p, "lib.mkIf ("+ex+" != null) "+ex, "")
				continue
			}
		}
		a.addValue(w, p, v, "")
	}
}

// optionValue converts a catalog option value for nixlit: setting
// references become cfg.NAME, and strings where the option takes packages
// become pkgs.NAME.
func (g *generator) optionValue(ix *nixopts.Index, p []string, v any) any {
	switch x := v.(type) {
	case catalog.SettingRef:
		return nixlit.Expr("cfg." + nixlit.AttrName(x.Setting))
	case string:
		if t := optionType(ix, p); t != nil && isPackage(*t) {
			return pkgExpr(x)
		}
		if strings.Contains(x, "\n") && nixlit.CheckString(x) == nil {
			// Scripts and configuration text read better as indented strings.
			return nixlit.Expr(nixlit.IndentedString(x, 0))
		}
		return x
	case []any:
		out := make([]any, len(x))
		var elem *nixopts.Type
		if t := optionType(ix, p); t != nil {
			elem = listElem(*t)
		}
		for i, e := range x {
			if s, ok := e.(string); ok && elem != nil && isPackage(*elem) {
				out[i] = pkgExpr(s)
				continue
			}
			out[i] = g.optionValue(ix, append(slices.Clone(p), "*"), e)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = g.optionValue(ix, append(slices.Clone(p), k), e)
		}
		return out
	}
	return v
}

func optionType(ix *nixopts.Index, p []string) *nixopts.Type {
	r := ix.Lookup(p)
	if r.Kind == nixopts.Found || r.Kind == nixopts.Within {
		return r.Type
	}
	return nil
}

func isPackage(t nixopts.Type) bool {
	for t.Kind == nixopts.NullOr && t.Elem != nil {
		t = *t.Elem
	}
	return t.Kind == nixopts.Package
}

func listElem(t nixopts.Type) *nixopts.Type {
	for t.Kind == nixopts.NullOr && t.Elem != nil {
		t = *t.Elem
	}
	if t.Kind == nixopts.ListOf {
		return t.Elem
	}
	return nil
}
