package reference

import (
	"fmt"
	"slices"
	"strings"

	"github.com/shoal-nix/shoal/internal/catalog"
	"github.com/shoal-nix/shoal/internal/fleet"
	"github.com/shoal-nix/shoal/internal/tomltree"
)

// Feature is what a reader needs to know of a catalog feature.
type Feature struct {
	Name        string        `json:"name"`
	Description string        `json:"description"`
	Lifecycle   string        `json:"lifecycle"`
	Replacement string        `json:"replacement,omitempty"`
	Local       bool          `json:"local"`
	File        string        `json:"file"`
	Settings    []Setting     `json:"settings"`
	Requires    []string      `json:"requires"`
	RequiredBy  []string      `json:"required_by"`
	Conflicts   []Conflict    `json:"conflicts"`
	Provides    []string      `json:"provides"`
	Hardware    Hardware      `json:"hardware"`
	Resources   Resources     `json:"resources"`
	Ports       []Port        `json:"ports"`
	Health      []HealthCheck `json:"health"`
	Collections []string      `json:"collections"`
	Packages    []string      `json:"packages"`
	Options     []string      `json:"nixos_options"`
	Module      bool          `json:"module"`
	Profiles    []string      `json:"profiles"`
	Services    []string      `json:"services"`
	Example     string        `json:"example"`
}

// Setting is a feature's typed setting.
type Setting struct {
	Name        string   `json:"name"`
	Type        string   `json:"type"`
	Accepts     string   `json:"accepts"`
	Values      []string `json:"values,omitempty"`
	Min         *int64   `json:"min,omitempty"`
	Max         *int64   `json:"max,omitempty"`
	Default     any      `json:"default"`
	DefaultText string   `json:"default_text"`
	Derived     []string `json:"derived,omitempty"`
	Description string   `json:"description"`
}

// Conflict is a feature another cannot be on with, always or only under
// some setting values.
type Conflict struct {
	Feature string `json:"feature"`
	When    string `json:"when,omitempty"`
	Reason  string `json:"reason,omitempty"`
	// Declared is the feature whose file declares the conflict.
	Declared string `json:"declared_by"`
}

// Hardware is what a feature needs of the machine; empty lists mean any.
type Hardware struct {
	Systems []string `json:"systems"`
	CPU     []string `json:"cpu"`
	GPU     []string `json:"gpu"`
	Form    []string `json:"form"`
}

// Any reports whether the feature runs on any hardware.
func (h Hardware) Any() bool {
	return len(h.Systems)+len(h.CPU)+len(h.GPU)+len(h.Form) == 0
}

// Resources is the memory and disk below which a feature runs poorly.
type Resources struct {
	Memory string `json:"memory,omitempty"`
	Disk   string `json:"disk,omitempty"`
}

// Port is a port a feature opens in the firewall.
type Port struct {
	Port        int64  `json:"port,omitempty"`
	Setting     string `json:"setting,omitempty"`
	Protocol    string `json:"protocol"`
	Description string `json:"description"`
}

// String renders the port: "9090/tcp (setting port)".
func (p Port) String() string {
	s := fmt.Sprintf("%d/%s", p.Port, p.Protocol)
	if p.Setting != "" {
		s += " (setting " + p.Setting + ")"
	}
	return s
}

// HealthCheck is a check deploy runs after activation.
type HealthCheck struct {
	Name    string `json:"name"`
	Unit    string `json:"unit,omitempty"`
	TCP     int64  `json:"tcp,omitempty"`
	Setting string `json:"setting,omitempty"`
	HTTP    string `json:"http,omitempty"`
}

// String renders what the check asks for.
func (h HealthCheck) String() string {
	var parts []string
	if h.Unit != "" {
		parts = append(parts, "unit "+h.Unit+" is active")
	}
	if h.TCP != 0 {
		parts = append(parts, fmt.Sprintf("port %d accepts connections", h.TCP))
	}
	if h.Setting != "" {
		parts = append(parts, "the port of setting "+h.Setting+" accepts connections")
	}
	if h.HTTP != "" {
		parts = append(parts, h.HTTP+" answers 2xx")
	}
	return strings.Join(parts, "; ")
}

