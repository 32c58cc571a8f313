package resolve

import (
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/shoal-nix/shoal/internal/catalog"
	"github.com/shoal-nix/shoal/internal/diag"
	"github.com/shoal-nix/shoal/internal/fleet"
	"github.com/shoal-nix/shoal/internal/tomltree"
)

// DefaultProfile is used by machines that name none.
const DefaultProfile = "base"

// Resolve resolves every machine of f against cat.
func Resolve(f *fleet.Fleet, cat *catalog.Catalog) (*Fleet, diag.List) {
	r := &resolver{f: f, cat: cat, out: &Fleet{Spec: f, Catalog: cat, byName: map[string]*Machine{}}}
	r.index()
	for _, m := range f.Machines {
		rm := r.machine(m)
		r.out.Machines = append(r.out.Machines, rm)
		r.out.byName[m.Name] = rm
	}
	return r.out, r.diags
}

type layered struct {
	s      fleet.Setting
	origin *Origin
	value  any // checked value; nil when it did not fit
}

type resolver struct {
	f     *fleet.Fleet
	cat   *catalog.Catalog
	out   *Fleet
	diags diag.List

	defaults    map[string][]layered            // feature -> checked fleet defaults
	chains      map[string][]*catalog.Profile   // profile -> its chain, most basic first
	profileVals map[string]map[string][]layered // profile -> feature -> values
	// catalogOrigins holds each setting's catalog origin (catalogOrigin).
	catalogOrigins map[*catalog.Setting]*Origin
	serviceRoles   map[string][]Reason  // machine -> features from services (Detail: feature)
	serviceVals    map[string][]layered // feature -> checked values of service options
	packageSets    map[string][]Package // feature names, NUL-terminated -> their packages
	keyBuf         []byte
}

func (r *resolver) index() {
	r.defaults = map[string][]layered{}
	for _, s := range r.f.Defaults {
		if v, ok := r.checkSetting(s, r.f.File); ok {
			r.defaults[s.Feature] = append(r.defaults[s.Feature], layered{s, &Origin{Kind: FromDefaults, File: r.f.File, Path: s.Path}, v})
		}
	}
	r.profileVals = map[string]map[string][]layered{}
	r.chains = map[string][]*catalog.Profile{}
	r.catalogOrigins = map[*catalog.Setting]*Origin{}
	r.serviceRoles = map[string][]Reason{}
	r.serviceVals = map[string][]layered{}
	r.services()
	r.assignRoles()
	r.networkRefs()
}

// Select expands a selector (a machine name, @tag or @all) to machines.
func Select(f *fleet.Fleet, sel string) []*fleet.Machine {
	switch {
	case sel == "@all":
		return f.Machines
	case strings.HasPrefix(sel, "@"):
		var out []*fleet.Machine
		for _, m := range f.Machines {
			if m.HasTag(sel[1:]) {
				out = append(out, m)
			}
		}
		return out
	}
	if m := f.Machine(sel); m != nil {
		return []*fleet.Machine{m}
	}
	return nil
}

// selectRef expands a selector written in the fleet file, reporting unknown
// machines and tags.
func (r *resolver) selectRef(sel fleet.Ref) []*fleet.Machine {
	ms := Select(r.f, sel.Value)
	if len(ms) > 0 || sel.Value == "@all" {
		return ms
	}
	if tag, ok := strings.CutPrefix(sel.Value, "@"); ok {
		e := r.diags.Errorf(diag.CodeUnknownTag, r.f.File, sel.Path, "no machine has the tag %q", tag)
		if s := diag.Suggest(tag, r.f.Tags()); s != "" {
			e.Hintf("did you mean \"@%s\"?", s)
		} else {
			e.Hintf("add tags = [%q] to a machine, or use @all", tag)
		}
		return nil
	}
	if sel.Value == "all" {
		r.diags.Errorf(diag.CodeUnknownMachine, r.f.File, sel.Path, "no machine is named \"all\"").
			Hintf("write \"@all\" for every machine of the fleet")
		return nil
	}
	if slices.Contains(r.f.Tags(), sel.Value) {
		// A tag written without its "@": no machine has the name.
		r.diags.Errorf(diag.CodeUnknownMachine, r.f.File, sel.Path, "no machine is named %q; %q is a tag", sel.Value, sel.Value).
			Hintf("write \"@%s\": tags are named with \"@\", machines without", sel.Value)
		return nil
	}
	e := r.diags.Errorf(diag.CodeUnknownMachine, r.f.File, sel.Path, "unknown machine %q", sel.Value)
	if s := diag.DidYouMean(sel.Value, r.f.MachineNames()); s != "" {
		e.SetHint(s)
	} else {
		e.Hintf("name a machine of [machines], a tag as \"@tag\", or \"@all\"")
	}
	return nil
}

