package gen

import (
	"fmt"

	"github.com/shoal-nix/shoal/internal/fleet"
	"github.com/shoal-nix/shoal/internal/layout"
	"github.com/shoal-nix/shoal/internal/nixlit"
	"github.com/shoal-nix/shoal/internal/nixopts"
	"github.com/shoal-nix/shoal/internal/resolve"
	"github.com/shoal-nix/shoal/internal/secrets"
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
		comments := []string{fmt.Sprintf("Profile %s: %s.", name, firstLine(p.Description))}
		if len(p.Promises) > 0 {
			comments = append(comments, "It promises:")
			for _, promise := range p.Promises {
				comments = append(comments, "  - "+promise)
			}
		}
		comments = append(comments, "Features come from the profile and those it extends; its setting values use lib.mkDefault, so machines override them.")
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
		var b nodes
		a := []nixlit.Binding{bind(nixlit.MkDefault(nstr(name)), "shoal", "profile")}
		for _, f := range sortedKeys(enabled) {
			if !g.used[f] {
				continue
			}
			on := bind(nixlit.Bool(true), featureOpt(f, "enable")...)
			if enabled[f] != name {
				on.Trailing = "from profile " + enabled[f]
			}
			a = append(a, on)
			for _, st := range sortedKeys(settings[f]) {
				a = append(a, bind(nixlit.MkDefault(b.data(nixValue(settings[f][st]))), featureOpt(f, st)...))
			}
		}
		for _, f := range sortedKeys(settings) {
			if _, ok := enabled[f]; !ok {
				for _, st := range sortedKeys(settings[f]) {
					a = append(a, bind(nixlit.MkDefault(b.data(nixValue(settings[f][st]))), featureOpt(f, st)...))
				}
			}
		}
		if err := g.write(file, nixFile(nixlit.Func("", set(nixlit.Group(a)...)), comments...), Origin{Kind: FromProfile, Name: name, File: p.File}, b.err); err != nil {
			return err
		}
	}
	return nil
}

// machineFiles writes machines/NAME/default.nix for every machine.
// machineFiles writes each machine's directory: its module and, when it
// declares a disk, its disko layout, one machine after the other, so that
// a streamed tree comes directory by directory.
func (g *generator) machineFiles() error {
	for _, m := range g.rf.Machines {
		if err := g.machineFile(m); err != nil {
			return err
		}
		if m.Spec.Disk != nil {
			if err := g.diskoFile(m); err != nil {
				return err
			}
		}
	}
	return nil
}

