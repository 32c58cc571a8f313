package catalog_test

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/shoal-nix/shoal/internal/catalog"
	"github.com/shoal-nix/shoal/internal/fleet"
	"github.com/shoal-nix/shoal/internal/nixopts"
	"github.com/shoal-nix/shoal/internal/resolve"
)

// builtin loads the built-in catalog and fails the test when it has
// diagnostics: every other test here reads it.
func builtin(t *testing.T) *catalog.Catalog {
	t.Helper()
	cat, diags := catalog.Builtin()
	if len(diags) > 0 {
		t.Fatalf("the built-in catalog has %d diagnostics:\n%v", len(diags), diags)
	}
	return cat
}

func TestBuiltinLoadsClean(t *testing.T) {
	cat := builtin(t)
	for _, name := range []string{"monitoring", "logs", "backup", "load_balancer"} {
		if cat.Services[name] == nil {
			t.Errorf("the catalog has no service %q", name)
		}
	}
	var want []string
	for _, svc := range cat.Services {
		for _, r := range svc.Roles {
			if r.Feature != "" {
				want = append(want, r.Feature)
			}
		}
	}
	want = append(want, "core", "nix", "ssh", "firewall", "hardening", "desktop", "audio", "fonts",
		"printing", "networkmanager", "development", "docker", "podman", "virtualization",
		"gpu-nvidia", "gpu-amd", "gpu-intel", "laptop", "gaming", "tailscale", "auto-upgrade", "zram")
	for _, name := range want {
		if cat.Features[name] == nil {
			t.Errorf("the catalog has no feature %q", name)
		}
	}
	for _, name := range []string{"base", "desktop", "developer", "server"} {
		if cat.Profiles[name] == nil {
			t.Errorf("the catalog has no profile %q", name)
		}
	}
	for _, name := range []string{"cli", "system", "development", "desktop"} {
		if cat.Collections[name] == nil {
			t.Errorf("the catalog has no package collection %q", name)
		}
	}
}

// TestBuiltinIsDocumented holds every feature, setting, profile and
// collection to a description, and every profile to promises its VM test
// can check: `shoal docs` and `shoal explain` show them.
func TestBuiltinIsDocumented(t *testing.T) {
	cat := builtin(t)
	for _, name := range cat.FeatureNames() {
		f := cat.Features[name]
		if f.Description == "" {
			t.Errorf("feature %s has no description", name)
		}
		for _, s := range f.Settings {
			if s.Description == "" {
				t.Errorf("setting %s.%s has no description", name, s.Name)
			}
		}
		if f.Lifecycle == catalog.Deprecated && f.Replacement == "" {
			t.Errorf("deprecated feature %s names no replacement", name)
		}
		if f.Replacement != "" && f.Lifecycle != catalog.Deprecated {
			t.Errorf("feature %s names a replacement but is not deprecated", name)
		}
	}
	for _, name := range cat.ProfileNames() {
		p := cat.Profiles[name]
		if p.Description == "" || len(p.Promises) == 0 {
			t.Errorf("profile %s needs a description and promises", name)
		}
	}
	for name, c := range cat.Collections {
		if c.Description == "" || len(c.Packages) == 0 {
			t.Errorf("collection %s needs a description and packages", name)
		}
	}
	for _, name := range cat.ServiceNames() {
		svc := cat.Services[name]
		if svc.Description == "" {
			t.Errorf("service %s has no description", name)
		}
		for _, r := range svc.Roles {
			if r.Description == "" {
				t.Errorf("role %s.%s has no description", name, r.Name)
			}
		}
		for _, o := range svc.Options {
			if o.Description == "" {
				t.Errorf("option %s.%s has no description", name, o.Name)
			}
		}
		for _, w := range svc.Wires {
			if w.Comment == "" {
				t.Errorf("service %s: the wire for %s has no comment: the generated block would not say what it is", name, w.Role)
			}
		}
	}
}

// verifiedPackages reads the first column of packages-verified.tsv: the
// nixpkgs attributes checked against nixpkgs, as its header says how.
func verifiedPackages(t *testing.T) map[string]bool {
	t.Helper()
	data, err := os.ReadFile("builtin/packages-verified.tsv")
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		name, _, _ := strings.Cut(line, "\t")
		names[name] = true
	}
	if len(names) < 50 {
		t.Fatalf("packages-verified.tsv lists only %d packages", len(names))
	}
	return names
}

