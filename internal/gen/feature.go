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
	var b nodes
	var blocks []nixlit.Node

	// The unconditional block: options, packages and ports.
	var main []nixlit.Binding
	for _, blk := range f.NixOS {
		if len(blk.When) == 0 {
			main = append(main, g.optionBindings(&b, f, blk.Options)...)
		}
	}
	// What shoal adds from packages and ports. When the feature's own
	// options set one of these options or a set holding it, Nix would see
	// an attribute defined twice: they go in a block of their own, which
	// the module system merges.
	var added []nixlit.Binding
	if pk := g.packageList(&b, f); pk != nil {
		added = append(added, bind(pk, "environment", "systemPackages"))
	}
	// Public ports are open to all; private ones only on a machine the
	// internet cannot reach; a service's ports are opened by the service
	// wiring, to the machines that use them (modules/services/defaults.nix).
	for _, proto := range []string{"tcp", "udp"} {
		var public, private []nixlit.Node
		for _, p := range f.Ports {
			if p.Protocol != proto || p.Access == catalog.AccessService {
				continue
			}
			var port nixlit.Node = nixlit.Int(p.Port)
			if p.Setting != "" {
				port = sel("cfg", p.Setting)
			}
			if p.Access == catalog.AccessPrivate {
				private = append(private, port)
			} else {
				public = append(public, port)
			}
		}
		path := []string{"networking", "firewall", "allowed" + strings.ToUpper(proto) + "Ports"}
		var ports nixlit.Node
		if len(public) > 0 {
			ports = &nixlit.List{Items: public, Inline: len(public) == 1}
		}
		if len(private) > 0 {
			closed := call(sel("lib", "optionals"), &nixlit.Paren{X: &nixlit.Not{X: sel("config", "shoal", "public")}}, &nixlit.List{Items: private, Inline: len(private) == 1})
			if ports == nil {
				ports = closed
			} else {
				ports = nixlit.Binary(ports, "++", closed)
			}
		}
		if ports != nil {
			added = append(added, bind(ports, path...))
		}
	}
	separate := nixlit.Overlap(main, added)
	if !separate {
		main = append(main, added...)
	}
	if len(main) > 0 {
		blocks = append(blocks, set(nixlit.Group(main)...))
	}
	if separate {
		blocks = append(blocks, set(nixlit.Group(added)...))
	}
	for _, blk := range f.NixOS {
		if len(blk.When) == 0 {
			continue
		}
		inner := set(nixlit.Group(g.optionBindings(&b, f, blk.Options))...)
		cond := g.condition(blk.When)
		if len(blk.When) > 1 || strings.HasPrefix(blk.When[0].Key, "hardware.") {
			cond = &nixlit.Paren{X: cond}
		}
		blocks = append(blocks, &nixlit.Comment{Lines: []string{"when " + blk.When.String()}, X: nixlit.MkIf(cond, inner)})
	}
	at := ""
	if f.Module != "" {
		at = "args"
		blocks = append(blocks, &nixlit.Comment{
			Lines: []string{"what typed settings cannot say, from module.nix"},
			X:     importOf(rel(file, g.rawModulePath(f)), sel("args")),
		})
		if !f.Local {
			p := g.rawModulePath(f)
			if err := g.put(File{Path: p, Data: []byte(Header + "\n" + f.Module), Origin: featureOrigin(f)}); err != nil {
				return err
			}
		}
	}

	enable := sel("cfg", "enable")
	var config nixlit.Node
	switch {
	case len(blocks) == 0:
		config = nixlit.MkIf(enable, set())
	case len(blocks) == 1 && isSet(blocks[0]):
		config = nixlit.MkIf(enable, blocks[0]) // one plain block needs no lib.mkMerge
	default:
		config = nixlit.MkIf(enable, nixlit.MkMerge(blocks...))
	}
	body := set(bind(config, "config"))
	lets := append([]nixlit.Binding{bind(sel("config", "shoal", "features", f.Name), "cfg")},
		usedLets(body, featuresLet, hardwareLet,
			bind(importOf(rel(file, layout.Packages), sel("pkgs")), "common"))...)

	comments := []string{fmt.Sprintf("Feature %s: %s.", f.Name, firstLine(f.Description))}
	if f.Lifecycle != catalog.Stable {
		comments = append(comments, "Lifecycle: "+f.Lifecycle+replacement(f))
	}
	module := nixlit.Func(at, &nixlit.Let{Bindings: lets, Body: body})
	return g.write(file, nixFile(module, comments...), featureOrigin(f), b.err)
}

func isSet(n nixlit.Node) bool {
	_, ok := n.(*nixlit.Set)
	return ok
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
// from modules/packages/common.nix, then single packages; nil if none.
func (g *generator) packageList(b *nodes, f *catalog.Feature) nixlit.Node {
	var parts []nixlit.Node
	for _, c := range f.Collections {
		parts = append(parts, sel("common", c.Value))
	}
	if len(f.Packages) > 0 {
		pkgs := make([]any, len(f.Packages))
		for i, p := range f.Packages {
			pkgs[i] = pkgExpr(p.Value)
		}
		parts = append(parts, b.data(pkgs))
	}
	switch len(parts) {
	case 0:
		return nil
	case 1:
		return parts[0]
	}
	return &nixlit.Op{Op: "++", Args: parts}
}

// optionBindings returns option = value bindings. A value that is exactly
// an unset-able setting is guarded so NixOS keeps its own default when the
// setting is null.
func (g *generator) optionBindings(b *nodes, f *catalog.Feature, opts []catalog.OptionValue) []nixlit.Binding {
	ix := nixopts.Load()
	var out []nixlit.Binding
	for _, o := range opts {
		p, err := nixopts.SplitPath(o.Option)
		if err != nil {
			b.fail(fmt.Errorf("feature %s: option %q: %w", f.Name, o.Option, err))
			continue
		}
		if ref, ok := o.Value.(catalog.SettingRef); ok {
			if s := f.Setting(ref.Setting); s != nil && s.Default == nil {
				ex := sel("cfg", ref.Setting)
				out = append(out, bind(nixlit.MkIf(nixlit.Binary(ex, "!=", nixlit.Null()), ex), p...))
				continue
			}
		}
		out = append(out, bind(b.data(g.optionValue(ix, p, o.Value)), p...))
	}
	return out
}

// optionValue converts a catalog option value for nixlit: setting
// references become cfg.NAME, and strings where the option takes packages
// become pkgs.NAME.
func (g *generator) optionValue(ix *nixopts.Index, p []string, v any) any {
	switch x := v.(type) {
	case catalog.SettingRef:
		return sel("cfg", x.Setting)
	case string:
		if t := optionType(ix, p); t != nil && isPackage(*t) {
			return pkgExpr(x)
		}
		if strings.Contains(x, "\n") && nixlit.CheckString(x) == nil {
			// Scripts and configuration text read better as indented strings.
			return nixlit.IndentedStr(x)
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
