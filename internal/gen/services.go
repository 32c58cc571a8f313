package gen

import (
	"fmt"
	"strings"

	"github.com/shoal-nix/shoal/internal/catalog"
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
	if len(blocks) == 0 {
		return g.write(file, nixFile(fn("_", set()), comments...), g.servicesOrigin(), b.err)
	}
	body := set(bind(nixlit.MkMerge(blocks...), "config"))
	return g.write(file, nixFile(nixlit.Func("", &nixlit.Let{Bindings: usedLets(body, featuresLet), Body: body}), comments...), g.servicesOrigin(), b.err)
}

// wiring returns, for the block of one of a service's [[wire]] tables,
// the bindings that the service's catalog file cannot say as data. The
// block is for the machines of role; the function returns nothing for
// roles it does not wire. b turns Go values into Nix.
type wiring func(g *generator, b *nodes, s *resolve.Service, role string) []nixlit.Binding

// wirings holds the wiring function of each service that needs one, by
// the service's name; a service that its catalog file wires whole has none.
var wirings = map[string]wiring{
	"backup":        backupWiring,
	"load_balancer": loadBalancerWiring,
}

// serviceBlocks returns a block per [[wire]] of s's catalog file: the
// values s's options give the settings of the role's feature (in the
// role's first block), the wire's option values, and what the service's
// wiring function adds.
func (g *generator) serviceBlocks(b *nodes, s *resolve.Service) []nixlit.Node {
	settled := map[string]bool{}
	var blocks []nixlit.Node
	for _, wire := range s.Def.Wires {
		role := s.Def.Role(wire.Role)
		if !g.used[role.Feature] {
			continue
		}
		var in []nixlit.Binding
		if !settled[role.Name] {
			settled[role.Name] = true
			in = append(in, g.serviceSettings(b, s, role.Feature)...)
		}
		for _, o := range wire.Set {
			path, err := nixopts.SplitPath(o.Option)
			if err != nil {
				continue // the catalog loader reports it
			}
			if v, ok := g.wireValue(s, o.Value); ok {
				in = append(in, bind(b.data(v), path...))
			}
		}
		if wired := wirings[s.Name()]; wired != nil {
			in = append(in, wired(g, b, s, wire.Role)...)
		}
		if block := g.block(wire.Comment, role.Feature, in); block != nil {
			blocks = append(blocks, block)
		}
	}
	return blocks
}

// wireValue fills in a [[wire]] option value for s: ${ROLE} in a string is
// the host:port of ROLE's first machine, {endpoints = "ROLE"} the list of
// host:port of its machines. ok is false when a role named by ${ROLE} has
// no machine: the option is left out.
func (g *generator) wireValue(s *resolve.Service, v any) (any, bool) {
	switch x := v.(type) {
	case catalog.Endpoints:
		var out []any
		for _, m := range g.members(s, x.Role) {
			if port := g.rolePort(s, x.Role, m); port != nil {
				out = append(out, hostPort(address(m), port))
			}
		}
		return out, true
	case string:
		return catalog.ExpandPlaceholders(x, func(role string) (string, bool) { return g.endpoint(s, role) })
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			var ok bool
			if out[i], ok = g.wireValue(s, e); !ok {
				return nil, false
			}
		}
		return out, true
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			var ok bool
			if out[k], ok = g.wireValue(s, e); !ok {
				return nil, false
			}
		}
		return out, true
	}
	return v, true
}

// endpoint is the host:port of the first machine of a role of s, where the
// others reach it; ok is false when the role has no machine.
func (g *generator) endpoint(s *resolve.Service, role string) (string, bool) {
	ms := g.members(s, role)
	if len(ms) == 0 {
		return "", false
	}
	return hostPort(address(ms[0]), g.rolePort(s, role, ms[0])), true
}

// rolePort is the port m listens on in a role of s: the value on m of the
// setting the role's port names, or nil.
func (g *generator) rolePort(s *resolve.Service, role string, m *resolve.Machine) any {
	r := s.Def.Role(role)
	if r == nil || r.Feature == "" || r.Port == "" {
		return nil
	}
	return settingOf(m, r.Feature, r.Port)
}

// members expands a role's selectors to resolved machines, in file order.
func (g *generator) members(s *resolve.Service, role string) []*resolve.Machine {
	var out []*resolve.Machine
	for _, m := range s.Members(role) {
		out = append(out, g.rf.Machine(m.Name))
	}
	return out
}

// address is how other machines reach m.
func address(m *resolve.Machine) string {
	if m.Spec.Address != "" {
		return m.Spec.Address
	}
	return m.Spec.Hostname
}

// hostPort joins a host and port, bracketing IPv6 addresses.
func hostPort(host string, port any) string {
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	return fmt.Sprintf("%s:%v", host, port)
}

func settingOf(m *resolve.Machine, feature, setting string) any {
	if f := m.Feature(feature); f != nil {
		if v := f.Value(setting); v != nil {
			return v.Value
		}
	}
	return nil
}

// block is the bindings under feature's enable option, after a comment;
// nil when there are none.
func (g *generator) block(comment, feature string, bindings []nixlit.Binding) nixlit.Node {
	if len(bindings) == 0 {
		return nil
	}
	return &nixlit.Comment{Lines: []string{comment}, X: nixlit.MkIf(sel(featuresVar, feature, "enable"), set(bindings...))}
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
// with each client's host name appended in Nix.
func backupWiring(g *generator, b *nodes, s *resolve.Service, role string) []nixlit.Binding {
	if role != "clients" {
		return nil
	}
	repo, _ := s.Values["repository"].(string)
	if repo == "" {
		server, ok := g.endpoint(s, "server")
		if !ok {
			return nil
		}
		repo = "rest:http://" + server + "/"
	}
	restic := func(name string) []string { return []string{"services", "restic", "backups", "shoal", name} }
	return []nixlit.Binding{
		bind(nixlit.Binary(nstr(repo), "+", sel("config", "networking", "hostName")), restic("repository")...),
		bind(b.data("/var/lib/shoal/secrets/restic-password"), restic("passwordFile")...),
	}
}

// loadBalancerWiring writes HAProxy's frontend and backend. The port the
// frontend binds and the health check are the settings of the frontends'
// feature on the machine the configuration is for, read in Nix: a machine
// may set its own. The feature opens that port in the firewall.
func loadBalancerWiring(g *generator, _ *nodes, s *resolve.Service, role string) []nixlit.Binding {
	if role != "frontends" {
		return nil
	}
	feature := s.Def.Role(role).Feature
	lines := []nixlit.Node{
		nstr("frontend shoal"),
		&nixlit.Interp{Parts: []any{"  bind *:", call(sel("toString"), sel(featuresVar, feature, "port"))}},
		nstr("  default_backend shoal"),
		nstr(""),
		nstr("backend shoal"),
		nstr("  balance roundrobin"),
	}
	backendPort := s.Values["backend_port"]
	for _, m := range g.members(s, "backends") {
		lines = append(lines, nstr(fmt.Sprintf("  server %s %s check", m.Name(), hostPort(address(m), backendPort))))
	}
	health := sel(featuresVar, feature, "health_path")
	config := call(sel("lib", "mkAfter"), call(sel("lib", "concatLines"), nixlit.Binary(
		list(lines...),
		"++",
		call(sel("lib", "optional"), nixlit.Binary(health, "!=", nixlit.Null()), &nixlit.Interp{Parts: []any{"  option httpchk GET ", health}}),
	)))
	return []nixlit.Binding{bind(config, "services", "haproxy", "config")}
}