// packageSettings are the settings whose values are nixpkgs attribute
// names that a feature's module.nix turns into packages.
var packageSettings = []string{"fonts.packages"}

// TestPackagesAreVerified holds every package name the catalog installs to
// the list checked against nixpkgs: collections, features' packages, the
// package lists of NixOS options (environment.systemPackages in nixos_when
// blocks) and the settings that name packages.
func TestPackagesAreVerified(t *testing.T) {
	cat := builtin(t)
	verified := verifiedPackages(t)
	check := func(where, name string) {
		if !verified[name] {
			t.Errorf("%s: package %q is not in packages-verified.tsv", where, name)
		}
	}
	for name, c := range cat.Collections {
		for _, p := range c.Packages {
			check("collection "+name, p)
		}
	}
	ix := nixopts.Load()
	for _, name := range cat.FeatureNames() {
		f := cat.Features[name]
		for _, p := range f.Packages {
			check("feature "+name, p.Value)
		}
		for _, b := range f.NixOS {
			for _, o := range b.Options {
				path, err := nixopts.SplitPath(o.Option)
				if err != nil {
					continue // TestOptionsExist reports it
				}
				r := ix.Lookup(path)
				if r.Type == nil {
					continue
				}
				for _, p := range packageNames(*r.Type, o.Value) {
					check(fmt.Sprintf("feature %s, %s", name, o.Option), p)
				}
			}
		}
	}
	for _, key := range packageSettings {
		feature, setting, _ := strings.Cut(key, ".")
		s := settingOf(cat, feature, setting)
		if s == nil {
			t.Errorf("no setting %s", key)
			continue
		}
		names := slices.Clone(s.Type.Values)
		if def, ok := s.Default.([]string); ok {
			names = append(names, def...)
		}
		for _, p := range names {
			check("setting "+key, p)
		}
	}
}

// packageNames returns the strings of v that a type takes as packages.
func packageNames(t nixopts.Type, v any) []string {
	switch t.Kind {
	case nixopts.Package:
		if s, ok := v.(string); ok {
			return []string{strings.TrimPrefix(s, "pkgs.")}
		}
	case nixopts.NullOr:
		return packageNames(*t.Elem, v)
	case nixopts.ListOf:
		var out []string
		if l, ok := v.([]any); ok {
			for _, x := range l {
				out = append(out, packageNames(*t.Elem, x)...)
			}
		}
		return out
	}
	return nil
}

func settingOf(cat *catalog.Catalog, feature, setting string) *catalog.Setting {
	if f := cat.Features[feature]; f != nil {
		return f.Setting(setting)
	}
	return nil
}

