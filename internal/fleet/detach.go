package fleet

import "github.com/shoal-nix/shoal/internal/tomltree"

// Detach copies the values of the document that the model keeps (the
// settings' values, raw NixOS options and services' tables) out of it and
// drops the document, so that its tree, most of a checked fleet's memory,
// can be collected. Use it once diagnostics are rendered and nothing needs
// to locate paths in the fleet file any more: f.Doc is nil afterwards.
func (f *Fleet) Detach() {
	f.Doc = nil
	detachSettings(f.Defaults)
	for _, m := range f.Machines {
		detachSettings(m.Settings)
		for i := range m.NixOS {
			m.NixOS[i].Value = tomltree.Clone(m.NixOS[i].Value)
		}
	}
	for _, s := range f.Services {
		s.Table = tomltree.Clone(s.Table)
	}
}

func detachSettings(settings []Setting) {
	for i := range settings {
		settings[i].Value = tomltree.Clone(settings[i].Value)
	}
}
