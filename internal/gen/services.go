package gen

import (
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/shoal-nix/shoal/internal/catalog"
	"github.com/shoal-nix/shoal/internal/fleet"
	"github.com/shoal-nix/shoal/internal/layout"
	"github.com/shoal-nix/shoal/internal/nixlit"
	"github.com/shoal-nix/shoal/internal/nixopts"
	"github.com/shoal-nix/shoal/internal/resolve"
)

// servicePriority is the priority of the setting values that service
// options give ([services.backup] schedule): above profiles (lib.mkDefault,
// 1000), below what a machine sets (100), as resolve layers them.
const servicePriority = 900

// services writes modules/services/defaults.nix: the fleet services of
// shoal.toml wired across machines (scrape targets, log and backup
// destinations, load balancer backends) and the setting values their
// options give, each under the enable option of the feature its role brings.
// What each service wires is its catalog file's [[wire]] blocks, plus what
// its wiring function writes into them.
func (g *generator) services() error {
	const file = layout.Services
	comments := []string{
		"Fleet services from [services] in shoal.toml, wired across machines: what each role's",
		"feature needs to know about the others. Every block applies only where its feature is on.",
	}
	var b nodes
	var blocks []nixlit.Node
	for _, s := range g.rf.Services {
		blocks = append(blocks, g.serviceBlocks(&b, s)...)
	}
	blocks = append(blocks, g.firewallBlocks()...)
	if len(blocks) == 0 {
		return g.write(file, nixFile(fn("_", set()), comments...), g.servicesOrigin(), b.err)
	}
	body := set(bind(nixlit.MkMerge(blocks...), "config"))
	return g.write(file, nixFile(nixlit.Func("", &nixlit.Let{Bindings: usedLets(body, featuresLet), Body: body}), comments...), g.servicesOrigin(), b.err)
}

// wiring returns, for the block of one of a service's [[wire]] tables,
// the bindings that the service's catalog file cannot say as data. The
// block is for the machines of role, as seen from machine from (nil: any
// of them); the function returns nothing for roles it does not wire. b
// turns Go values into Nix.
type wiring func(g *generator, b *nodes, s *resolve.Service, role string, from *fleet.Machine) []nixlit.Binding

// wirings holds the wiring function of each service that needs one, by
// the service's name; a service that its catalog file wires whole has none.
var wirings = map[string]wiring{
	"backup":        backupWiring,
	"load_balancer": loadBalancerWiring,
	"monitoring":    monitoringWiring,
	"wireguard":     wireguardWiring,
}

// serviceBlocks returns a block per [[wire]] of s's catalog file: the
// values s's options give the settings of the role's feature (in the
// role's first block), the wire's option values, and what the service's
// wiring function adds. When the role's machines reach the others at
// different addresses (over different networks), the values are written
// once per group of machines that see the same, for those machines
// (shoal.name).
func (g *generator) serviceBlocks(b *nodes, s *resolve.Service) []nixlit.Node {
	settled := map[string]bool{}
	var blocks []nixlit.Node
	for _, wire := range s.Def.Wires {
		role := s.Def.Role(wire.Role)
		if !g.used[role.Feature] {
			continue
		}
		enable := sel(featuresVar, role.Feature, "enable")
		var settings []nixlit.Binding
		if !settled[role.Name] {
			settled[role.Name] = true
			settings = g.serviceSettings(b, s, role.Feature)
		}
		groups := g.wireGroups(b, s, wire)
		if len(groups) <= 1 {
			in := settings
			if len(groups) == 1 {
				in = append(in, groups[0].bindings...)
			}
			if block := g.block(wire.Comment, enable, in); block != nil {
				blocks = append(blocks, block)
			}
			continue
		}
		if block := g.block(wire.Comment, enable, settings); block != nil {
			blocks = append(blocks, block)
		}
		for _, gr := range groups {
			names := make([]nixlit.Node, len(gr.machines))
			for i, m := range gr.machines {
				names[i] = nstr(m)
			}
			cond := &nixlit.Paren{X: &nixlit.Op{Op: "&&", Args: []nixlit.Node{enable,
				call(sel("lib", "elem"), sel("config", "shoal", "name"), &nixlit.List{Items: names, Inline: len(names) == 1})}}}
			if block := g.block(wire.Comment+" (for "+strings.Join(gr.machines, ", ")+")", cond, gr.bindings); block != nil {
				blocks = append(blocks, block)
			}
		}
	}
	return blocks
}