// TestReferencesExist checks that everything the catalog names by name is
// there: required, conflicting and replacement features, profile features,
// exclusions and parents, collections, and the settings ports, health
// checks and option values refer to.
func TestReferencesExist(t *testing.T) {
	cat := builtin(t)
	feature := func(where, name string) {
		if cat.Features[name] == nil {
			t.Errorf("%s: no feature %q", where, name)
		}
	}
	for _, name := range cat.FeatureNames() {
		f := cat.Features[name]
		where := "feature " + name
		for _, r := range f.Requires {
			feature(where+", requires", r.Value)
		}
		for _, c := range f.Conflicts {
			feature(where+", conflicts", c.Feature)
			if c.Reason == "" {
				t.Errorf("%s: the conflict with %s gives no reason", where, c.Feature)
			}
		}
		if f.Replacement != "" {
			feature(where+", replacement", f.Replacement)
		}
		for _, c := range f.Collections {
			if cat.Collections[c.Value] == nil {
				t.Errorf("%s: no collection %q", where, c.Value)
			}
		}
		for _, p := range f.Ports {
			if (p.Port == 0) == (p.Setting == "") {
				t.Errorf("%s: a port needs a number or a setting, not both", where)
			}
			if p.Setting != "" && kindOf(f, p.Setting) != catalog.KindPort {
				t.Errorf("%s: port setting %q is not a port setting of the feature", where, p.Setting)
			}
			if p.Protocol != "tcp" && p.Protocol != "udp" {
				t.Errorf("%s: port protocol %q is not tcp or udp", where, p.Protocol)
			}
		}
		for _, h := range f.Health {
			if h.Name == "" || h.Unit == "" && h.HTTP == "" && h.TCP == 0 && h.Setting == "" {
				t.Errorf("%s: health check %q checks nothing", where, h.Name)
			}
			if h.Unit != "" && !regexp.MustCompile(`^[A-Za-z0-9@_.-]+\.(service|socket|timer|target)$`).MatchString(h.Unit) {
				t.Errorf("%s: health check %q: %q is not a systemd unit name", where, h.Name, h.Unit)
			}
			if h.Setting != "" && kindOf(f, h.Setting) != catalog.KindPort {
				t.Errorf("%s: health check %q: %q is not a port setting of the feature", where, h.Name, h.Setting)
			}
			if h.HTTP != "" && !strings.HasPrefix(h.HTTP, "http://127.0.0.1:") {
				t.Errorf("%s: health check %q: %q is not a URL on localhost", where, h.Name, h.HTTP)
			}
		}
		for _, b := range f.NixOS {
			for _, o := range b.Options {
				for _, ref := range catalog.SettingRefs(o.Value) {
					if f.Setting(ref) == nil {
						t.Errorf("%s: option %s refers to setting %q, which the feature does not have", where, o.Option, ref)
					}
				}
			}
		}
	}
	for _, name := range cat.ProfileNames() {
		p := cat.Profiles[name]
		where := "profile " + name
		if p.Extends != "" && cat.Profiles[p.Extends] == nil {
			t.Errorf("%s: extends unknown profile %q", where, p.Extends)
		}
		for _, it := range p.Features {
			feature(where+", features", it.Value)
		}
		for _, it := range p.Excludes {
			feature(where+", excludes", it.Value)
		}
		for _, s := range p.Settings {
			if settingOf(cat, s.Feature, s.Name) == nil {
				t.Errorf("%s: settings for unknown setting %s.%s", where, s.Feature, s.Name)
			}
		}
		// A profile must not exclude what it or its parents enable.
		var on, off []string
		for _, q := range cat.ProfileChain(name) {
			for _, it := range q.Features {
				on = append(on, it.Value)
			}
			for _, it := range q.Excludes {
				off = append(off, it.Value)
			}
		}
		for _, f := range on {
			if slices.Contains(off, f) {
				t.Errorf("%s both enables and excludes %s", where, f)
			}
		}
	}
}

