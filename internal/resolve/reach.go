package resolve

import (
	"net/netip"
	"slices"

	"github.com/shoal-nix/shoal/internal/diag"
	"github.com/shoal-nix/shoal/internal/fleet"
)

// Endpoint is where a machine is on one network: the address others on
// that network reach it at.
type Endpoint struct {
	Network *fleet.Network
	Host    string
	// Path is where the fleet file writes the address; nil when it comes
	// from [fleet] domain.
	Path diag.Path
}

// IP returns the endpoint's address when it is an IP address.
func (e Endpoint) IP() (netip.Addr, bool) {
	a, err := netip.ParseAddr(e.Host)
	return a, err == nil
}

// The networks a fleet without [networks] has: every machine is on the
// LAN, or on the internet when its address is public.
var (
	implicitLAN      = &fleet.Network{Name: "lan", Kind: fleet.LAN}
	implicitInternet = &fleet.Network{Name: "internet", Kind: fleet.Internet}
)

// Networks returns the fleet's networks: the [networks] it declares, or,
// without any, a LAN and the internet.
func (f *Fleet) Networks() []*fleet.Network {
	if len(f.Spec.Networks) > 0 {
		return f.Spec.Networks
	}
	return []*fleet.Network{implicitLAN, implicitInternet}
}

// Endpoints returns where m is on the fleet's networks. A machine with
// addresses is on the networks they name. A machine without is on every
// internet network at its address when that address is public, else on
// every LAN at its address, or at NAME.DOMAIN when [fleet] has a domain,
// or at an address not known (Host "").
func (f *Fleet) Endpoints(m *fleet.Machine) []Endpoint {
	var out []Endpoint
	if len(m.Addresses) > 0 {
		for _, a := range m.Addresses {
			if n := f.network(a.Network); n != nil {
				out = append(out, Endpoint{Network: n, Host: a.Host, Path: a.Path})
			}
		}
		return out
	}
	kind, host, path := fleet.LAN, m.Address, m.Path.Child("address")
	if m.IsPublic() && m.Address != "" {
		kind = fleet.Internet
	} else if host == "" && f.Spec.Domain != "" {
		host, path = m.Hostname+"."+f.Spec.Domain, nil
	}
	if host == "" && kind == fleet.Internet {
		return nil
	}
	// A machine with no address at all is still on the LAN: it reaches
	// the others from an address shoal does not know (Host ""), and no
	// one reaches it.
	for _, n := range f.Networks() {
		if n.Kind == kind {
			out = append(out, Endpoint{Network: n, Host: host, Path: path})
		}
	}
	return out
}

// network returns the network named name, implicit ones included.
func (f *Fleet) network(name string) *fleet.Network {
	for _, n := range f.Networks() {
		if n.Name == name {
			return n
		}
	}
	return nil
}

// Public reports whether m can be reached from the internet: its address
// is public, it is marked public, or it has an address on an internet
// network.
func (f *Fleet) Public(m *fleet.Machine) bool {
	if m.IsPublic() {
		return true
	}
	return slices.ContainsFunc(f.Endpoints(m), func(e Endpoint) bool { return e.Network.Kind == fleet.Internet && e.Host != "" })
}

// Reachable returns the endpoints of m that others can reach: those with
// a known address.
func (f *Fleet) Reachable(m *fleet.Machine) []Endpoint {
	var out []Endpoint
	for _, e := range f.Endpoints(m) {
		if e.Host != "" {
			out = append(out, e)
		}
	}
	return out
}

// Route is how a client machine reaches a server machine: over a network
// the server is on, at the server's address there, from the client's
// address there (unknown when the client is not on that network: it
// reaches a server on the internet from wherever it is).
type Route struct {
	Network *fleet.Network
	Server  Endpoint
	Client  *Endpoint
}

// Source is what the server's firewall can let the client in by: its IP
// address on the route's network, or the network's address range when the
// client's address there is a name; ok is false when neither is known.
func (r Route) Source() (netip.Prefix, bool) {
	if r.Client != nil {
		a, ok := r.Client.IP()
		s, sok := r.Server.IP()
		// A client reaching an IPv6 address comes from its IPv6 address,
		// which an IPv4 one does not tell, and the other way round.
		if ok && (!sok || a.Is4() == s.Is4()) {
			return netip.PrefixFrom(a, a.BitLen()), true
		}
	}
	if r.Network.CIDR.IsValid() && r.Network.Kind != fleet.Internet {
		return r.Network.CIDR, true
	}
	return netip.Prefix{}, false
}

// Reach returns how client reaches server: over the network they share
// that is preferred (a LAN, then a tailnet, then the internet, then in
// file order), or over the internet when the server is on it and the
// client is not. ok is false when there is no way.
func (f *Fleet) Reach(client, server *fleet.Machine) (Route, bool) {
	cs := f.Endpoints(client)
	var best Route
	found := false
	for _, se := range f.Endpoints(server) {
		if se.Host == "" {
			continue
		}
		r := Route{Network: se.Network, Server: se}
		if i := slices.IndexFunc(cs, func(e Endpoint) bool { return e.Network == se.Network }); i >= 0 {
			r.Client = &cs[i]
		} else if se.Network.Kind != fleet.Internet {
			continue
		}
		if !found || f.better(r, best) {
			best, found = r, true
		}
	}
	return best, found
}

// better reports whether route a is preferred over b.
func (f *Fleet) better(a, b Route) bool {
	ka, kb := slices.Index(fleet.NetworkKinds, a.Network.Kind), slices.Index(fleet.NetworkKinds, b.Network.Kind)
	if ka != kb {
		return ka < kb
	}
	if (a.Client != nil) != (b.Client != nil) {
		return a.Client != nil
	}
	nets := f.Networks()
	return slices.Index(nets, a.Network) < slices.Index(nets, b.Network)
}

// networkRefs reports addresses on networks the fleet does not declare.
func (r *resolver) networkRefs() {
	names := r.f.NetworkNames()
	for _, m := range r.f.Machines {
		for _, a := range m.Addresses {
			if r.f.Network(a.Network) != nil {
				continue
			}
			e := r.diags.Errorf(diag.CodeUnknownNetwork, r.f.File, a.Path, "%s has an address on network %q, which [networks] does not declare", m.Name, a.Network)
			if h := diag.DidYouMean(a.Network, names); h != "" {
				e.SetHint(h)
			} else {
				e.Hintf("declare it: [networks.%s] with kind = \"lan\", \"tailnet\" or \"internet\"", a.Network)
			}
		}
	}
}

// DNSName is the DNS name a machine's certificate is for: its address
// when that is a name, else NAME.DOMAIN with [fleet] domain; "" when it
// has none.
func (f *Fleet) DNSName(m *fleet.Machine) string {
	if m.Address != "" {
		if _, err := netip.ParseAddr(m.Address); err != nil {
			return m.Address
		}
	}
	if f.Spec.Domain != "" {
		return m.Hostname + "." + f.Spec.Domain
	}
	return ""
}
