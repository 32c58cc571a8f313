package resolve

import (
	"hash/fnv"
	"math/big"
	"net/netip"
	"strings"
)

// MeshAddress is one machine's address in a mesh's address plan.
type MeshAddress struct {
	Machine string
	Addr    netip.Addr
	// Fixed is true when the machine gives its address itself.
	Fixed bool
}

// MeshPlan gives each named machine an address in subnet: the one in
// fixed when it has one, else one its name alone decides (a hash of the
// name into the subnet's host addresses, never the first or the last). No
// machine's address depends on the others, so adding or removing a
// machine never moves another. The plan is in the order of names;
// clashes lists the pairs of machines that got the same address (each
// pair in the order of names), which the caller must report: a machine
// then has to give its address itself.
func MeshPlan(subnet netip.Prefix, names []string, fixed map[string]netip.Addr) (plan []MeshAddress, clashes [][2]string) {
	subnet = subnet.Masked()
	by := map[netip.Addr]string{}
	for _, n := range names {
		a, ok := fixed[n]
		if !ok {
			a = meshHost(subnet, n)
		}
		if other, taken := by[a]; taken {
			clashes = append(clashes, [2]string{other, n})
		} else {
			by[a] = n
		}
		plan = append(plan, MeshAddress{Machine: n, Addr: a, Fixed: ok})
	}
	return plan, clashes
}

// meshHost is the address name hashes to in subnet.
func meshHost(subnet netip.Prefix, name string) netip.Addr {
	h := fnv.New64a()
	h.Write([]byte(name))
	bits := subnet.Addr().BitLen() - subnet.Bits()
	// Host numbers 1 .. 2^bits-2: neither the network's address nor its
	// broadcast (for IPv6, neither the subnet-router anycast nor the
	// last).
	hosts := new(big.Int).Lsh(big.NewInt(1), uint(bits))
	hosts.Sub(hosts, big.NewInt(2))
	if hosts.Sign() <= 0 {
		return subnet.Addr()
	}
	n := new(big.Int).SetUint64(h.Sum64())
	n.Mod(n, hosts)
	n.Add(n, big.NewInt(1))
	base := new(big.Int).SetBytes(subnet.Addr().AsSlice())
	base.Add(base, n)
	b := base.FillBytes(make([]byte, subnet.Addr().BitLen()/8))
	a, _ := netip.AddrFromSlice(b)
	if subnet.Addr().Is4() {
		a = a.Unmap()
	}
	return a
}

// MeshUsable reports whether a is a host address of subnet (not its first
// or last address).
func MeshUsable(subnet netip.Prefix, a netip.Addr) bool {
	subnet = subnet.Masked()
	if !subnet.Contains(a) || a == subnet.Addr() {
		return false
	}
	return a != lastAddr(subnet)
}

func lastAddr(p netip.Prefix) netip.Addr {
	b := p.Addr().AsSlice()
	host := p.Addr().BitLen() - p.Bits()
	for i := len(b) - 1; i >= 0 && host > 0; i-- {
		take := min(host, 8)
		b[i] |= byte(1<<take - 1)
		host -= take
	}
	a, _ := netip.AddrFromSlice(b)
	return a
}

// Mesh is the address plan of a mesh service's role: the subnet its
// subnet option gives and an address for each member, from the member's
// address setting of the role's feature when it has one.
type Mesh struct {
	Subnet  netip.Prefix
	Plan    []MeshAddress // in the order the service names the members
	Clashes [][2]string
	// Bad lists the members whose own address cannot be read (check
	// reports them); they get one from the plan meanwhile.
	Bad []string
}

// MeshOf plans the addresses of the members of role in service s; ok is
// false when its subnet option is not a prefix (check reports it).
func (f *Fleet) MeshOf(s *Service, role string) (mesh Mesh, ok bool) {
	str, _ := s.Values["subnet"].(string)
	subnet, err := netip.ParsePrefix(str)
	if err != nil {
		return Mesh{}, false
	}
	mesh.Subnet = subnet.Masked()
	feature := ""
	if r := s.Def.Role(role); r != nil {
		feature = r.Feature
	}
	var names []string
	fixed := map[string]netip.Addr{}
	for _, m := range s.Members(role) {
		names = append(names, m.Name)
		if v := f.settingOf(m.Name, feature, "address"); v != "" {
			a, err := netip.ParseAddr(v)
			if err != nil || !MeshUsable(mesh.Subnet, a) {
				mesh.Bad = append(mesh.Bad, m.Name)
				continue
			}
			fixed[m.Name] = a
		}
	}
	mesh.Plan, mesh.Clashes = MeshPlan(mesh.Subnet, names, fixed)
	return mesh, true
}

// settingOf is the string value of a feature's setting on a machine, ""
// when it has none.
func (f *Fleet) settingOf(machine, feature, setting string) string {
	rm := f.Machine(machine)
	if rm == nil {
		return ""
	}
	ft := rm.Feature(feature)
	if ft == nil {
		return ""
	}
	if v := ft.Value(setting); v != nil {
		s, _ := v.Value.(string)
		return s
	}
	return ""
}

// PublicRef reads a raw NixOS value's { public = "NAME" } table: the key
// pair secret NAME, and which machines' public halves it stands for: the
// machine's own ("NAME"), another's ("NAME/MACHINE"), or every
// receiver's, as a list ("NAME/*": all is true).
func PublicRef(v any) (secret, machine string, all, ok bool) {
	t, isMap := v.(map[string]any)
	if !isMap || len(t) != 1 {
		return "", "", false, false
	}
	ref, isStr := t["public"].(string)
	if !isStr {
		return "", "", false, false
	}
	secret, machine, _ = strings.Cut(ref, "/")
	return secret, machine, machine == "*", true
}

// RawValue fills in a raw nixos."..." value of machine: each
// { public = "NAME" } (see PublicRef) becomes the text of the public half
// it names, from PublicKeys, or "" when that is not known (check reports
// it); each { secret = "NAME" } the path secret NAME goes to. receivers
// lists a secret's receiving machines, for "NAME/*".
func (f *Fleet) RawValue(machine string, v any, receivers func(secret string) []string) any {
	if secret, other, all, ok := PublicRef(v); ok {
		if all {
			var keys []any
			for _, m := range receivers(secret) {
				if k, ok := f.PublicKey(secret, m); ok {
					keys = append(keys, k)
				}
			}
			return keys
		}
		if other == "" {
			other = machine
		}
		k, _ := f.PublicKey(secret, other)
		return k
	}
	switch x := v.(type) {
	case map[string]any:
		if len(x) == 1 {
			if name, ok := x["secret"].(string); ok {
				if s := f.Spec.Secret(name); s != nil {
					return s.Dest()
				}
			}
		}
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = f.RawValue(machine, e, receivers)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = f.RawValue(machine, e, receivers)
		}
		return out
	}
	return v
}
