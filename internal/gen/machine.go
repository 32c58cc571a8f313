package gen

import (
	"fmt"

	"github.com/shoal-nix/shoal/internal/fleet"
	"github.com/shoal-nix/shoal/internal/layout"
	"github.com/shoal-nix/shoal/internal/nixlit"
	"github.com/shoal-nix/shoal/internal/nixopts"
	"github.com/shoal-nix/shoal/internal/resolve"
)

// Priorities that reproduce shoal's layering in the module system: option
// defaults hold the fleet-wide values (modules/defaults.nix), profiles use
// lib.mkDefault (1000), values derived from hardware sit between the two,
// and what a machine sets is a plain definition (100).
const derivedPriority = 1200

// profileModules writes modules/profiles/NAME.nix for each profile in use:
// the features it turns on (following extends) and its setting values.
func (g *generator) profileModules() error {
	for _, name := range g.profiles {
		p := g.cat.Profiles[name]
		file := layout.Profile(name)
		w := newFile(fmt.Sprintf("Profile %s: %s.", name, firstLine(p.Description)))
		if len(p.Promises) > 0 {
			w.comment("It promises:")
			for _, promise := range p.Promises {
				w.comment("  - " + promise)
			}
		}
		w.comment("Features come from the profile and those it extends; its setting values use lib.mkDefault, so machines override them.")
		w.line("{ lib, ... }:")
		w.open("{")
		enabled := map[string]string{}
		settings := map[string]map[string]any{}
		for _, pr := range g.cat.ProfileChain(name) {
			for _, f := range pr.Features {
				enabled[f.Value] = pr.Name
			}
			for _, s := range pr.Settings {
				def := g.cat.Features[s.Feature]
				if def == nil || def.Setting(s.Name) == nil || !g.used[s.Feature] {
					continue
				}
				v, problem, _ := def.Setting(s.Name).Type.Check(s.Value)
				if problem != "" {
					continue
				}
				if settings[s.Feature] == nil {
					settings[s.Feature] = map[string]any{}
				}
				settings[s.Feature][s.Name] = v
			}
		}
		var a attrs
		a.add([]string{"shoal", "profile"}, "lib.mkDefault "+str(name), "")
		for _, f := range sortedKeys(enabled) {
			if !g.used[f] {
				continue
			}
			comment := ""
			if enabled[f] != name {
				comment = "from profile " + enabled[f]
			}
			a.add(featureOpt(f, "enable"), "true", comment)
			for _, st := range sortedKeys(settings[f]) {
				a.add(featureOpt(f, st), "lib.mkDefault "+w.value(nixValue(settings[f][st])), "")
			}
		}
		for _, f := range sortedKeys(settings) {
			if _, ok := enabled[f]; !ok {
				for _, st := range sortedKeys(settings[f]) {
					a.add(featureOpt(f, st), "lib.mkDefault "+w.value(nixValue(settings[f][st])), "")
				}
			}
		}
		a.write(w)
		w.close("}")
		if err := g.put(file, w, Origin{Kind: FromProfile, Name: name, File: p.File}); err != nil {
			return err
		}
	}
	return nil
}

// machineFiles writes machines/NAME/default.nix for every machine.
func (g *generator) machineFiles() error {
	for _, m := range g.rf.Machines {
		if err := g.machineFile(m); err != nil {
			return err
		}
	}
	return nil
}