// Profile is a named set of features and setting values.
type Profile struct {
	Name        string         `json:"name"`
	Description string         `json:"description"`
	File        string         `json:"file"`
	Extends     string         `json:"extends,omitempty"`
	Chain       []string       `json:"chain"`
	Promises    []string       `json:"promises"`
	Features    []string       `json:"features"`
	AllFeatures []string       `json:"all_features"`
	Excludes    []string       `json:"excludes"`
	Settings    []ProfileValue `json:"settings"`
	Example     string         `json:"example"`
}

// ProfileValue is a setting value a profile gives.
type ProfileValue struct {
	Feature string `json:"feature"`
	Setting string `json:"setting"`
	Value   any    `json:"value"`
	Text    string `json:"text"`
}

// Service is a fleet service: roles given to machines, and options.
type Service struct {
	Name        string          `json:"name"`
	Description string          `json:"description"`
	File        string          `json:"file"`
	Roles       []ServiceRole   `json:"roles"`
	Options     []ServiceOption `json:"options"`
	Example     string          `json:"example"`
}

// ServiceRole is a part machines play in a service.
type ServiceRole struct {
	Name        string   `json:"name"`
	Description string   `json:"description"`
	Feature     string   `json:"feature,omitempty"`
	Max         int64    `json:"max,omitempty"`
	Needs       []string `json:"needs,omitempty"`
	Port        string   `json:"port_setting,omitempty"`
}

// ServiceOption is a key of [services.NAME] other than a role.
type ServiceOption struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	Sets        string `json:"sets,omitempty"`
	Accepts     string `json:"accepts"`
	Default     any    `json:"default,omitempty"`
	Unused      string `json:"unused,omitempty"`
}

// Collection is a named package list.
type Collection struct {
	Name        string   `json:"name"`
	Description string   `json:"description"`
	Packages    []string `json:"packages"`
	Features    []string `json:"features"`
}

// Summary is one line of `shoal features`.
type Summary struct {
	Name        string `json:"name"`
	Lifecycle   string `json:"lifecycle"`
	Local       bool   `json:"local"`
	Description string `json:"description"`
}

// Summaries lists every feature of c, sorted by name.
func Summaries(c *catalog.Catalog) []Summary {
	out := []Summary{}
	for _, name := range c.FeatureNames() {
		f := c.Features[name]
		out = append(out, Summary{Name: name, Lifecycle: f.Lifecycle, Local: f.Local, Description: firstSentence(f.Description)})
	}
	return out
}

func firstSentence(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}

func items(l []tomltree.Item) []string {
	out := make([]string, 0, len(l))
	for _, it := range l {
		out = append(out, it.Value)
	}
	return out
}

func orEmpty(l []string) []string {
	if l == nil {
		return []string{}
	}
	return l
}

// jsonValue turns a setting value into what JSON and TOML show.
func jsonValue(v any) any {
	switch x := v.(type) {
	case fleet.Size:
		return x.String()
	case *tomltree.Node:
		if x == nil {
			return nil
		}
		return jsonValue(x.Value())
	case []any:
		strs := make([]string, 0, len(x))
		for _, e := range x {
			s, ok := e.(string)
			if !ok {
				return v
			}
			strs = append(strs, s)
		}
		return strs
	}
	return v
}