func kindOf(f *catalog.Feature, setting string) string {
	if f == nil {
		return ""
	}
	if s := f.Setting(setting); s != nil {
		return s.Type.Kind
	}
	return ""
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func TestNoRequiresCycle(t *testing.T) {
	cat := builtin(t)
	state := map[string]int{} // 0 new, 1 on the stack, 2 done
	var stack []string
	var visit func(name string)
	visit = func(name string) {
		state[name] = 1
		stack = append(stack, name)
		for _, r := range cat.Features[name].Requires {
			switch state[r.Value] {
			case 0:
				if cat.Features[r.Value] != nil {
					visit(r.Value)
				}
			case 1:
				t.Errorf("requires cycle: %s -> %s", strings.Join(stack, " -> "), r.Value)
			}
		}
		stack = stack[:len(stack)-1]
		state[name] = 2
	}
	for _, name := range cat.FeatureNames() {
		if state[name] == 0 {
			visit(name)
		}
	}
}

// hardwareValues are the values each hardware fact can have, or nil for
// the integer facts, which take integers and ranges.
var hardwareValues = map[string][]string{
	"hardware.cpu":        fleet.CPUVendors,
	"hardware.gpu":        fleet.GPUVendors,
	"hardware.form":       fleet.FormFactors,
	"hardware.system":     fleet.Systems,
	"hardware.memory_gib": nil,
	"hardware.cores":      nil,
}

// TestHardwareFactsAreResolved keeps hardwareValues in step with the
// facts resolve knows.
func TestHardwareFactsAreResolved(t *testing.T) {
	m := &fleet.Machine{System: "x86_64-linux", Hardware: fleet.Hardware{CPU: "amd", GPU: []fleet.Ref{{Value: "amd"}}, Memory: 8 << 30, Cores: 4, Form: "laptop"}}
	for key := range hardwareValues {
		if _, ok := resolve.HardwareFact(m, key); !ok {
			t.Errorf("resolve.HardwareFact does not know %s", key)
		}
	}
}

// TestConditionsAreValid checks every condition of the catalog (derive,
// conflicts, nixos_when): each key names a hardware fact, or a real
// setting of a real feature, and each value fits it. A derivation may test
// only hardware facts: resolve evaluates nothing else there.
func TestConditionsAreValid(t *testing.T) {
	cat := builtin(t)
	checkCond := func(where string, c catalog.Condition, hardwareOnly bool) {
		if len(c) == 0 && hardwareOnly {
			t.Errorf("%s: a derivation without a condition", where)
		}
		for _, cl := range c {
			if len(cl.Values) == 0 {
				t.Errorf("%s: %s has no values", where, cl.Key)
			}
			if allowed, ok := hardwareValues[cl.Key]; ok {
				for _, v := range cl.Values {
					if problem := hardwareValueProblem(cl.Key, allowed, v); problem != "" {
						t.Errorf("%s: %s: %s", where, cl.Key, problem)
					}
				}
				continue
			}
			if strings.HasPrefix(cl.Key, "hardware.") || hardwareOnly {
				t.Errorf("%s: %s is not a hardware fact", where, cl.Key)
				continue
			}
			feature, setting, _ := strings.Cut(cl.Key, ".")
			s := settingOf(cat, feature, setting)
			if s == nil {
				t.Errorf("%s: %s names no setting of a catalog feature", where, cl.Key)
				continue
			}
			for _, v := range cl.Values {
				if problem := settingValueProblem(s.Type, v); problem != "" {
					t.Errorf("%s: %s: %s", where, cl.Key, problem)
				}
			}
		}
	}
	for _, name := range cat.FeatureNames() {
		f := cat.Features[name]
		for _, s := range f.Settings {
			for i, d := range s.Derive {
				checkCond(fmt.Sprintf("feature %s, setting %s, derive %d", name, s.Name, i), d.When, true)
			}
		}
		for _, c := range f.Conflicts {
			checkCond(fmt.Sprintf("feature %s, conflict with %s", name, c.Feature), c.When, false)
		}
		for i, b := range f.NixOS {
			checkCond(fmt.Sprintf("feature %s, nixos block %d", name, i), b.When, false)
		}
	}
}

func hardwareValueProblem(key string, allowed []string, v any) string {
	if allowed == nil {
		switch x := v.(type) {
		case int64:
			return ""
		case catalog.Range:
			if x.Min != nil && x.Max != nil && *x.Min > *x.Max {
				return "empty range " + x.String()
			}
			return ""
		}
		return fmt.Sprintf("%v is not an integer or a range", v)
	}
	if s, ok := v.(string); !ok || !slices.Contains(allowed, s) {
		return fmt.Sprintf("%v is not one of %s", v, strings.Join(allowed, ", "))
	}
	return ""
}

func settingValueProblem(t catalog.Type, v any) string {
	switch t.Kind {
	case catalog.KindBool:
		if _, ok := v.(bool); !ok {
			return fmt.Sprintf("%v is not true or false", v)
		}
	case catalog.KindEnum, catalog.KindList:
		s, ok := v.(string)
		if !ok || len(t.Values) > 0 && !slices.Contains(t.Values, s) {
			return fmt.Sprintf("%v is not %s", v, t)
		}
	case catalog.KindString:
		if _, ok := v.(string); !ok {
			return fmt.Sprintf("%v is not a string", v)
		}
	case catalog.KindInt, catalog.KindPort:
		if r, ok := v.(catalog.Range); ok {
			if r.Min == nil && r.Max == nil {
				return "an empty range"
			}
			return ""
		}
		n, ok := v.(int64)
		if !ok || t.Min != nil && n < *t.Min || t.Max != nil && n > *t.Max {
			return fmt.Sprintf("%v is not %s", v, t)
		}
	default:
		return fmt.Sprintf("conditions on %s settings are not supported", t.Kind)
	}
	return ""
}

// samples stand in for the settings that have neither a default, nor a
// derivation, nor a list of values, when an option refers to them: a
// value a user would write.
var samples = map[string]any{
	"core.state_version":          "26.05",
	"tailscale.auth_key_file":     "/run/secrets/tailscale-auth-key",
	"auto-upgrade.flake":          "github:example/fleet#nas",
	"nix.max_jobs":                int64(4),
	"firewall.trusted_interfaces": []string{"wg0"},
}

// uncovered lists the option paths outside the index's covered prefixes
// that the catalog sets anyway, each with the nixpkgs file it was checked
// in by hand. Keep it empty if at all possible.
var uncovered = map[string]string{}

// TestOptionsExist checks every NixOS option the catalog sets, in [nixos],
// [[nixos_when]] and the module.nix files, against the NixOS options index:
// the option exists (or the path leads into a declared option's value), it
// is not read-only, and each value the catalog can give it fits its type:
// a {setting = "x"} takes each of x's default, derived values, enum values
// or a sample.
func TestOptionsExist(t *testing.T) {
	cat := builtin(t)
	ix := nixopts.Load()
	for _, name := range cat.FeatureNames() {
		f := cat.Features[name]
		for _, b := range f.NixOS {
			for _, o := range b.Options {
				where := fmt.Sprintf("feature %s, option %s", name, o.Option)
				r, path, ok := lookupOption(t, ix, where, o.Option)
				if !ok {
					continue
				}
				for _, v := range valueVariants(t, f, o.Value) {
					checkValue(t, ix, where, path, r, v)
				}
			}
		}
		if f.Module != "" {
			paths := moduleOptions(f.Module)
			if len(paths) == 0 {
				t.Errorf("feature %s: module.nix lists no options in its header (\"# Options set\")", name)
			}
			for _, p := range paths {
				if !strings.Contains(moduleBody(f.Module), p) {
					t.Errorf("feature %s: module.nix lists %s, but does not set it", name, p)
				}
				lookupOption(t, ix, fmt.Sprintf("feature %s, module.nix", name), p)
			}
			for _, ref := range moduleSettingRefs(f.Module) {
				feature, setting, _ := strings.Cut(ref, ".")
				if settingOf(cat, feature, setting) == nil {
					t.Errorf("feature %s: module.nix reads config.shoal.features.%s, which is no catalog setting", name, ref)
				}
			}
		}
	}
}

// TestServiceOptionsExist holds the NixOS options the services' [[wire]]
// tables set to the options index, with sample addresses standing for the
// machines their values name.
func TestServiceOptionsExist(t *testing.T) {
	cat := builtin(t)
	ix := nixopts.Load()
	for _, name := range cat.ServiceNames() {
		for _, w := range cat.Services[name].Wires {
			for _, o := range w.Set {
				where := fmt.Sprintf("service %s, wire for %s, option %s", name, w.Role, o.Option)
				r, path, ok := lookupOption(t, ix, where, o.Option)
				if ok {
					checkValue(t, ix, where, path, r, sampleWire(o.Value))
				}
			}
		}
	}
}

// sampleWire fills in a wire's value the way the generator does for a
// fleet with one machine per role, at 192.0.2.1:9000.
func sampleWire(v any) any {
	switch x := v.(type) {
	case catalog.Endpoints:
		return []any{"192.0.2.1:9000"}
	case catalog.SecretRef:
		return catalog.SecretPath(x.Name)
	case catalog.PublicRef:
		return "lWHMdzxi3K7S3n0x5rQv7H4wR5b8K3n2q9sZ0aYbC3E="
	case string:
		s, _ := catalog.ExpandPlaceholders(x, func(string) (string, bool) { return "192.0.2.1:9000", true })
		return s
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = sampleWire(e)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = sampleWire(e)
		}
		return out
	}
	return v
}