func (r *resolver) machine(m *fleet.Machine) *Machine {
	rm := &Machine{Spec: m, byName: map[string]*Feature{}}

	profName := m.Profile.Value
	if profName == "" {
		profName = DefaultProfile
	}
	rm.Profile = r.cat.Profiles[profName]
	if rm.Profile == nil {
		e := r.diags.Errorf(diag.CodeUnknownProfile, r.f.File, m.Profile.Path, "unknown profile %q", profName)
		if h := diag.DidYouMean(profName, r.cat.ProfileNames()); h != "" {
			e.SetHint(h)
		} else {
			e.Hintf("profiles are: %s", strings.Join(r.cat.ProfileNames(), ", "))
		}
		rm.Profile = r.cat.Profiles[DefaultProfile]
	}

	for _, u := range m.Users {
		if r.f.User(u.Value) == nil {
			e := r.diags.Errorf(diag.CodeUnknownUser, r.f.File, u.Path, "unknown user %q", u.Value)
			if h := diag.DidYouMean(u.Value, r.f.UserNames()); h != "" {
				e.SetHint(h)
			} else {
				e.Hintf("declare it in a [users.%s] table", u.Value)
			}
		}
	}

	// Features: profile chain, machine, services, then the requires closure.
	// Features and their first reasons are allocated together, enough for
	// what the profile, machine and services name plus one more, rather
	// than one by one: a fleet has many machines.
	var chain []*catalog.Profile
	if rm.Profile != nil {
		chain = r.profileChain(rm.Profile.Name)
	}
	size := len(m.Features) + len(r.serviceRoles[m.Name]) + 1
	for _, p := range chain {
		size += len(p.Features)
	}
	queue := make([]*Feature, 0, size)
	slab, reasons := make([]Feature, 0, size), make([]Reason, 0, size)
	enable := func(name string, why Reason, report func(name string)) {
		if f := rm.byName[name]; f != nil {
			f.Reasons = append(f.Reasons, why)
			return
		}
		def := r.cat.Features[name]
		if def == nil {
			if report != nil {
				report(name)
			}
			return
		}
		if len(slab) == cap(slab) {
			slab, reasons = make([]Feature, 0, 4), make([]Reason, 0, 4)
		}
		slab = append(slab, Feature{Def: def})
		f := &slab[len(slab)-1]
		reasons = append(reasons, why)
		f.Reasons = reasons[len(reasons)-1 : len(reasons) : len(reasons)] // full: an append copies
		rm.byName[name] = f
		queue = append(queue, f)
	}
	if rm.Profile != nil {
		for _, p := range chain {
			for _, it := range p.Features {
				enable(it.Value, Reason{Kind: ByProfile, Detail: p.Name, File: p.File, Path: it.Path}, nil)
			}
		}
	}
	for _, it := range m.Features {
		enable(it.Value, Reason{Kind: ByMachine, File: r.f.File, Path: it.Path}, func(name string) {
			r.unknownFeature(r.f.File, it.Path, name)
		})
	}
	for _, why := range r.serviceRoles[m.Name] {
		feature, role, _ := strings.Cut(why.Detail, "\x00")
		why.Detail = role
		enable(feature, why, func(name string) {
			r.diags.Errorf(diag.CodeUnknownFeature, r.f.File, why.Path, "services.%s needs the feature %q, which the catalog does not have", strings.TrimPrefix(role, "services."), name)
		})
	}
	for i := 0; i < len(queue); i++ {
		f := queue[i]
		for _, req := range f.Def.Requires {
			enable(req.Value, Reason{Kind: ByRequire, Detail: f.Def.Name, File: f.Def.File, Path: req.Path}, func(name string) {
				r.unknownFeature(f.Def.File, req.Path, name)
			})
		}
	}
	rm.Features = queue
	slices.SortFunc(rm.Features, func(a, b *Feature) int { return strings.Compare(a.Def.Name, b.Def.Name) })

	r.settings(rm)
	r.packagesAndPorts(rm)
	return rm
}

