package resolve

import "github.com/shoal-nix/shoal/internal/tomltree"

// Detach lets the fleet file's tree be collected once the fleet is
// checked: it detaches the fleet model (see fleet.Fleet.Detach) and copies
// the services' options out of the tree. The resolved fleet reads the same
// afterwards, but its fleet file can no longer be looked up (Spec.Doc is
// nil).
func (f *Fleet) Detach() {
	f.Spec.Detach()
	for _, s := range f.Services {
		for k, v := range s.Options {
			s.Options[k] = tomltree.Clone(v)
		}
	}
}