// lookupOption finds an option path in the index, reporting a path that is
// unknown, not covered (and not listed in uncovered), an option set, or
// read-only.
func lookupOption(t *testing.T, ix *nixopts.Index, where, option string) (nixopts.Result, []string, bool) {
	t.Helper()
	path, err := nixopts.SplitPath(option)
	if err != nil {
		t.Errorf("%s: %v", where, err)
		return nixopts.Result{}, nil, false
	}
	r := ix.Lookup(path)
	switch r.Kind {
	case nixopts.Found, nixopts.Within:
		if r.Option == nil {
			t.Errorf("%s: the index has no option holding it", where)
			return r, path, false
		}
		if r.Option.ReadOnly() {
			t.Errorf("%s: %s is read-only", where, r.Option.Name)
			return r, path, false
		}
		return r, path, true
	case nixopts.NotCovered:
		if uncovered[option] == "" {
			t.Errorf("%s: not covered by the options index; check it in nixpkgs and list it in uncovered with the file", where)
		}
		return r, path, false
	case nixopts.Unknown:
		t.Errorf("%s: no such NixOS option; did you mean %s?", where, strings.Join(r.Suggestions, ", "))
	default:
		t.Errorf("%s: is a set of options (%s), not an option", where, strings.Join(r.Children, ", "))
	}
	return r, path, false
}

