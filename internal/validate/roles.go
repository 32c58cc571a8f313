package validate

import (
	"github.com/shoal-nix/shoal/internal/catalog"
	"github.com/shoal-nix/shoal/internal/diag"
	"github.com/shoal-nix/shoal/internal/resolve"
)

// serviceRole is a role of a catalog service whose feature reads files
// the service puts in place (its secrets).
type serviceRole struct {
	svc  *catalog.Service
	role *catalog.Role
}

// roleFeature reports a machine that lists a service role's feature itself
// while the service does not give it that role: the feature's units read
// the role's secrets, which only the service's members receive, so they
// would fail to start on the host (systemd's LoadCredential refuses a
// missing file).
func (v *validator) roleFeature(m *resolve.Machine) {
	if v.secretRoles == nil {
		v.secretRoles = map[string]serviceRole{}
		for _, name := range v.rf.Catalog.ServiceNames() {
			svc := v.rf.Catalog.Services[name]
			for _, r := range svc.Roles {
				for _, s := range svc.Secrets {
					if r.Feature != "" && s.Role == r.Name {
						v.secretRoles[r.Feature] = serviceRole{svc, r}
						break
					}
				}
			}
		}
	}
	for _, f := range m.Features {
		sr, ok := v.secretRoles[f.Name()]
		if !ok || fromService(f) {
			continue
		}
		file, path := v.anchor(m, f)
		v.diags.Errorf(diag.CodeRoleFeatureAlone, file, path, "%s has %s, the %s role of [services.%s], without being in that role: its units would read secrets that only the role's machines receive", m.Name(), f.Name(), sr.role.Name, sr.svc.Name).
			Hintf("take %s out of the machine's features and add %q to %s in [services.%s]: the service wires the role and places its secrets", f.Name(), m.Name(), sr.role.Name, sr.svc.Name)
	}
}

// fromService reports whether a service's role is among the reasons the
// feature is on.
func fromService(f *resolve.Feature) bool {
	for _, r := range f.Reasons {
		if r.Kind == resolve.ByService {
			return true
		}
	}
	return false
}