// wireGroup is the machines of a role that a wire's values are the same
// for, by name, and those values.
type wireGroup struct {
	machines []string
	bindings []nixlit.Binding
	text     string // the bindings printed, to compare groups
}

// wireGroups makes a wire's values for each machine of its role and
// groups the machines that get the same, in file order. A role without
// machines (its feature is on by other means) gets one group, made from
// nowhere in particular.
func (g *generator) wireGroups(b *nodes, s *resolve.Service, wire catalog.Wire) []wireGroup {
	make1 := func(from *fleet.Machine) wireGroup {
		var in []nixlit.Binding
		for _, o := range wire.Set {
			path, err := nixopts.SplitPath(o.Option)
			if err != nil {
				continue // the catalog loader reports it
			}
			if v, ok := g.wireValue(s, o.Value, from); ok {
				in = append(in, bind(b.data(v), path...))
			}
		}
		if wired := wirings[s.Name()]; wired != nil {
			in = append(in, wired(g, b, s, wire.Role, from)...)
		}
		return wireGroup{bindings: in, text: nixlit.Print(set(in...))}
	}
	members := s.Members(wire.Role)
	if len(members) == 0 {
		return []wireGroup{make1(nil)}
	}
	var out []wireGroup
	for _, m := range members {
		gr := make1(m)
		i := slices.IndexFunc(out, func(o wireGroup) bool { return o.text == gr.text })
		if i < 0 {
			out = append(out, gr)
			i = len(out) - 1
		}
		out[i].machines = append(out[i].machines, m.Name)
	}
	return out
}

// wireValue fills in a [[wire]] option value for s, as machine from sees
// the others: ${ROLE} in a string is the host:port of ROLE's first
// machine, {endpoints = "ROLE"} the list of host:port of its machines,
// {secret = "NAME"} the path of a secret file, {public = "NAME"} the
// public half of a key pair (from's own, for a per-machine secret). ok is
// false when a role named by ${ROLE} has no machine, or a public half is
// not known: the option is left out.
func (g *generator) wireValue(s *resolve.Service, v any, from *fleet.Machine) (any, bool) {
	switch x := v.(type) {
	case catalog.Endpoints:
		var out []any
		for _, m := range s.Members(x.Role) {
			if port, ok := g.rf.RolePort(s, x.Role, m); ok {
				out = append(out, hostPort(g.hostFor(from, m), port))
			}
		}
		return out, true
	case catalog.SecretRef:
		return catalog.SecretPath(x.Name), true
	case catalog.PublicRef:
		if from == nil {
			return nil, false
		}
		return g.rf.PublicKey(x.Name, from.Name)
	case string:
		return catalog.ExpandPlaceholders(x, func(role string) (string, bool) { return g.endpoint(s, role, from) })
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			var ok bool
			if out[i], ok = g.wireValue(s, e, from); !ok {
				return nil, false
			}
		}
		return out, true
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			var ok bool
			if out[k], ok = g.wireValue(s, e, from); !ok {
				return nil, false
			}
		}
		return out, true
	}
	return v, true
}

// endpoint is the host:port of the first machine of a role of s, where
// from reaches it; ok is false when the role has no machine.
func (g *generator) endpoint(s *resolve.Service, role string, from *fleet.Machine) (string, bool) {
	ms := s.Members(role)
	if len(ms) == 0 {
		return "", false
	}
	port, _ := g.rf.RolePort(s, role, ms[0])
	return hostPort(g.hostFor(from, ms[0]), port), true
}

// hostFor is the address at which from reaches m: m's address on the
// network they share (check makes sure there is one). From nil, or from m
// itself, it is m's first address.
func (g *generator) hostFor(from, m *fleet.Machine) string {
	if h, ok := g.test.hosts[m.Name]; ok {
		return h
	}
	if from != nil && from != m {
		if rt, ok := g.rf.Reach(from, m); ok {
			return rt.Server.Host
		}
	}
	if eps := g.rf.Reachable(m); len(eps) > 0 {
		return eps[0].Host
	}
	return address(m)
}