// checkValue checks a value against the type at path; the entries of a
// table given to a submodule are options of their own.
func checkValue(t *testing.T, ix *nixopts.Index, where string, path []string, r nixopts.Result, v any) {
	t.Helper()
	if r.Type == nil {
		t.Errorf("%s: the index gives no type", where)
		return
	}
	typ := *r.Type
	for typ.Kind == nixopts.NullOr {
		typ = *typ.Elem
	}
	if m, ok := v.(map[string]any); ok && typ.Kind == nixopts.Submodule {
		for _, k := range sortedKeys(m) {
			sub := append(slices.Clone(path), k)
			subWhere := where + "." + k
			if sr, _, ok := lookupOption(t, ix, subWhere, nixopts.FormatPath(sub)); ok {
				checkValue(t, ix, subWhere, sub, sr, m[k])
			}
		}
		return
	}
	if err := r.Type.Check(v); err != nil {
		t.Errorf("%s = %v: %v", where, v, err)
	}
}

// valueVariants returns the values an option can take: v with each
// setting reference replaced, one at a time, by each value that setting
// can have (the others by their first).
func valueVariants(t *testing.T, f *catalog.Feature, v any) []any {
	t.Helper()
	refs := catalog.SettingRefs(v)
	if len(refs) == 0 {
		return []any{v}
	}
	candidates := map[string][]any{}
	for _, ref := range refs {
		s := f.Setting(ref)
		if s == nil {
			return nil // TestReferencesExist reports it
		}
		candidates[ref] = settingValues(t, f.Name, s)
	}
	var out []any
	for _, ref := range refs {
		for _, c := range candidates[ref] {
			out = append(out, substitute(v, func(name string) any {
				if name == ref {
					return c
				}
				return candidates[name][0]
			}))
		}
	}
	return out
}

// settingValues lists the values a setting can have, converted to what
// nixopts.Type.Check takes.
func settingValues(t *testing.T, feature string, s *catalog.Setting) []any {
	t.Helper()
	var vals []any
	add := func(v any) {
		if v == nil {
			return
		}
		if l, ok := v.([]string); ok {
			a := make([]any, len(l))
			for i, x := range l {
				a[i] = x
			}
			v = a
		}
		vals = append(vals, v)
	}
	add(s.Default)
	for _, d := range s.Derive {
		add(d.Value)
	}
	switch s.Type.Kind {
	case catalog.KindEnum:
		for _, e := range s.Type.Values {
			add(e)
		}
	case catalog.KindBool:
		add(true)
		add(false)
	case catalog.KindList:
		if len(s.Type.Values) > 0 {
			add(slices.Clone(s.Type.Values))
		}
	}
	if len(vals) == 0 {
		sample, ok := samples[feature+"."+s.Name]
		if !ok {
			t.Errorf("setting %s.%s has no default, derivation or values: add a sample value to the test", feature, s.Name)
			return []any{nil}
		}
		add(sample)
	}
	return vals
}

// substitute copies v with each SettingRef replaced by value(name).
func substitute(v any, value func(string) any) any {
	switch x := v.(type) {
	case catalog.SettingRef:
		return value(x.Setting)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = substitute(e, value)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = substitute(e, value)
		}
		return out
	}
	return v
}

// moduleOptions reads the option paths a module.nix lists in its header:
// the comment lines "#   path" after "# Options set".
func moduleOptions(module string) []string {
	var paths []string
	in := false
	for _, line := range strings.Split(module, "\n") {
		switch {
		case strings.HasPrefix(line, "# Options set"):
			in = true
		case in && strings.HasPrefix(line, "#   "):
			paths = append(paths, strings.TrimSpace(strings.TrimPrefix(line, "#")))
		case in:
			return paths
		}
	}
	return paths
}

// moduleBody is a module.nix without its comment lines.
func moduleBody(module string) string {
	var b strings.Builder
	for _, line := range strings.Split(module, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(line), "#") {
			b.WriteString(line + "\n")
		}
	}
	return b.String()
}

var (
	settingRefRE = regexp.MustCompile(`config\.shoal\.features\.([a-z][a-z0-9-]*)\.([a-z_][a-z0-9_]*)`)
	cfgRE        = regexp.MustCompile(`cfg = config\.shoal\.features\.([a-z][a-z0-9-]*);`)
	cfgUseRE     = regexp.MustCompile(`\bcfg\.([a-z_][a-z0-9_]*)`)
)

// moduleSettingRefs lists the "feature.setting"s a module.nix reads, as
// config.shoal.features.F.S or through cfg = config.shoal.features.F.
func moduleSettingRefs(module string) []string {
	body := moduleBody(module)
	var refs []string
	for _, m := range settingRefRE.FindAllStringSubmatch(body, -1) {
		refs = append(refs, m[1]+"."+m[2])
	}
	if m := cfgRE.FindStringSubmatch(body); m != nil {
		for _, u := range cfgUseRE.FindAllStringSubmatch(body, -1) {
			refs = append(refs, m[1]+"."+u[1])
		}
	}
	return refs
}

