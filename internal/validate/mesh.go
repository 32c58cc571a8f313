package validate

import (
	"fmt"
	"net/netip"

	"github.com/shoal-nix/shoal/internal/diag"
	"github.com/shoal-nix/shoal/internal/resolve"
)

// meshRules checks a WireGuard mesh's address plan: a subnet that is a
// prefix with room for its members, members' own addresses inside it, and
// no two members on one address (the plan derives each from the name
// alone, so two names may meet: one of them then gives its own).
func (v *validator) meshRules(s *resolve.Service) {
	const role = "peers"
	opt := s.Spec.Path.Child("subnet")
	mesh, ok := v.rf.MeshOf(s, role)
	if !ok {
		str, _ := s.Values["subnet"].(string)
		v.diags.Errorf(diag.CodeMeshAddress, v.file, opt, "services.%s.subnet %q is not an IP prefix", s.Name(), str).
			Hintf("write a prefix such as \"10.77.0.0/16\" or \"fd77::/64\"")
		return
	}
	if n := len(mesh.Plan); n > 0 {
		bits := mesh.Subnet.Addr().BitLen() - mesh.Subnet.Bits()
		if bits < 2 || (bits < 16 && n > 1<<bits-2) {
			v.diags.Errorf(diag.CodeMeshAddress, v.file, opt, "services.%s.subnet %s has no room for %d machines", s.Name(), mesh.Subnet, n).
				Hintf("use a larger prefix, such as a /16: addresses come from the machines' names, so a roomy subnet keeps them apart")
		}
	}
	feature := s.Def.Role(role).Feature
	where := func(machine string) (string, diag.Path) {
		if rm := v.rf.Machine(machine); rm != nil {
			if ft := rm.Feature(feature); ft != nil {
				if val := ft.Value("address"); val != nil && val.Origin != nil && val.Origin.Kind != resolve.FromCatalog {
					return val.Origin.File, val.Origin.Path
				}
			}
		}
		if m := v.rf.Spec.Machine(machine); m != nil {
			return v.file, m.Path
		}
		return v.file, s.Spec.Path
	}
	for _, name := range mesh.Bad {
		file, p := where(name)
		v.diags.Errorf(diag.CodeMeshAddress, file, p, "%s's WireGuard address is not a host address in the mesh subnet %s", name, mesh.Subnet).
			Hintf("write an address inside %s, neither its first nor its last, without a prefix length", mesh.Subnet)
	}
	addr := map[string]netip.Addr{}
	for _, a := range mesh.Plan {
		addr[a.Machine] = a.Addr
	}
	for _, c := range mesh.Clashes {
		file, p := where(c[1])
		e := v.diags.Errorf(diag.CodeMeshAddress, file, p, "%s and %s both get WireGuard address %s in the mesh", c[0], c[1], addr[c[1]])
		e.Hintf("give one of them its own: settings.%s.address = %q in [machines.%s] (any free address of %s)", feature, suggestFree(mesh), c[1], mesh.Subnet)
		ofile, op := where(c[0])
		e.Relate(ofile, op, "%s", fmt.Sprintf("%s here", c[0]))
	}
}

// suggestFree is an address of the mesh's subnet no member has: the
// first free one after the subnet's first.
func suggestFree(mesh resolve.Mesh) string {
	taken := map[netip.Addr]bool{}
	for _, a := range mesh.Plan {
		taken[a.Addr] = true
	}
	for a := mesh.Subnet.Addr().Next(); resolve.MeshUsable(mesh.Subnet, a); a = a.Next() {
		if !taken[a] {
			return a.String()
		}
	}
	return "ADDRESS"
}