func (r *resolver) unknownFeature(file string, path diag.Path, name string) {
	if broken := r.brokenLocal(name); broken != "" {
		r.diags.Errorf(diag.CodeUnknownFeature, file, path, "feature %q cannot be used: %s has errors", name, broken).
			Hintf("fix the errors reported in %s", broken)
		return
	}
	e := r.diags.Errorf(diag.CodeUnknownFeature, file, path, "unknown feature %q", name)
	if h := diag.DidYouMean(name, r.cat.FeatureNames()); h != "" {
		e.SetHint(h)
	} else {
		e.Hintf("the catalog has: %s; a fleet's own features live in features/%s/feature.toml", strings.Join(r.cat.FeatureNames(), ", "), name)
	}
}

// brokenLocal returns the file name of the fleet's own feature name when
// that file was read but the feature could not be loaded from it, or "".
// Built-in features always load, so a parsed file for a missing feature is
// a local one.
func (r *resolver) brokenLocal(name string) string {
	if r.cat.Features[name] != nil {
		return ""
	}
	rel := path.Join("features", name, "feature.toml")
	for file := range r.cat.Docs {
		if file == rel || strings.HasSuffix(file, "/"+rel) {
			return file
		}
	}
	return ""
}

// settings layers every enabled feature's settings.
func (r *resolver) settings(rm *Machine) {
	// One allocation holds the values of every feature of the machine.
	n := 0
	for _, f := range rm.Features {
		n += len(f.Def.Settings)
	}
	values := make([]Value, n)
	for _, f := range rm.Features {
		f.Settings, values = values[:len(f.Def.Settings):len(f.Def.Settings)], values[len(f.Def.Settings):]
		for i, s := range f.Def.Settings {
			f.Settings[i] = Value{Setting: s, Value: s.Default, Origin: r.catalogOrigin(f.Def, s)}
			for _, d := range s.Derive {
				if fact, ok := r.hardwareMatch(rm, d.When); ok {
					f.Settings[i].Value = d.Value
					f.Settings[i].Origin = &Origin{Kind: FromHardware, Detail: fact, File: r.f.File, Path: rm.Spec.Path.Child("hardware")}
					break
				}
			}
		}
	}
	apply := func(feature string, vals []layered) {
		f := rm.byName[feature]
		if f == nil {
			return
		}
		for _, l := range vals {
			if v := f.Value(l.s.Name); v != nil && l.value != nil {
				v.Value, v.Origin = l.value, l.origin
			}
		}
	}
	for feature, vals := range r.defaults {
		apply(feature, vals)
	}
	if rm.Profile != nil {
		for _, p := range r.profileChain(rm.Profile.Name) {
			for feature, vals := range r.profileSettings(p) {
				apply(feature, vals)
			}
		}
	}
	for feature, vals := range r.serviceVals {
		apply(feature, vals)
	}
	for _, s := range rm.Spec.Settings {
		v, ok := r.checkSetting(s, r.f.File)
		if !ok {
			continue
		}
		f := rm.byName[s.Feature]
		if f == nil {
			r.diags.Warnf(diag.CodeUnusedSetting, r.f.File, s.FeaturePath, "settings for %q have no effect: the feature is not enabled on %s", s.Feature, rm.Spec.Name).
				Hintf("add %q to the machine's features, or remove these settings", s.Feature)
			continue
		}
		f.Value(s.Name).Value = v
		f.Value(s.Name).Origin = &Origin{Kind: FromMachine, File: r.f.File, Path: s.Path}
	}
}

// catalogOrigin is the origin of setting s's catalog default in feature
// f, made once per setting and shared by every machine.
func (r *resolver) catalogOrigin(f *catalog.Feature, s *catalog.Setting) *Origin {
	o := r.catalogOrigins[s]
	if o == nil {
		o = &Origin{Kind: FromCatalog, File: f.File, Path: s.Path}
		r.catalogOrigins[s] = o
	}
	return o
}

