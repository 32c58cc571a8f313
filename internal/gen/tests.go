package gen

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/shoal-nix/shoal/internal/catalog"
	"github.com/shoal-nix/shoal/internal/layout"
	"github.com/shoal-nix/shoal/internal/nixlit"
)

// testFiles writes tests/PROFILE.nix: a NixOS VM test per profile in use,
// which boots a machine with the profile and checks what it promises
// through the health checks of its features.
func (g *generator) testFiles() error {
	for _, name := range g.profiles {
		if err := g.testFile(name); err != nil {
			return err
		}
	}
	return nil
}

// profileFeatures is the profile's features (following extends) with
// their requires closure, plus the features of the service roles meant for
// every machine (the monitoring agent) when the fleet gives them machines,
// in name order.
func (g *generator) profileFeatures(name string) []*catalog.Feature {
	on := map[string]bool{}
	var queue []string
	add := func(f string) {
		if !on[f] && g.used[f] {
			on[f] = true
			queue = append(queue, f)
		}
	}
	for _, p := range g.cat.ProfileChain(name) {
		for _, f := range p.Features {
			add(f.Value)
		}
	}
	for _, s := range g.rf.Services {
		for _, r := range s.Def.Roles {
			if r.ProfileTests && len(s.Roles[r.Name]) > 0 {
				add(r.Feature)
			}
		}
	}
	for i := 0; i < len(queue); i++ {
		for _, r := range g.cat.Features[queue[i]].Requires {
			add(r.Value)
		}
	}
	var out []*catalog.Feature
	for _, f := range g.features {
		if on[f.Name] {
			out = append(out, f)
		}
	}
	return out
}

// settingFor is a setting's value on a machine of the profile that sets
// nothing itself: a service option's, else the profile's, else the fleet's
// default, else the catalog's.
func (g *generator) settingFor(profile string, f *catalog.Feature, setting string) any {
	s := f.Setting(setting)
	if s == nil {
		return nil
	}
	v := s.Default
	for _, d := range g.rf.Spec.Defaults {
		if d.Feature == f.Name && d.Name == setting {
			if x, problem, _ := s.Type.Check(d.Value); problem == "" {
				v = x
			}
		}
	}
	for _, p := range g.cat.ProfileChain(profile) {
		for _, ps := range p.Settings {
			if ps.Feature == f.Name && ps.Name == setting {
				if x, problem, _ := s.Type.Check(ps.Value); problem == "" {
					v = x
				}
			}
		}
	}
	for _, svc := range g.rf.Services {
		for _, o := range svc.Def.Options {
			n := svc.Options[o.Name]
			if n == nil || o.Feature != f.Name || o.Setting != setting {
				continue
			}
			if x, problem, _ := s.Type.Check(n); problem == "" {
				v = x
			}
		}
	}
	return v
}

// pyString is s as a Python string literal (JSON's double-quoted
// strings are Python's too), with <, > and & as they are.
func pyString(s string) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // a string always encodes
	return strings.TrimSuffix(b.String(), "\n")
}

func (g *generator) testFile(name string) error {
	p := g.cat.Profiles[name]
	file := layout.Test(name)
	features := g.profileFeatures(name)

	script := []string{"start_all()", `machine.wait_for_unit("multi-user.target")`}
	var extra []nixlit.Binding
	var packages []string
	// Each promise of the profile and of those it extends, base first,
	// under its comment.
	for _, pr := range g.cat.ProfileChain(name) {
		for _, promise := range pr.Promises {
			if _, ok := everything(promise); ok {
				continue // the named profile's own promises are checked
			}
			script = append(script, promiseComment(promise))
			check := promiseChecks[promise]
			if check == nil {
				script = append(script, fmt.Sprintf("raise Exception(%s)", pyString("shoal knows no check of this promise: "+promise)))
				continue
			}
			c := check(g, name)
			script = append(script, c.lines...)
			extra = append(extra, c.node...)
			packages = append(packages, c.packages...)
		}
	}
	script = append(script, "# the health checks of the profile's features")
	for _, f := range features {
		for _, h := range f.Health {
			if h.Unit != "" {
				script = append(script, fmt.Sprintf("machine.wait_for_unit(%s)", pyString(h.Unit)))
			}
			port := h.TCP
			if h.Setting != "" {
				if v, ok := g.settingFor(name, f, h.Setting).(int64); ok {
					port = v
				}
			}
			if port > 0 {
				script = append(script, fmt.Sprintf("machine.wait_for_open_port(%d)", port))
			}
			if h.HTTP != "" {
				script = append(script, fmt.Sprintf("machine.succeed(%s)", pyString("curl -fsS "+shellQuote(h.HTTP))))
			}
		}
		switch f.Name {
		case "docker":
			script = append(script, `machine.succeed("docker info")`)
		case "podman":
			script = append(script, `machine.succeed("podman info")`)
		}
	}

	comments := []string{fmt.Sprintf("VM test of profile %s: boots a machine with the profile, and a probe that connects to it", name),
		"from outside, and checks what the profile promises (each under a \"# promise:\" line of the script):"}
	for _, promise := range p.Promises {
		comments = append(comments, "  - "+promise)
	}
	imports := list(rel(file, layout.NixOSDir), rel(file, layout.Profile(name)))
	for _, f := range features {
		imports.Items = append(imports.Items, rel(file, layout.Feature(f.Name)))
	}
	var a []nixlit.Binding
	for _, f := range features {
		a = append(a, bind(nixlit.Bool(true), featureOpt(f.Name, "enable")...))
		if f.Name == "core" && g.settingFor(name, f, "state_version") == nil {
			a = append(a, bind(nstr(releaseOf(g.rf.Spec.NixOS)), featureOpt("core", "state_version")...))
		}
	}
	a = append(a, extra...)
	if len(packages) > 0 {
		items := make([]nixlit.Node, len(packages))
		for i, p := range packages {
			items[i] = sel("pkgs", p)
		}
		tools := bind(&nixlit.List{Items: items, Inline: true}, "environment", "systemPackages")
		tools.Comments = []string{"What the test script runs here."}
		a = append(a, tools)
	}
	var machine nixlit.Node = set(append([]nixlit.Binding{bind(imports, "imports")}, nixlit.Group(a)...)...)
	if len(packages) > 0 {
		machine = nixlit.Func("", machine) // the node's own pkgs
	}
	probe := nixlit.Binding{
		Path:     []string{"nodes", probeNode},
		Value:    set(),
		Comments: []string{"A bare NixOS machine that connects to the machine from outside."},
		Blank:    true,
	}
	test := call(sel("pkgs", "testers", "runNixOSTest"), set(
		bind(nstr("shoal-profile-"+name), "name"),
		nixlit.Binding{
			Path:     []string{"node", "pkgsReadOnly"},
			Value:    nixlit.Bool(false),
			Comments: []string{"Features may set nixpkgs.config (allowUnfree); the test's shared pkgs would make it read-only."},
		},
		nixlit.Binding{
			Path:  []string{"nodes", "machine"},
			Value: machine,
			Blank: true,
		},
		probe,
		nixlit.Binding{
			Path:  []string{"testScript"},
			Value: nixlit.IndentedStr(strings.Join(script, "\n") + "\n"),
			Blank: true,
		},
	))
	return g.write(file, nixFile(nixlit.Func("", test), comments...), Origin{Kind: FromProfile, Name: name, File: p.File}, nil)
}

func releaseOf(r string) string {
	if r == "" || r == "unstable" {
		return "26.05"
	}
	return r
}

// shellQuote quotes s for a POSIX shell.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