// address is how deploy reaches m.
func address(m *fleet.Machine) string {
	if m.Address != "" {
		return m.Address
	}
	return m.Hostname
}

// hostPort joins a host and port, bracketing IPv6 addresses.
func hostPort(host string, port any) string {
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	return fmt.Sprintf("%s:%v", host, port)
}

// block is the bindings under the condition cond, after a comment; nil
// when there are none.
func (g *generator) block(comment string, cond nixlit.Node, bindings []nixlit.Binding) nixlit.Node {
	if len(bindings) == 0 {
		return nil
	}
	return &nixlit.Comment{Lines: []string{comment}, X: nixlit.MkIf(cond, set(bindings...))}
}

// serviceSettings binds the values s's options give the settings of
// feature, at servicePriority.
func (g *generator) serviceSettings(b *nodes, s *resolve.Service, feature string) []nixlit.Binding {
	def := g.cat.Features[feature]
	if def == nil {
		return nil
	}
	vals := map[string]any{}
	for _, o := range s.Def.Options {
		n := s.Options[o.Name]
		if n == nil || o.Feature != feature || def.Setting(o.Setting) == nil {
			continue
		}
		if v, problem, _ := def.Setting(o.Setting).Type.Check(n); problem == "" {
			vals[o.Setting] = v
		}
	}
	if len(vals) == 0 {
		return nil
	}
	settings := set()
	for _, st := range def.Settings { // in the order the feature declares them
		if v, ok := vals[st.Name]; ok {
			settings.Bindings = append(settings.Bindings, bind(nixlit.MkOverride(servicePriority, b.data(nixValue(v))), st.Name))
		}
	}
	return []nixlit.Binding{{
		Path:     featureOpt(feature),
		Value:    settings,
		Comments: []string{fmt.Sprintf("settings from [services.%s]; a machine's own settings override them", s.Name())},
	}}
}

// backupWiring points the clients at the repository: the one the
// repository option names, or the restic REST server on the first server,
// with each client's host name appended in Nix (the server's private
// repositories let a client, logged in by its host name, into that
// directory only). On the server it turns authentication on, or off when
// no_auth says so.
func backupWiring(g *generator, b *nodes, s *resolve.Service, role string, from *fleet.Machine) []nixlit.Binding {
	switch role {
	case "server":
		server := func(name string) []string { return []string{"services", "restic", "server", name} }
		if s.Values["no_auth"] == true {
			return []nixlit.Binding{bind(b.data([]any{"--no-auth"}), server("extraFlags")...)}
		}
		out := []nixlit.Binding{bind(nixlit.Bool(true), server("privateRepos")...)}
		if x := s.Def.Secret("restic-htpasswd"); x != nil {
			out = append(out, bind(nstr(x.File()), server("htpasswd-file")...))
		}
		return out
	case "clients":
		repo, _ := s.Values["repository"].(string)
		if repo == "" {
			server, ok := g.endpoint(s, "server", from)
			if !ok {
				return nil
			}
			repo = "rest:http://" + server + "/"
		}
		// Each client's directory is below the repository's: the user's
		// "s3:host/bucket" is "s3:host/bucket/HOST", not "s3:host/bucketHOST".
		if !strings.HasSuffix(repo, "/") {
			repo += "/"
		}
		restic := func(name string) []string { return []string{"services", "restic", "backups", "shoal", name} }
		return []nixlit.Binding{bind(nixlit.Binary(nstr(repo), "+", sel("config", "networking", "hostName")), restic("repository")...)}
	}
	return nil
}

