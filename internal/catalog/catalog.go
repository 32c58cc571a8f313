package catalog

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/shoal-nix/shoal/internal/diag"
	"github.com/shoal-nix/shoal/internal/fleet"
	"github.com/shoal-nix/shoal/internal/tomltree"
)

// Catalog is the set of features, profiles, package collections and
// fleet services a fleet can use.
type Catalog struct {
	Features    map[string]*Feature
	Profiles    map[string]*Profile
	Collections map[string]*Collection
	Services    map[string]*Service
	// Docs holds every parsed catalog file by name, for correlation.
	Docs map[string]*tomltree.Doc
}

// Lifecycle stages of a feature.
const (
	Experimental = "experimental"
	Stable       = "stable"
	Deprecated   = "deprecated"
)

// Feature is one capability a machine can have.
type Feature struct {
	Name        string
	File        string // the feature.toml, as diagnostics name it
	Local       bool   // from the fleet's features/ directory
	Description string
	Lifecycle   string
	Replacement string // with Deprecated: the feature to use instead

	Settings    []*Setting
	Requires    []tomltree.Item
	Conflicts   []Conflict
	Provides    []tomltree.Item
	Hardware    Hardware
	Resources   Resources
	Ports       []Port
	Health      []HealthCheck
	Collections []tomltree.Item
	Packages    []tomltree.Item
	NixOS       []NixOSBlock
	Module      string // raw Nix module text, from module.nix
}

// Setting returns the setting named name, or nil.
func (f *Feature) Setting(name string) *Setting {
	for _, s := range f.Settings {
		if s.Name == name {
			return s
		}
	}
	return nil
}

// SettingNames lists the feature's setting names in declaration order.
func (f *Feature) SettingNames() []string {
	names := make([]string, len(f.Settings))
	for i, s := range f.Settings {
		names[i] = s.Name
	}
	return names
}

// Setting is a typed knob of a feature.
type Setting struct {
	Name        string
	Path        diag.Path
	Type        Type
	Default     any // nil: no default, the setting is unset unless given
	Description string
	// Derive computes the value from hardware facts when nothing above the
	// catalog default sets it.
	Derive []Derivation
	// Needs names features without which the setting does nothing: a
	// machine that sets it without them is told so.
	Needs []fleet.Ref
}

// Derivation gives a setting a value when a hardware fact matches. The
// first derivation of a setting whose condition holds wins.
type Derivation struct {
	When  Condition
	Value any
}

// Conflict says a feature cannot be on with another, optionally only when
// some settings have given values.
type Conflict struct {
	Feature string
	When    Condition
	Reason  string
	Path    diag.Path
}

// Condition is a conjunction of "feature.setting" (or "hardware.fact") keys
// and the values they must have; a list of values means any of them.
type Condition []Clause

// Clause is one key of a Condition.
type Clause struct {
	Key string // "feature.setting" or "hardware.cpu" and friends
	// Values holds the values the key may have: plain values compared for
	// equality, or Ranges of integers.
	Values []any
}

// Range is a condition value that matches the integers from Min to Max,
// both included; a nil bound is open. A catalog file writes it as a table,
// { min = 5, max = 16 }, so that a derivation can depend on a size or a
// count (hardware.memory_gib, hardware.cores) without listing every value.
type Range struct{ Min, Max *int64 }

// Contains reports whether n lies in the range.
func (r Range) Contains(n int64) bool {
	return (r.Min == nil || n >= *r.Min) && (r.Max == nil || n <= *r.Max)
}

// String renders the range for explanations: "at most 4", "from 5 to 16".
func (r Range) String() string {
	switch {
	case r.Min != nil && r.Max != nil:
		return fmt.Sprintf("from %d to %d", *r.Min, *r.Max)
	case r.Max != nil:
		return fmt.Sprintf("at most %d", *r.Max)
	case r.Min != nil:
		return fmt.Sprintf("at least %d", *r.Min)
	}
	return "any number"
}

// String renders the condition for explanations: desktop.environment =
// "gnome", hardware.memory_gib is at most 4.
func (c Condition) String() string {
	parts := make([]string, len(c))
	for i, cl := range c {
		vals := make([]string, len(cl.Values))
		for j, v := range cl.Values {
			vals[j] = FormatValue(v)
		}
		op := " = "
		if len(cl.Values) > 0 {
			if _, ok := cl.Values[0].(Range); ok {
				op = " is "
			}
		}
		parts[i] = cl.Key + op + strings.Join(vals, " or ")
	}
	return strings.Join(parts, " and ")
}