// ViewFeature describes the feature named name of c, or returns nil.
func ViewFeature(c *catalog.Catalog, name string) *Feature {
	f := c.Features[name]
	if f == nil {
		return nil
	}
	v := &Feature{
		Name: f.Name, Description: f.Description, Lifecycle: f.Lifecycle, Replacement: f.Replacement,
		Local: f.Local, File: f.File, Settings: []Setting{},
		Requires: items(f.Requires), Provides: items(f.Provides),
		Collections: items(f.Collections), Packages: items(f.Packages),
		Hardware:  Hardware{Systems: orEmpty(f.Hardware.Systems), CPU: orEmpty(f.Hardware.CPU), GPU: orEmpty(f.Hardware.GPU), Form: orEmpty(f.Hardware.Form)},
		Module:    f.Module != "",
		Ports:     []Port{},
		Health:    []HealthCheck{},
		Conflicts: conflictsOf(c, name),
	}
	if f.Resources.Memory > 0 {
		v.Resources.Memory = f.Resources.Memory.String()
	}
	if f.Resources.Disk > 0 {
		v.Resources.Disk = f.Resources.Disk.String()
	}
	for _, s := range f.Settings {
		v.Settings = append(v.Settings, viewSetting(s))
	}
	for _, p := range f.Ports {
		port := Port{Port: p.Port, Setting: p.Setting, Protocol: p.Protocol, Description: p.Description}
		if p.Setting != "" {
			if s := f.Setting(p.Setting); s != nil {
				if n, ok := s.Default.(int64); ok {
					port.Port = n
				}
			}
		}
		v.Ports = append(v.Ports, port)
	}
	for _, h := range f.Health {
		v.Health = append(v.Health, HealthCheck{Name: h.Name, Unit: h.Unit, TCP: h.TCP, Setting: h.Setting, HTTP: h.HTTP})
	}
	var opts []string
	for _, b := range f.NixOS {
		for _, o := range b.Options {
			opts = append(opts, o.Option)
		}
	}
	slices.Sort(opts)
	v.Options = orEmpty(slices.Compact(opts))
	v.RequiredBy = []string{}
	for _, other := range c.FeatureNames() {
		if slices.Contains(items(c.Features[other].Requires), name) {
			v.RequiredBy = append(v.RequiredBy, other)
		}
	}
	v.Profiles = []string{}
	for _, p := range c.ProfileNames() {
		if slices.Contains(items(c.Profiles[p].Features), name) {
			v.Profiles = append(v.Profiles, p)
		}
	}
	v.Services = []string{}
	for _, sn := range c.ServiceNames() {
		for _, r := range c.Services[sn].Roles {
			if r.Feature == name {
				v.Services = append(v.Services, sn+"."+r.Name)
			}
		}
	}
	v.Example = featureExample(f)
	return v
}

func viewSetting(s *catalog.Setting) Setting {
	v := Setting{Name: s.Name, Type: s.Type.Kind, Accepts: s.Type.String(), Values: s.Type.Values, Min: s.Type.Min, Max: s.Type.Max,
		Default: jsonValue(s.Default), DefaultText: "(unset)", Description: s.Description}
	if s.Default != nil {
		v.DefaultText = catalog.FormatValue(jsonValue(s.Default))
	}
	for _, d := range s.Derive {
		v.Derived = append(v.Derived, fmt.Sprintf("%s when %s", catalog.FormatValue(jsonValue(d.Value)), d.When))
	}
	return v
}

// conflictsOf lists the conflicts of a feature, declared by it or by the
// other side, sorted by the other feature's name.
func conflictsOf(c *catalog.Catalog, name string) []Conflict {
	out := []Conflict{}
	for _, other := range c.FeatureNames() {
		for _, cf := range c.Features[other].Conflicts {
			switch {
			case other == name:
				out = append(out, Conflict{Feature: cf.Feature, When: cf.When.String(), Reason: cf.Reason, Declared: name})
			case cf.Feature == name:
				out = append(out, Conflict{Feature: other, When: cf.When.String(), Reason: cf.Reason, Declared: other})
			}
		}
	}
	slices.SortStableFunc(out, func(a, b Conflict) int { return strings.Compare(a.Feature, b.Feature) })
	return out
}

// featureExample is a fleet-file snippet turning the feature on with each
// setting at its default (or a value its type accepts).
func featureExample(f *catalog.Feature) string {
	var b strings.Builder
	b.WriteString("[machines.example]\n")
	fmt.Fprintf(&b, "features = [%q]\n", f.Name)
	for _, s := range f.Settings {
		fmt.Fprintf(&b, "settings.%s.%s = %s", tomlKey(f.Name), tomlKey(s.Name), catalog.FormatValue(sampleValue(s)))
		if s.Default != nil {
			b.WriteString("  # the default")
		}
		b.WriteString("\n")
	}
	return b.String()
}

// sampleValue is a value the setting accepts: its default, or one made up
// from its type.
func sampleValue(s *catalog.Setting) any {
	if s.Default != nil {
		return jsonValue(s.Default)
	}
	t := s.Type
	switch t.Kind {
	case catalog.KindBool:
		return true
	case catalog.KindInt:
		if t.Min != nil {
			return *t.Min
		}
		return int64(1)
	case catalog.KindPort:
		return int64(8080)
	case catalog.KindSize:
		return "1GiB"
	case catalog.KindDuration:
		return "1h"
	case catalog.KindCalendar:
		return "daily"
	case catalog.KindTimezone:
		return "UTC"
	case catalog.KindRelease:
		return "26.05"
	case catalog.KindEnum:
		return t.Values[0]
	case catalog.KindList:
		if len(t.Values) > 0 {
			return []string{t.Values[0]}
		}
		return []string{"..."}
	}
	return "..."
}