// loadBalancerWiring writes HAProxy's frontend and backend. The port the
// frontend binds and the health check are the settings of the frontends'
// feature on the machine the configuration is for, read in Nix: a machine
// may set its own. The feature opens that port in the firewall; the
// backends open theirs to the frontends (firewallBlocks). With a
// certificate or acme_email the frontend speaks TLS.
func loadBalancerWiring(g *generator, b *nodes, s *resolve.Service, role string, from *fleet.Machine) []nixlit.Binding {
	if role != "frontends" {
		return nil
	}
	feature := s.Def.Role(role).Feature
	cert, _ := s.Values["certificate"].(string)
	email, _ := s.Values["acme_email"].(string)
	domain := ""
	if from != nil {
		domain = g.rf.DNSName(from)
	}
	acme := email != "" && domain != ""
	if acme {
		cert = "/var/lib/acme/" + domain + "/full.pem"
	}
	bindLine := []any{"  bind *:", call(sel("toString"), sel(featuresVar, feature, "port"))}
	if cert != "" {
		bindLine = append(bindLine, " ssl crt "+cert)
	}
	lines := []nixlit.Node{
		nstr("frontend shoal"),
		&nixlit.Interp{Parts: bindLine},
		nstr("  default_backend shoal"),
		nstr(""),
		nstr("backend shoal"),
		nstr("  balance roundrobin"),
	}
	backendPort := s.Values["backend_port"]
	for _, m := range s.Members("backends") {
		lines = append(lines, nstr(fmt.Sprintf("  server %s %s check", m.Name, hostPort(g.hostFor(from, m), backendPort))))
	}
	health := sel(featuresVar, feature, "health_path")
	config := call(sel("lib", "mkAfter"), call(sel("lib", "concatLines"), nixlit.Binary(
		list(lines...),
		"++",
		call(sel("lib", "optional"), nixlit.Binary(health, "!=", nixlit.Null()), &nixlit.Interp{Parts: []any{"  option httpchk GET ", health}}),
	)))
	out := []nixlit.Binding{bind(config, "services", "haproxy", "config")}
	if acme {
		// Let's Encrypt's HTTP challenge on port 80, answered by lego
		// itself; HAProxy reads the certificate and key from full.pem and
		// is reloaded when they are renewed.
		out = append(out,
			bind(nixlit.Bool(true), "security", "acme", "acceptTerms"),
			bind(nstr(email), "security", "acme", "defaults", "email"),
			bind(set(
				bind(nstr(":80"), "listenHTTP"),
				bind(nstr("haproxy"), "group"),
				bind(b.data([]any{"haproxy.service"}), "reloadServices"),
			), "security", "acme", "certs", domain),
			bind(b.data([]any{int64(80)}), "networking", "firewall", "allowedTCPPorts"),
		)
	}
	return out
}

// wireguardInterface is the interface of the fleet's WireGuard mesh; the
// NixOS module's unit for it is wireguard-wg-shoal.service, which the
// catalog's wireguard service names for restarts and health.
const wireguardInterface = "wg-shoal"