func (g *generator) machineFile(m *resolve.Machine) error {
	spec := m.Spec
	file := layout.Machine(spec.Name)
	w := newFile(fmt.Sprintf("Machine %s: what shoal.toml says of it. Comments say why each feature is on", spec.Name), "and where each value comes from.")

	body := &nixw{indent: 1}
	body.open("imports = [")
	body.line(rel(file, layout.NixOSDir))
	if m.Profile != nil {
		body.line(rel(file, layout.Profile(m.Profile.Name)))
	}
	body.comment("One module per feature this machine uses.")
	for _, f := range m.Features {
		body.line(rel(file, layout.Feature(f.Name())))
	}
	if len(spec.Modules) > 0 {
		body.comment("Extra modules from shoal.toml.")
		for _, mod := range spec.Modules {
			body.line(rel(file, g.srcPath(mod.Value)))
		}
	}
	if len(spec.NixOS) > 0 {
		// A module of their own: NixOS merges them with what shoal sets, or
		// names both places when they conflict.
		body.comment("NixOS options set directly in shoal.toml.")
		body.open("{")
		ix := nixopts.Load()
		for _, raw := range spec.NixOS {
			p, err := nixopts.SplitPath(raw.Option)
			if err != nil {
				return fmt.Errorf("machine %s: option %q: %w", spec.Name, raw.Option, err)
			}
			body.bind(p, g.optionValue(ix, p, raw.Value.Value()))
		}
		body.close("}")
	}
	body.close("];")
	body.blank()
	var a attrs
	a.addValue(body, []string{"networking", "hostName"}, spec.Hostname, "")
	hw := func(name string, v any) { a.addValue(body, []string{"shoal", "hardware", name}, v, "") }
	hw("system", spec.System)
	h := spec.Hardware
	if h.CPU != "" {
		hw("cpu", h.CPU)
	}
	if len(h.GPU) > 0 {
		gpus := make([]any, len(h.GPU))
		for i, gpu := range h.GPU {
			gpus[i] = gpu.Value
		}
		hw("gpu", gpus)
	}
	if h.Form != "" {
		hw("form", h.Form)
	}
	if h.Memory > 0 {
		hw("memory", int64(h.Memory))
	}
	if h.Disk > 0 {
		hw("disk", int64(h.Disk))
	}
	if h.Cores > 0 {
		hw("cores", h.Cores)
	}
	// Each feature: why it is on, then the values set for this machine in
	// shoal.toml and those derived from its hardware (which profiles and
	// shoal.toml override).
	for _, f := range m.Features {
		a.add(featureOpt(f.Name(), "enable"), "true", reasonComment(f.Reasons[0]))
		for _, v := range f.Settings {
			p := featureOpt(f.Name(), v.Setting.Name)
			switch v.Origin.Kind {
			case resolve.FromMachine:
				a.add(p, body.value(nixValue(v.Value)), "shoal.toml")
			case resolve.FromHardware:
				a.add(p, "lib.mkOverride "+fmt.Sprint(derivedPriority)+" "+body.value(nixValue(v.Value)), "from "+v.Origin.Detail)
			}
		}
	}
	g.users(body, &a, m)
	a.write(body)
	if body.err != nil {
		return fmt.Errorf("generate %s: %w", file, body.err)
	}
	text := body.b.String()
	args := "{ ... }:"
	switch {
	case refersTo(text, "lib") && refersTo(text, "pkgs"):
		args = "{ lib, pkgs, ... }:"
	case refersTo(text, "lib"):
		args = "{ lib, ... }:"
	case refersTo(text, "pkgs"):
		args = "{ pkgs, ... }:"
	}
	w.line(args)
	w.open("{")
	w.b.WriteString(text)
	w.close("}")
	return g.put(file, w, Origin{Kind: FromMachine, Name: spec.Name, File: g.rf.Spec.File, Path: spec.Path})
}

func reasonComment(r resolve.Reason) string {
	switch r.Kind {
	case resolve.ByProfile:
		return "profile " + r.Detail
	case resolve.ByRequire:
		return "required by " + r.Detail
	case resolve.ByService:
		return r.Detail
	}
	return "features in shoal.toml"
}

// users adds the fleet's users that this machine has, and the admin keys
// for root (deploy logs in as root with a key unless told otherwise).
func (g *generator) users(w *nixw, a *attrs, m *resolve.Machine) {
	spec := g.rf.Spec
	shells := map[string]bool{}
	for _, ref := range m.Spec.Users {
		u := spec.User(ref.Value)
		if u == nil {
			continue
		}
		at := func(p ...string) []string { return append([]string{"users", "users", u.Name}, p...) }
		a.addValue(w, at("isNormalUser"), true, "")
		if u.Description != "" {
			a.addValue(w, at("description"), u.Description, "")
		}
		if len(u.Groups) > 0 {
			a.addValue(w, at("extraGroups"), refValues(u.Groups), "")
		}
		if len(u.SSHKeys) > 0 {
			a.addValue(w, at("openssh", "authorizedKeys", "keys"), refValues(u.SSHKeys), "")
		}
		if u.Shell != "" && u.Shell != "bash" {
			a.add(at("shell"), "pkgs."+nixlit.AttrName(u.Shell), "")
			shells[u.Shell] = true
		}
	}
	for _, sh := range sortedKeys(shells) {
		a.addValue(w, []string{"programs", sh, "enable"}, true, "")
	}
	if len(spec.AdminKeys) > 0 {
		a.addValue(w, []string{"users", "users", "root", "openssh", "authorizedKeys", "keys"}, refValues(spec.AdminKeys), "the fleet's admin keys")
	}
}

func refValues(refs []fleet.Ref) []any {
	out := make([]any, len(refs))
	for i, r := range refs {
		out[i] = r.Value
	}
	return out
}