// FormatValue renders a setting value the way the fleet file writes it:
// "plasma", ["go", "rust"], 22, true; nil is "(unset)".
func FormatValue(v any) string {
	switch x := v.(type) {
	case nil:
		return "(unset)"
	case string:
		return fmt.Sprintf("%q", x)
	case []string:
		q := make([]string, len(x))
		for i, s := range x {
			q[i] = fmt.Sprintf("%q", s)
		}
		return "[" + strings.Join(q, ", ") + "]"
	}
	return fmt.Sprint(v)
}

// Hardware lists what a feature needs of the machine; empty lists mean
// anything goes.
type Hardware struct {
	Systems []string
	CPU     []string
	GPU     []string // the machine needs one of these GPU vendors
	Form    []string
	Path    diag.Path
}

// Resources are the memory and disk below which a feature runs poorly.
type Resources struct {
	Memory fleet.Size
	Disk   fleet.Size
	Path   diag.Path
}

// Port is a port a feature listens on, and who may reach it.
type Port struct {
	Port        int64  // fixed port, or 0 when Setting names it
	Setting     string // the setting holding the port
	Protocol    string // tcp | udp
	Description string
	// Access says to whom the firewall opens the port: AccessPublic (the
	// default), AccessPrivate or AccessService.
	Access string
	// Path is where the port is written in its feature file.
	Path diag.Path
}

// Port access: who may connect to a feature's port.
const (
	// AccessPublic opens the port to everyone.
	AccessPublic = "public"
	// AccessPrivate opens it on machines that are not public only: web
	// interfaces and statistics pages, reached from the LAN.
	AccessPrivate = "private"
	// AccessService leaves it to the fleet service whose role listens on
	// it: the wiring opens it to the machines that use the service, and
	// no one else.
	AccessService = "service"
)

// PortAccesses lists the values of a port's access.
var PortAccesses = []string{AccessPublic, AccessPrivate, AccessService}

// HealthCheck is a check deploy runs after activation.
type HealthCheck struct {
	Name    string
	Unit    string // a systemd unit that must be active
	TCP     int64  // a port that must accept connections on localhost
	Setting string // or the setting holding that port
	HTTP    string // a URL on localhost that must answer 2xx
	// Path is where the check is written in its feature file.
	Path diag.Path
}

// NixOSBlock is a set of NixOS option values, applied when When holds.
type NixOSBlock struct {
	When    Condition
	Options []OptionValue
}

// OptionValue sets one NixOS option. A value {setting = "x"} anywhere in
// Value stands for the value of the feature's setting x; an option whose
// value is {setting = "x"} for a setting that is unset (no default, no
// derivation matched, nobody set it) is left to NixOS's own default.
type OptionValue struct {
	Option string
	Value  any
	Path   diag.Path
}

// SettingRef is how an option value refers to a setting.
type SettingRef struct{ Setting string }

// Profile is a named set of features and setting values.
type Profile struct {
	Name        string
	File        string
	Description string
	Promises    []string // what the profile guarantees; its VM test checks them
	Extends     string
	Features    []tomltree.Item
	Excludes    []tomltree.Item
	Settings    []fleet.Setting
}

// Collection is a named list of packages, defined once.
type Collection struct {
	Name        string
	Description string
	Packages    []string
}

// FeatureNames returns all feature names, sorted.
func (c *Catalog) FeatureNames() []string { return sortedKeys(c.Features) }

// CollectionNames returns all package collection names, sorted.
func (c *Catalog) CollectionNames() []string { return sortedKeys(c.Collections) }

// ProfileNames returns all profile names, sorted.
func (c *Catalog) ProfileNames() []string { return sortedKeys(c.Profiles) }

func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }

// ProfileChain returns a profile and the profiles it extends, the most
// basic first.
func (c *Catalog) ProfileChain(name string) []*Profile {
	// Chains are a handful of profiles long, so a linear search finds a
	// cycle (a profile extending itself, directly or not) cheaply.
	var chain []*Profile
	for p := c.Profiles[name]; p != nil && !slices.Contains(chain, p); p = c.Profiles[p.Extends] {
		chain = append(chain, p)
	}
	slices.Reverse(chain)
	return chain
}