// wireguardWiring writes the mesh's interface on every member: its
// address from the service's plan (resolve.Fleet.MeshOf), looked up by
// the machine's name, the port its wireguard-peer feature listens on, and
// its peers, every other member, each with its public key from the
// fleet's secrets, its mesh address as the only address it may send from
// and, when from reaches it at a known address, its endpoint (members
// without one keep their way to it open every 25 seconds). One list
// serves every member (each leaves itself out in Nix), so a new member
// adds one address and one peer, and changes nothing else.
func wireguardWiring(g *generator, b *nodes, s *resolve.Service, role string, from *fleet.Machine) []nixlit.Binding {
	if role != "peers" {
		return nil
	}
	mesh, ok := g.rf.MeshOf(s, role)
	if !ok || len(mesh.Plan) == 0 {
		return nil
	}
	feature := s.Def.Role(role).Feature
	secret := ""
	for _, x := range s.Def.Secrets {
		if x.Role == role && x.Generator == "wireguard" {
			secret = x.Name
		}
	}
	// A member without a known address (a laptop behind NAT) is reached
	// only after it has sent: it keeps its way open to the others.
	known := func(m *fleet.Machine) bool {
		return m != nil && (m.Address != "" || len(m.Addresses) > 0 || g.test.hosts[m.Name] != "")
	}
	var hidden []nixlit.Node
	for _, a := range mesh.Plan {
		if !known(g.rf.Spec.Machine(a.Machine)) {
			hidden = append(hidden, nstr(a.Machine))
		}
	}
	name := sel("config", "shoal", "name")
	ips := set()
	var peers []nixlit.Node
	for _, a := range mesh.Plan {
		ips.Bindings = append(ips.Bindings, bind(&nixlit.List{Items: []nixlit.Node{nstr(netip.PrefixFrom(a.Addr, mesh.Subnet.Bits()).String())}, Inline: true}, a.Machine))
		key, ok := g.rf.PublicKey(secret, a.Machine)
		if !ok {
			continue // check reports it (SH106)
		}
		peer := set(
			bind(nstr(a.Machine), "name"),
			bind(nstr(key), "publicKey"),
			bind(b.data([]any{netip.PrefixFrom(a.Addr, a.Addr.BitLen()).String()}), "allowedIPs"),
		)
		if m := g.rf.Spec.Machine(a.Machine); known(m) {
			if port, ok := g.rf.RolePort(s, role, m); ok {
				peer.Bindings = append(peer.Bindings, bind(nstr(hostPort(g.hostFor(from, m), port)), "endpoint"))
				if len(hidden) > 0 {
					peer.Bindings = append(peer.Bindings, bind(&nixlit.If{
						Cond: call(sel("lib", "elem"), name, &nixlit.List{Items: hidden, Inline: true}),
						Then: nixlit.Int(25), Else: nixlit.Null(),
					}, "persistentKeepalive"))
				}
			}
		}
		peers = append(peers, peer)
	}
	at := func(p ...string) []string {
		return append([]string{"networking", "wireguard", "interfaces", wireguardInterface}, p...)
	}
	return []nixlit.Binding{
		// A machine that turns the feature on outside the mesh gets no
		// address rather than an evaluation error.
		bind(call(sel("lib", "attrByPath"), &nixlit.List{Items: []nixlit.Node{name}, Inline: true}, &nixlit.List{Inline: true}, ips), at("ips")...),
		bind(sel(featuresVar, feature, "port"), at("listenPort")...),
		bind(call(sel("lib", "filter"), fn("peer", nixlit.Binary(sel("peer", "name"), "!=", name)), list(peers...)), at("peers")...),
	}
}

// opening is a port of a machine that a fleet service opens: to the
// listed sources, or to everyone on a machine the internet cannot reach
// when some client's address is not known (check makes sure of that).
type opening struct {
	port    int64
	what    string // "services.monitoring agents"
	sources []netip.Prefix
	seen    map[netip.Prefix]bool // sources, to keep them once each
	clients []string
	all     bool
}

