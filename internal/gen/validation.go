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
	type rule struct{ cond, msg string }
	var asserts, warns []rule
	enabled := func(name string) string { return featuresVar + "." + nixlit.AttrPath(name, "enable") }

	for _, f := range g.features {
		on := enabled(f.Name)
		var reqs []string
		for _, r := range f.Requires {
			if g.used[r.Value] {
				reqs = append(reqs, r.Value)
			}
		}
		if len(reqs) > 0 {
			conds := make([]string, len(reqs))
			for i, r := range reqs {
				conds[i] = enabled(r)
			}
			asserts = append(asserts, rule{on + " -> " + strings.Join(conds, " && "),
				fmt.Sprintf("feature %s requires %s", f.Name, strings.Join(reqs, " and "))})
		}
		for _, c := range f.Conflicts {
			if !g.used[c.Feature] {
				continue
			}
			cond := on + " && " + enabled(c.Feature)
			msg := fmt.Sprintf("feature %s conflicts with %s", f.Name, c.Feature)
			if len(c.When) > 0 {
				cond += " && " + g.condition(c.When)
				msg += " when " + c.When.String()
			}
			if c.Reason != "" {
				msg += ": " + c.Reason
			}
			asserts = append(asserts, rule{"!(" + cond + ")", msg})
		}
		h := f.Hardware
		if len(h.Systems) > 0 {
			asserts = append(asserts, rule{on + " -> " + hardwareTest("system", anys(h.Systems)),
				fmt.Sprintf("feature %s needs %s", f.Name, strings.Join(h.Systems, " or "))})
		}
		if len(h.CPU) > 0 {
			asserts = append(asserts, rule{on + " && " + hardwareVar + ".cpu != null -> " + hardwareTest("cpu", anys(h.CPU)),
				fmt.Sprintf("feature %s needs an %s CPU", f.Name, strings.Join(h.CPU, " or "))})
		}
		if len(h.GPU) > 0 {
			asserts = append(asserts, rule{on + " -> " + hardwareTest("gpu", anys(h.GPU)),
				fmt.Sprintf("feature %s needs an %s GPU in shoal.hardware.gpu", f.Name, strings.Join(h.GPU, " or "))})
		}
		if len(h.Form) > 0 {
			asserts = append(asserts, rule{on + " && " + hardwareVar + ".form != null -> " + hardwareTest("form", anys(h.Form)),
				fmt.Sprintf("feature %s is for %s machines", f.Name, strings.Join(h.Form, " or "))})
		}
		if m := f.Resources.Memory; m > 0 {
			warns = append(warns, rule{on + " && " + hardwareVar + ".memory != null && " + hardwareVar + ".memory < " + lit(int64(m)),
				fmt.Sprintf("feature %s wants at least %s of memory", f.Name, m)})
		}
		if d := f.Resources.Disk; d > 0 {
			warns = append(warns, rule{on + " && " + hardwareVar + ".disk != null && " + hardwareVar + ".disk < " + lit(int64(d)),
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
					asserts = append(asserts, rule{"config.shoal.profile == " + str(p) + " -> !" + enabled(ex.Value),
						fmt.Sprintf("feature %s cannot be used with profile %s", ex.Value, p)})
				}
			}
		}
	}

	w := newFile(
		"The catalog's rules as NixOS assertions and warnings, for the features this fleet uses.",
		"shoal check finds all of these before Nix runs; they are here so that a hand edit of a",
		"generated file is still caught when NixOS evaluates the machine.",
	)
	text := ""
	for _, r := range append(asserts, warns...) {
		text += r.cond
	}
	args := "{ config, ... }:"
	if len(warns) > 0 {
		args = "{ config, lib, ... }:"
	}
	w.line(args)
	if refersTo(text, featuresVar) || refersTo(text, hardwareVar) {
		w.open("let")
		if refersTo(text, featuresVar) {
			w.line(featuresVar, " = config.shoal.features;")
		}
		if refersTo(text, hardwareVar) {
			w.line(hardwareVar, " = config.shoal.hardware;")
		}
		w.close("in")
	}
	w.open("{")
	if len(asserts) == 0 {
		w.line("assertions = [ ];")
	} else {
		w.open("assertions = [")
		for _, r := range asserts {
			w.open("{")
			w.line("assertion = ", r.cond, ";")
			w.line("message = ", str("shoal: "+r.msg), ";")
			w.close("}")
		}
		w.close("];")
	}
	if len(warns) > 0 {
		w.open("warnings = lib.concatLists [")
		for _, r := range warns {
			w.line("(lib.optional (", r.cond, ") ", str("shoal: "+r.msg), ")")
		}
		w.close("];")
	}
	w.close("}")
	return g.put(layout.Validation, w, Origin{Kind: FromCatalog})
}

func anys(s []string) []any {
	out := make([]any, len(s))
	for i, x := range s {
		out[i] = x
	}
	return out
}
