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
	r := &resolver{f: f, cat: cat, out: &Fleet{Spec: f, Catalog: cat, byName: make(map[string]*Machine, len(f.Machines))}}
	r.out.Machines = make([]*Machine, 0, len(f.Machines))
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
	sharedVals     map[sharedKey][]Value
	ownBuf         []bool // settings' scratch: which features need their own values
	foundBuf       []*Feature
	// featureScratch and reasonScratch are where machine makes a
	// machine's features; sharedFeatures holds kept features that other
	// machines may share (see keep).
	featureScratch []Feature
	reasonScratch  []Reason
	moreReasons    []moreReason // the reasons of features enabled more than once, past the first
	allReasons     []Reason     // keep's scratch
	sharedFeatures map[*catalog.Feature][]*Feature
	keyBuf         []byte
	hwOrigins      []*Origin // settings' scratch: a machine's hardware origins
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
	roleMachines := 0
	if len(r.f.Services) > 0 {
		// A role often names every machine (monitoring agents, backup
		// clients).
		roleMachines = len(r.f.Machines)
	}
	r.serviceRoles = make(map[string][]Reason, roleMachines)
	r.serviceVals = map[string][]layered{}
	r.services()
	r.assignRoles()
	r.networkRefs()
	for _, s := range r.out.Services {
		s.remember()
	}
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
	rm := &Machine{Spec: m}

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
	// Features and their first reasons are made in scratch space, enough
	// for what the profile, machine and services name plus one more, and
	// kept (see keep) once their values are known: most are equal to those
	// of another machine of the same profile.
	var chain []*catalog.Profile
	if rm.Profile != nil {
		chain = r.profileChain(rm.Profile.Name)
	}
	size := len(m.Features) + len(r.serviceRoles[m.Name]) + 1
	for _, p := range chain {
		size += len(p.Features)
	}
	queue := make([]*Feature, 0, size)
	if cap(r.featureScratch) < size {
		r.featureScratch, r.reasonScratch = make([]Feature, 2*size), make([]Reason, 2*size)
	}
	slab, reasons := r.featureScratch[:0:size], r.reasonScratch[:0:size]
	enable := func(name string, why Reason, report func(name string)) {
		for _, f := range queue {
			if f.Def.Name == name {
				r.moreReasons = append(r.moreReasons, moreReason{f, why})
				return
			}
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
	r.keep(rm)
	r.packagesAndPorts(rm)
	return rm
}

// keep moves the machine's features out of the scratch space they were
// made in: a feature equal to one of another machine (the same
// definition, reasons and values) is shared with it, the others are
// copied into one allocation. It runs right after settings, whose ownBuf
// still says which features have values of their own.
func (r *resolver) keep(rm *Machine) {
	if len(r.moreReasons) > 0 {
		// Each feature's reasons, its first and then the others in the
		// order they came, side by side in scratch space.
		all := r.allReasons[:0]
		if need := len(rm.Features) + len(r.moreReasons); cap(all) < need {
			all = make([]Reason, 0, 2*need)
		}
		for _, f := range rm.Features {
			start := len(all)
			all = append(all, f.Reasons...)
			for _, more := range r.moreReasons {
				if more.f == f {
					all = append(all, more.why)
				}
			}
			f.Reasons = all[start:len(all):len(all)]
		}
		r.allReasons = all
		r.moreReasons = r.moreReasons[:0]
	}
	found := r.foundBuf[:0]
	n, nr := 0, 0
	for _, f := range rm.Features {
		same := r.sameFeature(f)
		found = append(found, same)
		if same == nil {
			n++
			nr += len(f.Reasons)
		}
	}
	r.foundBuf = found
	owned, reasons := make([]Feature, 0, n), make([]Reason, 0, nr)
	for i, f := range rm.Features {
		if found[i] != nil {
			rm.Features[i] = found[i]
			found[i] = nil
			continue
		}
		start := len(reasons)
		reasons = append(reasons, f.Reasons...)
		owned = append(owned, Feature{Def: f.Def, Reasons: reasons[start:len(reasons):len(reasons)], Settings: f.Settings})
		k := &owned[len(owned)-1]
		rm.Features[i] = k
		if !r.ownBuf[i] && !slices.ContainsFunc(k.Reasons, func(why Reason) bool { return why.Kind == ByMachine }) && len(r.sharedFeatures[k.Def]) < maxShared {
			if r.sharedFeatures == nil {
				r.sharedFeatures = map[*catalog.Feature][]*Feature{}
			}
			r.sharedFeatures[k.Def] = append(r.sharedFeatures[k.Def], k)
		}
	}
}

// moreReason is a reason more for a feature already enabled.
type moreReason struct {
	f   *Feature
	why Reason
}

// maxShared bounds the features kept for sharing per definition, so that
// a fleet whose machines all differ costs no more than one without
// sharing.
const maxShared = 16

// sameFeature returns a kept feature equal to f, or nil.
func (r *resolver) sameFeature(f *Feature) *Feature {
	for _, c := range r.sharedFeatures[f.Def] {
		if len(c.Settings) != len(f.Settings) || len(c.Settings) > 0 && &c.Settings[0] != &f.Settings[0] {
			continue
		}
		if slices.EqualFunc(c.Reasons, f.Reasons, func(a, b Reason) bool {
			return a.Kind == b.Kind && a.Detail == b.Detail && a.File == b.File && slices.Equal(a.Path, b.Path)
		}) {
			return c
		}
	}
	return nil
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

// settings layers every enabled feature's settings: the catalog's
// defaults, values derived from the machine's hardware, then the fleet's
// defaults, the profile chain's, the services' and the machine's own. A
// feature with no derived value and no setting of the machine's own gets
// the values shared by every machine of its profile (see shared).
func (r *resolver) settings(rm *Machine) {
	profile := ""
	if rm.Profile != nil {
		profile = rm.Profile.Name
	}
	// One allocation holds the values of every feature the machine needs
	// its own of.
	n := 0
	own := r.ownBuf[:0]
	for _, f := range rm.Features {
		f.Settings = r.shared(f.Def, profile)
		o := r.ownValues(rm, f)
		if o {
			n += len(f.Settings)
		}
		own = append(own, o)
	}
	r.ownBuf = own
	// The settings the machine's hardware derives share its hardware
	// table's path and, fact by fact, their origin.
	var hwPath diag.Path
	hwOrigins := r.hwOrigins[:0]
	defer func() { r.hwOrigins = hwOrigins[:0] }()
	values := make([]Value, 0, n)
	for j, f := range rm.Features {
		if !own[j] {
			continue
		}
		shared := f.Settings
		start := len(values)
		values = append(values, shared...)
		f.Settings = values[start:len(values):len(values)]
		for i, s := range f.Def.Settings {
			if shared[i].Origin.Kind != FromCatalog {
				continue // a layer above the hardware set it
			}
			for _, d := range s.Derive {
				if fact, ok := r.hardwareMatch(rm, d.When); ok {
					j := slices.IndexFunc(hwOrigins, func(o *Origin) bool { return o.Detail == fact })
					if j < 0 {
						if hwPath == nil {
							hwPath = rm.Spec.Path.Child("hardware")
						}
						j = len(hwOrigins)
						hwOrigins = append(hwOrigins, &Origin{Kind: FromHardware, Detail: fact, File: r.f.File, Path: hwPath})
					}
					f.Settings[i].Value = d.Value
					f.Settings[i].Origin = hwOrigins[j]
					break
				}
			}
		}
	}
	for _, s := range rm.Spec.Settings {
		v, ok := r.checkSetting(s, r.f.File)
		if !ok {
			continue
		}
		f := rm.Feature(s.Feature)
		if f == nil {
			r.diags.Warnf(diag.CodeUnusedSetting, r.f.File, s.FeaturePath, "settings for %q have no effect: the feature is not enabled on %s", s.Feature, rm.Spec.Name).
				Hintf("add %q to the machine's features, or remove these settings", s.Feature)
			continue
		}
		f.Value(s.Name).Value = v
		f.Value(s.Name).Origin = &Origin{Kind: FromMachine, File: r.f.File, Path: s.Path}
	}
}

// ownValues reports whether machine rm needs values of its own for
// feature f: it sets one of them, or its hardware derives one.
func (r *resolver) ownValues(rm *Machine, f *Feature) bool {
	for _, s := range rm.Spec.Settings {
		if s.Feature == f.Def.Name {
			return true
		}
	}
	for _, s := range f.Def.Settings {
		for _, d := range s.Derive {
			if r.hardwareHolds(rm.Spec, d.When) {
				return true
			}
		}
	}
	return false
}

type sharedKey struct {
	def     *catalog.Feature
	profile string
}

// shared returns the values of feature def's settings on a machine of
// profile that neither sets nor derives any: the catalog's defaults under
// the fleet's defaults, the profile chain's values and the services'. They
// are made once per feature and profile, and shared by those machines.
func (r *resolver) shared(def *catalog.Feature, profile string) []Value {
	key := sharedKey{def, profile}
	if vals, ok := r.sharedVals[key]; ok {
		return vals
	}
	vals := make([]Value, len(def.Settings))
	for i, s := range def.Settings {
		vals[i] = Value{Setting: s, Value: s.Default, Origin: r.catalogOrigin(def, s)}
	}
	apply := func(layer []layered) {
		for _, l := range layer {
			if l.value == nil {
				continue
			}
			for i := range vals {
				if vals[i].Setting.Name == l.s.Name {
					vals[i].Value, vals[i].Origin = l.value, l.origin
					break
				}
			}
		}
	}
	apply(r.defaults[def.Name])
	if profile != "" {
		for _, p := range r.profileChain(profile) {
			apply(r.profileSettings(p)[def.Name])
		}
	}
	apply(r.serviceVals[def.Name])
	if r.sharedVals == nil {
		r.sharedVals = map[sharedKey][]Value{}
	}
	r.sharedVals[key] = vals
	return vals
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
	if name, ok := SecretSetting(s); ok && st.Type.Kind == catalog.KindString && strings.HasSuffix(s.Name, "_file") {
		// { secret = "NAME" }: the path a [secrets.NAME] file goes to.
		sec := r.f.Secret(name)
		if sec == nil {
			r.diags.Errorf(diag.CodeSecretUndeclared, file, s.Path.Child("secret"), "%s.%s reads secret %s, which [secrets] does not declare", s.Feature, s.Name, name).
				Hintf("add to shoal.toml, then shoal secrets set %s < FILE (or source = \"command\" with command = \"...\" that prints it; an agenix or sops-nix file: source = \"external\"):\n\n[secrets.%s]\nreceivers = [\"@all\"]   # or the machines that use %s\ndestination = %q\n", name, name, s.Feature, catalog.SecretPath(name))
			return nil, false
		}
		return sec.Dest(), true
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

// SecretSetting reports whether a setting's value is { secret = "NAME" },
// and NAME: a setting that holds a file's path (its name ends in _file)
// then gets the path that secret goes to.
func SecretSetting(s fleet.Setting) (string, bool) {
	v := s.Value
	if v == nil || v.Kind != tomltree.Table || v.Len() != 1 {
		return "", false
	}
	if e := v.Get("secret"); e != nil && e.Kind == tomltree.String {
		return e.Str, true
	}
	return "", false
}

// hardwareMatch evaluates a derivation's condition on the machine's
// hardware facts and returns the fact that decided it.
func (r *resolver) hardwareMatch(rm *Machine, c catalog.Condition) (string, bool) {
	if !r.hardwareHolds(rm.Spec, c) {
		return "", false
	}
	// The description is built only for a match: most conditions fail.
	facts := make([]string, len(c))
	for i, cl := range c {
		actual, _ := HardwareFact(rm.Spec, cl.Key)
		facts[i] = cl.Key + " = " + formatFact(actual)
	}
	return strings.Join(facts, ", "), len(facts) > 0
}

// hardwareHolds reports whether every clause of a derivation's condition
// holds on the machine's hardware facts.
func (r *resolver) hardwareHolds(m *fleet.Machine, c catalog.Condition) bool {
	for _, cl := range c {
		if !factMatches(m, cl.Key, cl.Values) {
			return false
		}
	}
	return true
}

// factMatches is matchAny(HardwareFact(m, key)) for a known fact, false
// for an unknown one, without making the fact a value of type any: it
// runs for every derivation of every feature of every machine.
func factMatches(m *fleet.Machine, key string, want []any) bool {
	h := m.Hardware
	switch key {
	case "hardware.cpu":
		return h.CPU != "" && matchString(h.CPU, want)
	case "hardware.gpu":
		for _, g := range h.GPU {
			if matchString(g.Value, want) {
				return true
			}
		}
		return false
	case "hardware.form":
		return h.Form != "" && matchString(h.Form, want)
	case "hardware.system":
		return matchString(m.System, want)
	case "hardware.memory_gib":
		return h.Memory > 0 && matchInt(int64(h.Memory>>30), want)
	case "hardware.cores":
		return h.Cores > 0 && matchInt(h.Cores, want)
	}
	return false
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
	switch a := actual.(type) {
	case []any:
		for _, x := range a {
			if matchAny(x, want) {
				return true
			}
		}
		return false
	case []string:
		for _, x := range a {
			if matchString(x, want) {
				return true
			}
		}
		return false
	case string:
		return matchString(a, want)
	case int64:
		return matchInt(a, want)
	}
	for _, w := range want {
		if equal(actual, w) {
			return true
		}
	}
	return false
}

// matchString is matchAny for a string, which equals only a string.
func matchString(s string, want []any) bool {
	for _, w := range want {
		if ws, ok := w.(string); ok && ws == s {
			return true
		}
	}
	return false
}

// matchInt is matchAny for an int64, which equals an int64 or lies in a
// range.
func matchInt(n int64, want []any) bool {
	for _, w := range want {
		switch w := w.(type) {
		case catalog.Range:
			if w.Contains(n) {
				return true
			}
		case int64:
			if w == n {
				return true
			}
		}
	}
	return false
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
			if !factMatches(m.Spec, cl.Key, cl.Values) {
				return false
			}
			continue
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