// firewallBlocks returns, for each machine that serves a fleet service,
// the firewall rules that let the machines using it in and no one else:
// as nftables rules when the machine uses the nftables firewall, else as
// iptables commands (NixOS's default). Nothing else opens those ports.
func (g *generator) firewallBlocks() []nixlit.Node {
	byMachine := map[string][]*opening{}
	for _, s := range g.rf.Services {
		for _, l := range s.Links() {
			port, ok := g.rf.RolePort(s, l.ServerRole.Name, l.Server)
			if !ok {
				continue
			}
			what := "services." + s.Name() + " " + l.ServerRole.Name
			ops := byMachine[l.Server.Name]
			i := slices.IndexFunc(ops, func(o *opening) bool { return o.port == port && o.what == what })
			if i < 0 {
				ops = append(ops, &opening{port: port, what: what, seen: map[netip.Prefix]bool{}})
				i = len(ops) - 1
				byMachine[l.Server.Name] = ops
			}
			o := ops[i]
			o.clients = append(o.clients, l.Client.Name)
			srcs, known, ok := g.sources(l)
			if !ok {
				continue // check reports it
			}
			if known {
				for _, src := range srcs {
					if !o.seen[src] {
						o.seen[src] = true
						o.sources = append(o.sources, src)
					}
				}
			} else {
				o.all = true
			}
		}
	}
	var blocks []nixlit.Node
	for _, m := range g.rf.Spec.Machines {
		ops := byMachine[m.Name]
		if len(ops) == 0 {
			continue
		}
		var nft, ipt []string
		var all []nixlit.Node
		for _, o := range ops {
			if o.all {
				all = append(all, nixlit.Int(o.port))
				continue
			}
			comment := ruleComment(o.what, o.clients)
			for _, fam := range []struct{ nft, ipt string }{{"ip", "iptables"}, {"ip6", "ip6tables"}} {
				var srcs []string
				for _, p := range o.sources {
					if p.Addr().Is4() == (fam.nft == "ip") {
						srcs = append(srcs, prefixString(p))
					}
				}
				if len(srcs) == 0 {
					continue
				}
				set := srcs[0]
				if len(srcs) > 1 {
					set = "{ " + strings.Join(srcs, ", ") + " }"
				}
				nft = append(nft, fmt.Sprintf("%s saddr %s tcp dport %d accept comment %q", fam.nft, set, o.port, comment))
				for _, src := range srcs {
					ipt = append(ipt, fmt.Sprintf("%s -w -A nixos-fw -p tcp -s %s --dport %d -m comment --comment %q -j nixos-fw-accept", fam.ipt, src, o.port, comment))
				}
			}
		}
		var in []nixlit.Binding
		if len(all) > 0 {
			open := bind(list(all...), "networking", "firewall", "allowedTCPPorts")
			open.Comments = []string{"no address of some clients is known: open on this machine, which the internet cannot reach"}
			in = append(in, open)
		}
		if len(nft) > 0 {
			nftOn := sel("config", "networking", "nftables", "enable")
			in = append(in,
				bind(nixlit.MkIf(nftOn, nixlit.IndentedStr(strings.Join(nft, "\n")+"\n")), "networking", "firewall", "extraInputRules"),
				bind(nixlit.MkIf(&nixlit.Paren{X: &nixlit.Not{X: nftOn}}, nixlit.IndentedStr(strings.Join(ipt, "\n")+"\n")), "networking", "firewall", "extraCommands"),
			)
		}
		cond := &nixlit.Paren{X: nixlit.Binary(sel("config", "shoal", "name"), "==", nstr(m.Name))}
		if block := g.block("firewall of "+m.Name+": its service ports, open to the machines that use them only", cond, in); block != nil {
			blocks = append(blocks, block)
		}
	}
	return blocks
}

// maxRuleComment is the longest comment a firewall rule may carry: nft
// refuses a comment of more than 128 characters ("comment too long"), and
// iptables' comment match holds 255.
const maxRuleComment = 128

// ruleComment is the comment of the firewall rule that opens what to
// clients: what and the clients' names, as many as fit in maxRuleComment
// with a count of the others, so that the comment stays valid and its
// size does not grow with the fleet (iptables repeats it on every
// client's rule).
func ruleComment(what string, clients []string) string {
	full := what + ": " + strings.Join(clients, ", ")
	if len(full) <= maxRuleComment {
		return full
	}
	more := func(n int) string { return " and " + strconv.Itoa(n) + " more" }
	s := what + ": "
	for i, c := range clients {
		next := s + c
		if i > 0 {
			next = s + ", " + c
		}
		if len(next)+len(more(len(clients)-i-1)) > maxRuleComment {
			if i == 0 {
				return what + ": " + strconv.Itoa(len(clients)) + " machines"
			}
			return s + more(len(clients)-i)
		}
		s = next
	}
	return full // unreachable: full is longer than the comments tried
}

// sources are the addresses a link's client connects from, as
// prefixes: known is false when the client's address is not known, ok is
// false when the client cannot reach the server at all (check reports
// it). In a service's VM test, they are the client's node's addresses.
func (g *generator) sources(l resolve.Link) (srcs []netip.Prefix, known, ok bool) {
	if as, ok := g.test.addrs[l.Client.Name]; ok {
		for _, a := range as {
			srcs = append(srcs, netip.PrefixFrom(a, a.BitLen()))
		}
		return srcs, true, true
	}
	rt, ok := g.rf.Reach(l.Client, l.Server)
	if !ok {
		return nil, false, false
	}
	src, known := rt.Source()
	return []netip.Prefix{src}, known, true
}

// prefixString writes a single address without its prefix length.
func prefixString(p netip.Prefix) string {
	if p.IsSingleIP() {
		return p.Addr().String()
	}
	return p.String()
}