// TestDefaultPortsDiffer keeps two built-in features from listening on the
// same port by default: a machine may have both.
func TestDefaultPortsDiffer(t *testing.T) {
	cat := builtin(t)
	type use struct{ feature, what string }
	seen := map[string]use{}
	for _, name := range cat.FeatureNames() {
		f := cat.Features[name]
		for _, p := range f.Ports {
			port := p.Port
			if p.Setting != "" {
				if s := f.Setting(p.Setting); s != nil {
					port, _ = s.Default.(int64)
				}
			}
			key := fmt.Sprintf("%d/%s", port, p.Protocol)
			if first, ok := seen[key]; ok && first.feature != name {
				t.Errorf("%s (%s) and %s (%s) both listen on %s by default", first.feature, first.what, name, p.Description, key)
			}
			seen[key] = use{name, p.Description}
		}
	}
}

// TestRangeConditions checks how a catalog file writes a range of
// integers in a condition, and the mistakes it can make.
func TestRangeConditions(t *testing.T) {
	feature := func(when string) fstest.MapFS {
		return fstest.MapFS{
			"cat/collections.toml": {Data: nil},
			"cat/features/x/feature.toml": {Data: []byte(`description = "x"
[settings.n]
type = "int"
default = 1
description = "n"
[[settings.n.derive]]
when = { "hardware.memory_gib" = ` + when + ` }
value = 2
`)},
		}
	}
	ptr := func(i int64) *int64 { return &i }
	for _, c := range []struct {
		when    string
		want    []any
		problem string
	}{
		{`{ max = 8 }`, []any{catalog.Range{Max: ptr(8)}}, ""},
		{`{ min = 9, max = 16 }`, []any{catalog.Range{Min: ptr(9), Max: ptr(16)}}, ""},
		{`[4, { min = 33 }]`, []any{int64(4), catalog.Range{Min: ptr(33)}}, ""},
		{`{ }`, nil, "a range needs min, max or both"},
		{`{ min = 9, max = 2 }`, nil, "range from 9 to 2 is empty"},
		{`{ mni = 9 }`, nil, `unknown key "mni" in a range`},
		{`{ min = "9" }`, nil, "min"},
	} {
		cat, diags := catalog.Load(feature(c.when), "cat", "cat")
		if c.problem != "" {
			if len(diags) != 1 || !strings.Contains(diags[0].Summary, c.problem) {
				t.Errorf("%s: diagnostics %v, want one saying %q", c.when, diags, c.problem)
			}
			continue
		}
		if len(diags) > 0 {
			t.Errorf("%s: %v", c.when, diags)
			continue
		}
		got := cat.Features["x"].Setting("n").Derive[0].When[0].Values
		if fmt.Sprint(got) != fmt.Sprint(c.want) {
			t.Errorf("%s: values %v, want %v", c.when, got, c.want)
		}
	}
}

func TestRangeString(t *testing.T) {
	ptr := func(i int64) *int64 { return &i }
	cond := catalog.Condition{{Key: "hardware.memory_gib", Values: []any{catalog.Range{Min: ptr(9), Max: ptr(16)}}}, {Key: "hardware.cpu", Values: []any{"amd"}}}
	if got, want := cond.String(), `hardware.memory_gib is from 9 to 16 and hardware.cpu = "amd"`; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	for _, c := range []struct {
		r    catalog.Range
		n    int64
		want bool
	}{
		{catalog.Range{Max: ptr(8)}, 8, true},
		{catalog.Range{Max: ptr(8)}, 9, false},
		{catalog.Range{Min: ptr(9), Max: ptr(16)}, 9, true},
		{catalog.Range{Min: ptr(9), Max: ptr(16)}, 17, false},
		{catalog.Range{Min: ptr(33)}, 1 << 40, true},
	} {
		if got := c.r.Contains(c.n); got != c.want {
			t.Errorf("%v.Contains(%d) = %v", c.r, c.n, got)
		}
	}
}