// profileChain is catalog.ProfileChain, computed once per profile rather
// than once per machine.
func (r *resolver) profileChain(name string) []*catalog.Profile {
	chain, ok := r.chains[name]
	if !ok {
		chain = r.cat.ProfileChain(name)
		r.chains[name] = chain
	}
	return chain
}

func (r *resolver) profileSettings(p *catalog.Profile) map[string][]layered {
	if vals, ok := r.profileVals[p.Name]; ok {
		return vals
	}
	vals := map[string][]layered{}
	for _, s := range p.Settings {
		if v, ok := r.checkSetting(s, p.File); ok {
			vals[s.Feature] = append(vals[s.Feature], layered{s, &Origin{Kind: FromProfile, Detail: p.Name, File: p.File, Path: s.Path}, v})
		}
	}
	r.profileVals[p.Name] = vals
	return vals
}

// checkSetting checks that a setting value names a real feature and
// setting and fits its type. It returns the converted value.
func (r *resolver) checkSetting(s fleet.Setting, file string) (any, bool) {
	def := r.cat.Features[s.Feature]
	if def == nil {
		r.unknownFeature(file, s.FeaturePath, s.Feature)
		return nil, false
	}
	st := def.Setting(s.Name)
	if st == nil {
		e := r.diags.Errorf(diag.CodeUnknownSetting, file, s.Path, "feature %q has no setting %q", s.Feature, s.Name)
		if h := diag.DidYouMean(s.Name, def.SettingNames()); h != "" {
			e.SetHint(h)
		} else if len(def.Settings) == 0 {
			e.Hintf("%s has no settings", s.Feature)
		} else {
			e.Hintf("%s takes: %s", s.Feature, strings.Join(def.SettingNames(), ", "))
		}
		return nil, false
	}
	v, problem, elem := st.Type.Check(s.Value)
	if problem != "" {
		path := s.Path
		if elem >= 0 {
			path = path.Child(elem)
		}
		e := r.diags.Errorf(diag.CodeSettingValue, file, path, "%s.%s: %s", s.Feature, s.Name, problem)
		if s.Value.Kind == tomltree.String && len(st.Type.Values) > 0 {
			e.SetHint(diag.DidYouMean(s.Value.Str, st.Type.Values))
		} else if elem >= 0 && s.Value.Items[elem].Kind == tomltree.String {
			e.SetHint(diag.DidYouMean(s.Value.Items[elem].Str, st.Type.Values))
		} else if h := st.Type.Hint(s.Value); h != "" {
			e.Hintf("%s", h)
		}
		return nil, false
	}
	return v, true
}

// hardwareMatch evaluates a derivation's condition on the machine's
// hardware facts and returns the fact that decided it.
func (r *resolver) hardwareMatch(rm *Machine, c catalog.Condition) (string, bool) {
	for _, cl := range c {
		actual, ok := HardwareFact(rm.Spec, cl.Key)
		if !ok || !matchAny(actual, cl.Values) {
			return "", false
		}
	}
	// The description is built only for a match: most conditions fail.
	facts := make([]string, len(c))
	for i, cl := range c {
		actual, _ := HardwareFact(rm.Spec, cl.Key)
		facts[i] = cl.Key + " = " + formatFact(actual)
	}
	return strings.Join(facts, ", "), len(facts) > 0
}

// HardwareFact returns the value of hardware.cpu, hardware.gpu (a list),
// hardware.form, hardware.system, hardware.memory_gib or hardware.cores;
// ok is false when the fact is unknown.
func HardwareFact(m *fleet.Machine, key string) (any, bool) {
	h := m.Hardware
	switch key {
	case "hardware.cpu":
		return h.CPU, h.CPU != ""
	case "hardware.gpu":
		gpus := make([]any, len(h.GPU))
		for i, g := range h.GPU {
			gpus[i] = g.Value
		}
		return gpus, len(gpus) > 0
	case "hardware.form":
		return h.Form, h.Form != ""
	case "hardware.system":
		return m.System, true
	case "hardware.memory_gib":
		return int64(h.Memory >> 30), h.Memory > 0
	case "hardware.cores":
		return h.Cores, h.Cores > 0
	}
	return nil, false
}

