package resolve

import (
	"slices"
	"strings"

	"github.com/shoal-nix/shoal/internal/catalog"
	"github.com/shoal-nix/shoal/internal/diag"
	"github.com/shoal-nix/shoal/internal/fleet"
)

// Fleet is a resolved fleet.
type Fleet struct {
	Spec     *fleet.Fleet
	Catalog  *catalog.Catalog
	Machines []*Machine
	Services []*Service // in the order of the fleet file
	// PublicKeys holds the public halves of the fleet's key pairs, the
	// text of secrets/NAME.pub or secrets/NAME/MACHINE.pub without its
	// line end, by "NAME" or "NAME/MACHINE". shoal check reads them from
	// the fleet directory; the generated configuration writes them in.
	PublicKeys map[string]string
	byName     map[string]*Machine
}

// PublicKey is the public half machine has of the key pair secret (its
// own for a per-machine secret); ok is false when it is not known.
func (f *Fleet) PublicKey(secret, machine string) (key string, ok bool) {
	s := f.Spec.Secret(secret)
	if s == nil {
		return "", false
	}
	if s.PerMachine {
		secret += "/" + machine
	}
	key, ok = f.PublicKeys[secret]
	return key, ok
}

// Machine returns the resolved machine named name, or nil.
func (f *Fleet) Machine(name string) *Machine { return f.byName[name] }

// Machine is one machine with everything resolved.
type Machine struct {
	Spec     *fleet.Machine
	Profile  *catalog.Profile
	Features []*Feature // sorted by name
	Packages []Package  // sorted by name
	Ports    []OpenPort
}

// Name is the machine's name in the fleet file.
func (m *Machine) Name() string { return m.Spec.Name }

// Feature returns the enabled feature named name, or nil.
func (m *Machine) Feature(name string) *Feature {
	// Features are sorted by name, and a machine has a few dozen at most:
	// a search costs less than a map per machine.
	i, ok := slices.BinarySearchFunc(m.Features, name, func(f *Feature, name string) int { return strings.Compare(f.Def.Name, name) })
	if !ok {
		return nil
	}
	return m.Features[i]
}

// Has reports whether the feature is enabled.
func (m *Machine) Has(name string) bool { return m.Feature(name) != nil }

// Feature is a feature enabled on a machine.
type Feature struct {
	Def     *catalog.Feature
	Reasons []Reason // why it is on; the first is the main one
	// Settings are in the order the feature declares them. Machines whose
	// values for the feature all come from the same layers (no hardware
	// derivation, no setting of their own) share one slice: never modify
	// it.
	Settings []Value
}

// Name is the feature's name.
func (f *Feature) Name() string { return f.Def.Name }

// Value returns the resolved value of a setting, or nil when unset.
func (f *Feature) Value(setting string) *Value {
	for i := range f.Settings {
		if f.Settings[i].Setting.Name == setting {
			return &f.Settings[i]
		}
	}
	return nil
}

// Reason kinds: why a feature is on.
const (
	ByProfile  = "profile"
	ByMachine  = "machine"
	ByRequire  = "required"
	ByService  = "service"
	ByProvider = "provides"
)

// Reason says why a feature is enabled.
type Reason struct {
	Kind   string
	Detail string // profile name, requiring feature, or service role
	File   string
	Path   diag.Path
}

// Origin kinds: where a setting's value came from, from the lowest layer
// to the highest.
const (
	FromCatalog  = "catalog"
	FromHardware = "hardware"
	FromDefaults = "defaults"
	FromProfile  = "profile"
	FromService  = "service"
	FromMachine  = "machine"
)

// Origin says where a resolved value came from.
type Origin struct {
	Kind   string
	Detail string // the profile name, the hardware fact, or the service option ("services.backup.schedule")
	File   string
	Path   diag.Path
}

// Value is a resolved setting value: bool, int64, string, []string or
// fleet.Size; Value is nil when the setting has no default and nobody set it.
type Value struct {
	Setting *catalog.Setting
	Value   any
	// Origin is shared between the values that came from the same place
	// (a catalog default, a fleet default, a profile, a service): a fleet
	// has a value per setting per feature per machine. Never nil; never
	// modify it.
	Origin *Origin
}

// Package is a package installed on a machine, with why.
type Package struct {
	Name       string
	Collection string // "" when the feature names it directly
	Feature    string
}

// OpenPort is a port a feature opens.
type OpenPort struct {
	Port     int64
	Protocol string
	Feature  string
	Purpose  string
}