// TestNoConflictingDefinitions keeps two blocks that can hold on the same
// machine from setting one option to different single values: NixOS merges
// lists and tables but refuses "conflicting definition values" for
// booleans, numbers and strings set at the same priority.
func TestNoConflictingDefinitions(t *testing.T) {
	cat := builtin(t)
	type def struct {
		feature string
		when    catalog.Condition
		value   any
	}
	defs := map[string][]def{}
	for _, name := range cat.FeatureNames() {
		for _, b := range cat.Features[name].NixOS {
			for _, o := range b.Options {
				switch o.Value.(type) {
				case []any, map[string]any, catalog.SettingRef:
					continue // merged by NixOS, or a setting (one per feature)
				}
				defs[o.Option] = append(defs[o.Option], def{name, b.When, o.Value})
			}
		}
	}
	conflicting := func(a, b string) bool {
		for _, c := range cat.Features[a].Conflicts {
			if c.Feature == b {
				return true
			}
		}
		return false
	}
	for _, option := range sortedKeys(defs) {
		ds := defs[option]
		for i := range ds {
			for _, d := range ds[i+1:] {
				a := ds[i]
				if a.value == d.value || conflicting(a.feature, d.feature) || conflicting(d.feature, a.feature) || exclusive(cat, a.when, d.when) {
					continue
				}
				t.Errorf("%s is set to %v by %s and to %v by %s, which can both be on", option, a.value, a.feature, d.value, d.feature)
			}
		}
	}
}

// exclusive reports whether two conditions cannot hold together: both test
// one key for values they do not share, and the key has one value at a
// time (a list setting or hardware.gpu may hold both).
func exclusive(cat *catalog.Catalog, a, b catalog.Condition) bool {
	for _, x := range a {
		for _, y := range b {
			if x.Key != y.Key || x.Key == "hardware.gpu" {
				continue
			}
			if feature, setting, _ := strings.Cut(x.Key, "."); kindOf(cat.Features[feature], setting) == catalog.KindList {
				continue
			}
			shared := false
			for _, v := range x.Values {
				if slices.Contains(y.Values, v) {
					shared = true
				}
			}
			if !shared {
				return true
			}
		}
	}
	return false
}

// credentialRE finds systemd.services.UNIT.serviceConfig.LoadCredential.
var credentialRE = regexp.MustCompile(`^systemd\.services\.([^.]+)\.serviceConfig\.LoadCredential$`)

// TestCredentialsAreDeclaredSecrets keeps the features that hand a secret
// file to a unit through LoadCredential and the services that declare the
// file in step: each credential read from the secrets directory is a
// secret of a service whose role brings the feature, read by that unit
// (so deploy restarts it), and each $__file{} under the unit's
// credentials directory names a credential the unit loads.
func TestCredentialsAreDeclaredSecrets(t *testing.T) {
	cat, diags := catalog.Builtin()
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	found := 0
	for _, name := range cat.FeatureNames() {
		f := cat.Features[name]
		loaded := map[string]bool{} // UNIT/ID
		var files []string
		for _, block := range f.NixOS {
			for _, o := range block.Options {
				if s, ok := o.Value.(string); ok {
					for _, m := range regexp.MustCompile(`\$__file\{/run/credentials/([^/}]+)/([^}]+)\}`).FindAllStringSubmatch(s, -1) {
						files = append(files, m[1]+"/"+m[2])
					}
				}
				m := credentialRE.FindStringSubmatch(o.Option)
				if m == nil {
					continue
				}
				unit := m[1] + ".service"
				list, _ := o.Value.([]any)
				for _, e := range list {
					id, file, _ := strings.Cut(fmt.Sprint(e), ":")
					loaded[unit+"/"+id] = true
					secret, ok := strings.CutPrefix(file, catalog.SecretsDir+"/")
					if !ok {
						continue
					}
					found++
					if !declares(cat, name, secret, unit) {
						t.Errorf("feature %s loads %s into %s, but no service whose role brings %s declares secret %s read by %s", name, file, unit, name, secret, unit)
					}
				}
			}
		}
		for _, file := range files {
			if !loaded[file] {
				t.Errorf("feature %s reads $__file{/run/credentials/%s}, which the unit does not load", name, file)
			}
		}
	}
	if found == 0 {
		t.Error("no feature loads a secret as a credential: the test checks nothing")
	}
}

// declares says whether a service of cat declares secret, for a role
// that brings feature, read by unit.
func declares(cat *catalog.Catalog, feature, secret, unit string) bool {
	for _, s := range cat.Services {
		x := s.Secret(secret)
		if x == nil {
			continue
		}
		if r := s.Role(x.Role); r != nil && r.Feature == feature && slices.Contains(x.Units, unit) {
			return true
		}
	}
	return false
}