func (g *generator) machineFile(m *resolve.Machine) error {
	spec := m.Spec
	file := layout.Machine(spec.Name)
	var b nodes

	imports := list(rel(file, layout.NixOSDir))
	if m.Profile != nil {
		imports.Items = append(imports.Items, rel(file, layout.Profile(m.Profile.Name)))
	}
	// comment puts a comment line before the next import.
	var pending []string
	item := func(n nixlit.Node) {
		if pending != nil {
			n = &nixlit.Comment{Lines: pending, X: n}
			pending = nil
		}
		imports.Items = append(imports.Items, n)
	}
	pending = []string{"One module per feature this machine uses."}
	for _, f := range m.Features {
		item(rel(file, layout.Feature(f.Name())))
	}
	if len(spec.Modules) > 0 {
		pending = append(pending, "Extra modules from shoal.toml.")
		for _, mod := range spec.Modules {
			item(rel(file, g.srcPath(mod.Value)))
		}
	}
	for _, imp := range g.bootImports(file, m) {
		pending = append(pending, imp.comment)
		item(imp.node)
	}
	if len(spec.NixOS) > 0 {
		// A module of their own: NixOS merges them with what shoal sets, or
		// names both places when they conflict.
		pending = append(pending, "NixOS options set directly in shoal.toml.")
		raw := set()
		ix := nixopts.Load()
		for _, o := range spec.NixOS {
			p, err := nixopts.SplitPath(o.Option)
			if err != nil {
				return fmt.Errorf("machine %s: option %q: %w", spec.Name, o.Option, err)
			}
			v := g.rf.RawValue(spec.Name, o.Value.Value(), g.receivers)
			raw.Bindings = append(raw.Bindings, bind(b.data(g.optionValue(ix, p, v)), p...))
		}
		item(raw)
	}
	if pending != nil {
		imports.Items = append(imports.Items, &nixlit.Comment{Lines: pending})
	}

	a := []nixlit.Binding{bind(b.data(spec.Hostname), "networking", "hostName")}
	a[0].Blank = true
	hw := func(name string, v any) { a = append(a, bind(b.data(v), "shoal", "hardware", name)) }
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
	a = append(a, bind(b.data(spec.Name), "shoal", "name"))
	if g.rf.Public(spec) {
		pub := bind(nixlit.Bool(true), "shoal", "public")
		pub.Trailing = "reachable from the internet: private ports stay closed"
		a = append(a, pub)
	}
	// Each feature: why it is on, then the values set for this machine in
	// shoal.toml and those derived from its hardware (which profiles and
	// shoal.toml override).
	for _, f := range m.Features {
		on := bind(nixlit.Bool(true), featureOpt(f.Name(), "enable")...)
		on.Trailing = reasonComment(f.Reasons[0])
		a = append(a, on)
		for _, v := range f.Settings {
			p := featureOpt(f.Name(), v.Setting.Name)
			switch v.Origin.Kind {
			case resolve.FromMachine:
				bd := bind(b.data(nixValue(v.Value)), p...)
				bd.Trailing = "shoal.toml"
				a = append(a, bd)
			case resolve.FromHardware:
				bd := bind(nixlit.MkOverride(derivedPriority, b.data(nixValue(v.Value))), p...)
				bd.Trailing = "from " + v.Origin.Detail
				a = append(a, bd)
			}
		}
	}
	a = g.users(&b, a, m)
	a = g.bootConfig(&b, a, m)
	body := set(append([]nixlit.Binding{bind(imports, "imports")}, nixlit.Group(a)...)...)
	return g.write(file, nixFile(nixlit.Func("", body),
		fmt.Sprintf("Machine %s: what shoal.toml says of it. Comments say why each feature is on", spec.Name),
		"and where each value comes from."), Origin{Kind: FromMachine, Name: spec.Name, File: g.rf.Spec.File, Path: spec.Path}, b.err)
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
func (g *generator) users(b *nodes, a []nixlit.Binding, m *resolve.Machine) []nixlit.Binding {
	spec := g.rf.Spec
	shells := map[string]bool{}
	add := func(v any, p ...string) { a = append(a, bind(b.data(v), p...)) }
	for _, ref := range m.Spec.Users {
		u := spec.User(ref.Value)
		if u == nil {
			continue
		}
		at := func(p ...string) []string { return append([]string{"users", "users", u.Name}, p...) }
		add(true, at("isNormalUser")...)
		if u.Description != "" {
			add(u.Description, at("description")...)
		}
		if len(u.Groups) > 0 {
			add(refValues(u.Groups), at("extraGroups")...)
		}
		if len(u.SSHKeys) > 0 {
			add(refValues(u.SSHKeys), at("openssh", "authorizedKeys", "keys")...)
		}
		a = userPassword(b, a, u, at)
		if u.Shell != "" && u.Shell != "bash" {
			add(sel("pkgs", u.Shell), at("shell")...)
			shells[u.Shell] = true
		}
	}
	for _, sh := range sortedKeys(shells) {
		add(true, "programs", sh, "enable")
	}
	if len(spec.AdminKeys) > 0 {
		add(refValues(spec.AdminKeys), "users", "users", "root", "openssh", "authorizedKeys", "keys")
		a[len(a)-1].Trailing = "the fleet's admin keys"
	}
	d := spec.DeployOf(m.Spec)
	return deployUser(b, deployCache(b, a, d), d)
}

// deployCache makes the machine substitute from the fleet's binary cache
// and trust its key, so that deploy's --substitute-on-destination fetches
// closures from there. Both lists add to NixOS's own (cache.nixos.org).
func deployCache(b *nodes, a []nixlit.Binding, d fleet.Deploy) []nixlit.Binding {
	if d.CacheKey == "" {
		return a
	}
	url := bind(b.data([]any{d.HostSubstituter()}), "nix", "settings", "substituters")
	url.Trailing = "the fleet's binary cache (deploy.cache)"
	return append(a, url, bind(b.data([]any{d.CacheKey}), "nix", "settings", "trusted-public-keys"))
}

// deployUser lets a non-root deploy user do what shoal deploy asks of it:
// add closures to the store (Nix trusts it; the list adds to the nix
// feature's trusted_users) and become root without a prompt (sudo -n,
// doas -n). run0 --no-ask-password asks polkit, whose rules shoal does
// not write: the fleet's own module must allow it.
func deployUser(b *nodes, a []nixlit.Binding, d fleet.Deploy) []nixlit.Binding {
	if d.User == "" || d.User == "root" {
		return a
	}
	add := func(v any, trailing string, p ...string) {
		bd := bind(b.data(v), p...)
		bd.Trailing = trailing
		a = append(a, bd)
	}
	add([]any{d.User}, "shoal deploy copies closures as "+d.User, "nix", "settings", "trusted-users")
	switch d.Become {
	case "sudo":
		add([]any{map[string]any{"users": []any{d.User}, "commands": []any{map[string]any{"command": "ALL", "options": []any{"NOPASSWD"}}}}},
			"shoal deploy runs sudo -n as "+d.User, "security", "sudo", "extraRules")
	case "doas":
		add(true, "", "security", "doas", "enable")
		add([]any{map[string]any{"users": []any{d.User}, "noPass": true}}, "shoal deploy runs doas -n as "+d.User, "security", "doas", "extraRules")
	}
	return a
}

func refValues(refs []fleet.Ref) []any {
	out := make([]any, len(refs))
	for i, r := range refs {
		out[i] = r.Value
	}
	return out
}

// receivers lists the machines that receive a secret, in fleet order.
func (g *generator) receivers(secret string) []string {
	s := g.rf.Spec.Secret(secret)
	if s == nil {
		return nil
	}
	var out []string
	for _, m := range secrets.Receivers(g.rf, s, nil) {
		out = append(out, m.Name)
	}
	return out
}
