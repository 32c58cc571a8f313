package gen

import (
	"fmt"
	"strings"

	"github.com/shoal-nix/shoal/internal/catalog"
	"github.com/shoal-nix/shoal/internal/layout"
	"github.com/shoal-nix/shoal/internal/nixlit"
)

// validation writes modules/validation.nix: the catalog's rules (requires,
// conflicts, profile exclusions, hardware, resources, lifecycle) as NixOS
// assertions and warnings, so a hand edit of a generated file is still
// caught when NixOS evaluates the machine.
func (g *generator) validation() error {
	type rule struct {
		cond nixlit.Node
		msg  string
	}
	var asserts, warns []rule
	enabled := func(name string) nixlit.Node { return sel(featuresVar, name, "enable") }
	and := func(args ...nixlit.Node) nixlit.Node { return &nixlit.Op{Op: "&&", Args: args} }
	implies := func(a, b nixlit.Node) nixlit.Node { return nixlit.Binary(a, "->", b) }
	known := func(fact string) nixlit.Node { return nixlit.Binary(sel(hardwareVar, fact), "!=", nixlit.Null()) }
	below := func(fact string, n int64) nixlit.Node { return nixlit.Binary(sel(hardwareVar, fact), "<", lit(n)) }

	for _, f := range g.features {
		on := enabled(f.Name)
		var reqs []string
		for _, r := range f.Requires {
			if g.used[r.Value] {
				reqs = append(reqs, r.Value)
			}
		}
		if len(reqs) > 0 {
			conds := make([]nixlit.Node, len(reqs))
			for i, r := range reqs {
				conds[i] = enabled(r)
			}
			asserts = append(asserts, rule{implies(on, and(conds...)),
				fmt.Sprintf("feature %s requires %s", f.Name, strings.Join(reqs, " and "))})
		}
		for _, c := range f.Conflicts {
			if !g.used[c.Feature] {
				continue
			}
			cond := and(on, enabled(c.Feature))
			msg := fmt.Sprintf("feature %s conflicts with %s", f.Name, c.Feature)
			if len(c.When) > 0 {
				cond.(*nixlit.Op).Args = append(cond.(*nixlit.Op).Args, g.condition(c.When))
				msg += " when " + c.When.String()
			}
			if c.Reason != "" {
				msg += ": " + c.Reason
			}
			asserts = append(asserts, rule{&nixlit.Not{X: &nixlit.Paren{X: cond}}, msg})
		}
		h := f.Hardware
		if len(h.Systems) > 0 {
			asserts = append(asserts, rule{implies(on, hardwareTest("system", anys(h.Systems))),
				fmt.Sprintf("feature %s needs %s", f.Name, strings.Join(h.Systems, " or "))})
		}
		if len(h.CPU) > 0 {
			asserts = append(asserts, rule{implies(and(on, known("cpu")), hardwareTest("cpu", anys(h.CPU))),
				fmt.Sprintf("feature %s needs an %s CPU", f.Name, strings.Join(h.CPU, " or "))})
		}
		if len(h.GPU) > 0 {
			asserts = append(asserts, rule{implies(on, hardwareTest("gpu", anys(h.GPU))),
				fmt.Sprintf("feature %s needs an %s GPU in shoal.hardware.gpu", f.Name, strings.Join(h.GPU, " or "))})
		}
		if len(h.Form) > 0 {
			asserts = append(asserts, rule{implies(and(on, known("form")), hardwareTest("form", anys(h.Form))),
				fmt.Sprintf("feature %s is for %s machines", f.Name, strings.Join(h.Form, " or "))})
		}
		if m := f.Resources.Memory; m > 0 {
			warns = append(warns, rule{and(on, known("memory"), below("memory", int64(m))),
				fmt.Sprintf("feature %s wants at least %s of memory", f.Name, m)})
		}
		if d := f.Resources.Disk; d > 0 {
			warns = append(warns, rule{and(on, known("disk"), below("disk", int64(d))),
				fmt.Sprintf("feature %s wants at least %s of disk", f.Name, d)})
		}
		if f.Lifecycle == catalog.Deprecated {
			warns = append(warns, rule{on, fmt.Sprintf("feature %s is deprecated%s", f.Name, replacement(f))})
		}
	}
	for _, p := range g.profiles {
		for _, pr := range g.cat.ProfileChain(p) {
			for _, ex := range pr.Excludes {
				if g.used[ex.Value] && pr.Name == p {
					asserts = append(asserts, rule{implies(nixlit.Binary(sel("config", "shoal", "profile"), "==", nstr(p)), &nixlit.Not{X: enabled(ex.Value)}),
						fmt.Sprintf("feature %s cannot be used with profile %s", ex.Value, p)})
				}
			}
		}
	}

	assertions := list()
	for _, r := range asserts {
		assertions.Items = append(assertions.Items, set(
			bind(r.cond, "assertion"),
			bind(nstr("shoal: "+r.msg), "message"),
		))
	}
	body := set(bind(assertions, "assertions"))
	if len(warns) > 0 {
		warnings := list()
		for _, r := range warns {
			warnings.Items = append(warnings.Items, call(sel("lib", "optional"), &nixlit.Paren{X: r.cond}, nstr("shoal: "+r.msg)))
		}
		body.Bindings = append(body.Bindings, bind(call(sel("lib", "concatLists"), warnings), "warnings"))
	}
	var module nixlit.Node = body
	if lets := usedLets(body, featuresLet, hardwareLet); len(lets) > 0 {
		module = &nixlit.Let{Bindings: lets, Body: body}
	}
	return g.write(layout.Validation, nixFile(nixlit.Func("", module),
		"The catalog's rules as NixOS assertions and warnings, for the features this fleet uses.",
		"shoal check finds all of these before Nix runs; they are here so that a hand edit of a",
		"generated file is still caught when NixOS evaluates the machine.",
	), Origin{Kind: FromCatalog}, nil)
}

func anys(s []string) []any {
	out := make([]any, len(s))
	for i, x := range s {
		out[i] = x
	}
	return out
}
