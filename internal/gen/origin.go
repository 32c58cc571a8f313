package gen

import (
	"path"
	"slices"

	"github.com/shoal-nix/shoal/internal/catalog"
	"github.com/shoal-nix/shoal/internal/diag"
	"github.com/shoal-nix/shoal/internal/layout"
	"github.com/shoal-nix/shoal/internal/resolve"
)

// Origin says where a generated file's content comes from, so that a
// problem found in the file is reported where the user can act on it.
type Origin struct {
	// Kind is what the file is generated from.
	Kind Source `json:"kind"`
	// Name is the machine's, feature's or profile's name; "" otherwise.
	Name string `json:"name,omitempty"`
	// File is the fleet file or the catalog file the content comes from,
	// as diagnostics name it; "" when it has no single file (FromCatalog
	// spans the features in use, FromShoal is the same for every fleet).
	File string `json:"file,omitempty"`
	// Path locates the content inside File; nil for the whole file.
	Path diag.Path `json:"path,omitempty"`
}

// Source is what a generated file is generated from.
type Source string

// The sources of generated files.
const (
	FromFleet    Source = "fleet"    // the fleet file: its name, inputs, overlays, defaults, machine list
	FromMachine  Source = "machine"  // one machine of the fleet file
	FromFeature  Source = "feature"  // one feature's feature.toml (and module.nix)
	FromProfile  Source = "profile"  // one profile of the catalog
	FromServices Source = "services" // the fleet file's [services]
	FromCatalog  Source = "catalog"  // the catalog as a whole (options, packages, rules of the features in use)
	FromShoal    Source = "shoal"    // text shoal writes for every fleet
)

func (g *generator) fleetOrigin(p diag.Path) Origin {
	return Origin{Kind: FromFleet, File: g.rf.Spec.File, Path: p}
}

func (g *generator) servicesOrigin() Origin {
	o := Origin{Kind: FromServices, File: g.rf.Spec.File}
	if len(g.rf.Spec.Services) > 0 {
		o.Path = diag.P("services")
	}
	return o
}

func featureOrigin(f *catalog.Feature) Origin {
	return Origin{Kind: FromFeature, Name: f.Name, File: f.File}
}

// References lists the fleet's own files that the generated flake
// imports, relative to the fleet directory, sorted: machines' extra
// modules and hardware modules, overlays, and local features' module.nix.
func References(rf *resolve.Fleet) []string {
	var out []string
	for _, m := range rf.Spec.Machines {
		for _, mod := range m.Modules {
			out = append(out, path.Clean(mod.Value))
		}
		if m.Boot != nil && m.Boot.HardwareModule.Value != "" {
			out = append(out, path.Clean(m.Boot.HardwareModule.Value))
		}
	}
	for _, o := range rf.Spec.Overlays {
		out = append(out, path.Clean(o.Value))
	}
	for _, name := range rf.Catalog.FeatureNames() {
		if f := rf.Catalog.Features[name]; f.Local && f.Module != "" && used(rf, name) {
			out = append(out, layout.LocalFeatureModule(name))
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func used(rf *resolve.Fleet, feature string) bool {
	for _, m := range rf.Machines {
		for _, f := range m.Features {
			if f.Name() == feature {
				return true
			}
		}
	}
	return false
}