// tomlKey quotes a key that is not a bare TOML key.
func tomlKey(k string) string {
	for _, r := range k {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return fmt.Sprintf("%q", k)
		}
	}
	if k == "" {
		return `""`
	}
	return k
}

// ViewProfile describes the profile named name of c, or returns nil.
func ViewProfile(c *catalog.Catalog, name string) *Profile {
	p := c.Profiles[name]
	if p == nil {
		return nil
	}
	v := &Profile{Name: p.Name, Description: p.Description, File: p.File, Extends: p.Extends,
		Promises: orEmpty(p.Promises), Features: items(p.Features), Excludes: items(p.Excludes), Settings: []ProfileValue{}, Chain: []string{}}
	var all []string
	for _, q := range c.ProfileChain(name) {
		v.Chain = append(v.Chain, q.Name)
		all = append(all, items(q.Features)...)
		for _, ex := range items(q.Excludes) {
			all = slices.DeleteFunc(all, func(s string) bool { return s == ex })
		}
	}
	slices.Sort(all)
	v.AllFeatures = orEmpty(slices.Compact(all))
	for _, s := range p.Settings {
		val := jsonValue(s.Value)
		v.Settings = append(v.Settings, ProfileValue{Feature: s.Feature, Setting: s.Name, Value: val, Text: catalog.FormatValue(val)})
	}
	v.Example = fmt.Sprintf("[machines.example]\nprofile = %q\n", name)
	return v
}

// ViewService describes the fleet service named name of c, or returns nil.
func ViewService(c *catalog.Catalog, name string) *Service {
	s := c.Services[name]
	if s == nil {
		return nil
	}
	v := &Service{Name: s.Name, Description: s.Description, File: s.File, Roles: []ServiceRole{}, Options: []ServiceOption{}}
	var ex strings.Builder
	fmt.Fprintf(&ex, "[services.%s]\n", tomlKey(name))
	for i, r := range s.Roles {
		v.Roles = append(v.Roles, ServiceRole{Name: r.Name, Description: r.Description, Feature: r.Feature, Max: r.Max, Needs: r.Needs, Port: r.Port})
		sel := `"@all"`
		if r.Max == 1 || i == 0 && len(s.Roles) > 1 {
			sel = `"server1"`
		}
		fmt.Fprintf(&ex, "%s = [%s]\n", tomlKey(r.Name), sel)
	}
	for _, o := range s.Options {
		opt := ServiceOption{Name: o.Name, Description: o.Description, Unused: o.Unused}
		typ, def := o.Type, o.Default
		if o.Feature != "" {
			opt.Sets = o.Feature + "." + o.Setting
			if f := c.Features[o.Feature]; f != nil {
				if st := f.Setting(o.Setting); st != nil {
					typ, def = st.Type, st.Default
				}
			}
		}
		opt.Accepts = typ.String()
		opt.Default = jsonValue(def)
		v.Options = append(v.Options, opt)
		if def != nil && o.Unused == "" {
			fmt.Fprintf(&ex, "%s = %s  # the default\n", tomlKey(o.Name), catalog.FormatValue(jsonValue(def)))
		}
	}
	v.Example = ex.String()
	return v
}

// ViewCollection describes the package collection named name, or returns
// nil.
func ViewCollection(c *catalog.Catalog, name string) *Collection {
	col := c.Collections[name]
	if col == nil {
		return nil
	}
	v := &Collection{Name: col.Name, Description: col.Description, Packages: orEmpty(col.Packages), Features: []string{}}
	for _, fn := range c.FeatureNames() {
		if slices.Contains(items(c.Features[fn].Collections), name) {
			v.Features = append(v.Features, fn)
		}
	}
	return v
}

// CollectionNames returns the names of c's package collections, sorted.
func CollectionNames(c *catalog.Catalog) []string {
	names := make([]string, 0, len(c.Collections))
	for n := range c.Collections {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

func formatAny(v any) string { return catalog.FormatValue(v) }
