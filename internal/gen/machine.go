package gen

import (
	"fmt"

	"github.com/shoal-nix/shoal/internal/fleet"
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
		file := "modules/profiles/" + name + ".nix"
		w := newFile(fmt.Sprintf("Profile %s: %s.", name, firstLine(p.Description)))
		for _, promise := range p.Promises {
			w.comment("Promises: " + promise)
		}
		w.line("{ lib, ... }:")
		w.open("{")
		w.line("shoal.profile = lib.mkDefault ", str(name), ";")
		w.blank()
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
		w.comment("Features of the profile (and the profiles it extends).")
		for _, f := range sortedKeys(enabled) {
			if !g.used[f] {
				continue
			}
			line := attrPath(featureOpt(f, "enable")...) + " = true;"
			if enabled[f] != name {
				line += " # from profile " + enabled[f]
			}
			w.line(line)
		}
		if len(settings) > 0 {
			w.blank()
			w.comment("Setting values of the profile; machines override them.")
			for _, f := range sortedKeys(settings) {
				for _, s := range sortedKeys(settings[f]) {
					w.line(attrPath(featureOpt(f, s)...), " = lib.mkDefault ", w.value(nixValue(settings[f][s])), ";")
				}
			}
		}
		w.close("}")
		if err := g.put(file, w); err != nil {
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
	file := "machines/" + spec.Name + "/default.nix"
	w := newFile(fmt.Sprintf("Machine %s: what shoal.toml says of it, with every feature and why it is on.", spec.Name))

	body := &nixw{indent: 1}
	body.open("imports = [")
	body.line(rel(file, "modules/nixos"))
	if m.Profile != nil {
		body.line(rel(file, "modules/profiles/"+m.Profile.Name+".nix"))
	}
	body.comment("One module per feature this machine uses.")
	for _, f := range m.Features {
		body.line(rel(file, featureFile(f.Name())))
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
	body.bind([]string{"networking", "hostName"}, spec.Hostname)
	body.bind([]string{"shoal", "hardware", "system"}, spec.System)
	h := spec.Hardware
	if h.CPU != "" {
		body.bind([]string{"shoal", "hardware", "cpu"}, h.CPU)
	}
	if len(h.GPU) > 0 {
		gpus := make([]any, len(h.GPU))
		for i, gpu := range h.GPU {
			gpus[i] = gpu.Value
		}
		body.bind([]string{"shoal", "hardware", "gpu"}, gpus)
	}
	if h.Form != "" {
		body.bind([]string{"shoal", "hardware", "form"}, h.Form)
	}
	if h.Memory > 0 {
		body.bind([]string{"shoal", "hardware", "memory"}, int64(h.Memory))
	}
	if h.Disk > 0 {
		body.bind([]string{"shoal", "hardware", "disk"}, int64(h.Disk))
	}
	if h.Cores > 0 {
		body.bind([]string{"shoal", "hardware", "cores"}, h.Cores)
	}

	body.blank()
	body.comment("Features, and why each is on.")
	for _, f := range m.Features {
		body.line(attrPath(featureOpt(f.Name(), "enable")...), " = true; # ", reasonComment(f.Reasons[0]))
	}

	var machineVals, derived []string
	for _, f := range m.Features {
		for _, v := range f.Settings {
			switch v.Origin.Kind {
			case resolve.FromMachine:
				machineVals = append(machineVals, attrPath(featureOpt(f.Name(), v.Setting.Name)...)+" = "+body.value(nixValue(v.Value))+";")
			case resolve.FromHardware:
				derived = append(derived, attrPath(featureOpt(f.Name(), v.Setting.Name)...)+" = lib.mkOverride "+
					fmt.Sprint(derivedPriority)+" "+body.value(nixValue(v.Value))+"; # from "+v.Origin.Detail)
			}
		}
	}
	if len(machineVals) > 0 {
		body.blank()
		body.comment("Settings given in shoal.toml.")
		for _, l := range machineVals {
			body.line(l)
		}
	}
	if len(derived) > 0 {
		body.blank()
		body.comment("Settings derived from the hardware; profiles and shoal.toml override them.")
		for _, l := range derived {
			body.line(l)
		}
	}
	g.users(body, m)
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
	return g.put(file, w)
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

// users writes the fleet's users that this machine has, and the admin keys
// for root (deploy logs in as root with a key unless told otherwise).
func (g *generator) users(w *nixw, m *resolve.Machine) {
	spec := g.rf.Spec
	if len(m.Spec.Users) == 0 && len(spec.AdminKeys) == 0 {
		return
	}
	w.blank()
	w.comment("Users from shoal.toml, and the fleet's admin keys for root.")
	shells := map[string]bool{}
	for _, ref := range m.Spec.Users {
		u := spec.User(ref.Value)
		if u == nil {
			continue
		}
		user := map[string]any{"isNormalUser": true}
		if u.Description != "" {
			user["description"] = u.Description
		}
		if len(u.Groups) > 0 {
			user["extraGroups"] = refValues(u.Groups)
		}
		if len(u.SSHKeys) > 0 {
			user["openssh"] = map[string]any{"authorizedKeys": map[string]any{"keys": refValues(u.SSHKeys)}}
		}
		if u.Shell != "" && u.Shell != "bash" {
			user["shell"] = nixlit.Expr("pkgs." + nixlit.AttrName(u.Shell))
			shells[u.Shell] = true
		}
		w.bind([]string{"users", "users", u.Name}, user)
	}
	for _, sh := range sortedKeys(shells) {
		w.bind([]string{"programs", sh, "enable"}, true)
	}
	if len(spec.AdminKeys) > 0 {
		w.bind([]string{"users", "users", "root", "openssh", "authorizedKeys", "keys"}, refValues(spec.AdminKeys))
	}
}

func refValues(refs []fleet.Ref) []any {
	out := make([]any, len(refs))
	for i, r := range refs {
		out[i] = r.Value
	}
	return out
}