func formatFact(v any) string {
	if l, ok := v.([]any); ok {
		parts := make([]string, len(l))
		for i, x := range l {
			parts[i] = formatFact(x)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	}
	if s, ok := v.(string); ok {
		return s
	}
	return strings.TrimSpace(strings.ReplaceAll(fmt.Sprint(v), "\n", " "))
}

// matchAny reports whether actual equals one of want, or lies in one of
// its ranges; a list actual matches when any element does.
func matchAny(actual any, want []any) bool {
	if l, ok := actual.([]any); ok {
		return slices.ContainsFunc(l, func(x any) bool { return matchAny(x, want) })
	}
	if l, ok := actual.([]string); ok {
		return slices.ContainsFunc(l, func(x string) bool { return matchAny(x, want) })
	}
	return slices.ContainsFunc(want, func(w any) bool { return equal(actual, w) })
}

func equal(a, b any) bool {
	if r, ok := b.(catalog.Range); ok {
		n, ok := a.(int64)
		return ok && r.Contains(n)
	}
	switch x := a.(type) {
	case fleet.Size:
		if y, ok := b.(int64); ok {
			return int64(x) == y
		}
	}
	return a == b
}

// Holds evaluates a catalog condition ("feature.setting" or "hardware.x"
// keys) on a resolved machine. A clause on a feature that is not enabled
// does not hold.
func (m *Machine) Holds(c catalog.Condition) bool {
	for _, cl := range c {
		var actual any
		if strings.HasPrefix(cl.Key, "hardware.") {
			v, ok := HardwareFact(m.Spec, cl.Key)
			if !ok {
				return false
			}
			actual = v
		} else {
			feature, setting, ok := strings.Cut(cl.Key, ".")
			f := m.Feature(feature)
			if !ok || f == nil || f.Value(setting) == nil {
				return false
			}
			actual = f.Value(setting).Value
		}
		if !matchAny(actual, cl.Values) {
			return false
		}
	}
	return true
}

func (r *resolver) packagesAndPorts(rm *Machine) {
	rm.Packages = r.packages(rm.Features)
	for _, f := range rm.Features {
		for _, p := range f.Def.Ports {
			port := p.Port
			if p.Setting != "" {
				if v := f.Value(p.Setting); v != nil {
					port, _ = v.Value.(int64)
				}
			}
			if port > 0 {
				rm.Ports = append(rm.Ports, OpenPort{Port: port, Protocol: p.Protocol, Feature: f.Def.Name, Purpose: p.Description})
			}
		}
	}
}

// packages returns the packages of a machine's features, sorted by name.
// They depend only on which features are on, and most machines of a fleet
// share a few sets of features, so each set's list is built once and
// shared between machines: a resolved Fleet is read-only.
func (r *resolver) packages(features []*Feature) []Package {
	key := r.keyBuf[:0]
	for _, f := range features {
		key = append(key, f.Def.Name...)
		key = append(key, 0)
	}
	r.keyBuf = key
	if pkgs, ok := r.packageSets[string(key)]; ok {
		return pkgs
	}
	var pkgs []Package
	seen := map[string]bool{}
	add := func(p Package) {
		if !seen[p.Name] {
			seen[p.Name] = true
			pkgs = append(pkgs, p)
		}
	}
	for _, f := range features {
		for _, c := range f.Def.Collections {
			if col := r.cat.Collections[c.Value]; col != nil {
				for _, p := range col.Packages {
					add(Package{Name: p, Collection: c.Value, Feature: f.Def.Name})
				}
			}
		}
		for _, p := range f.Def.Packages {
			add(Package{Name: p.Value, Feature: f.Def.Name})
		}
	}
	slices.SortFunc(pkgs, func(a, b Package) int { return strings.Compare(a.Name, b.Name) })
	pkgs = slices.Clip(pkgs)
	if r.packageSets == nil {
		r.packageSets = map[string][]Package{}
	}
	r.packageSets[string(key)] = pkgs
	return pkgs
}
