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
	w := newFile(
		"Fleet services from [services] in shoal.toml, wired across machines: what each role's",
		"feature needs to know about the others. Every block applies only where its feature is on.",
	)
	body := &nixw{indent: 2}
	for _, s := range g.rf.Services {
		g.serviceBlocks(body, s)
	}
	if body.err != nil {
		return fmt.Errorf("generate %s: %w", layout.Services, body.err)
	}
	text := body.b.String()
	if text == "" {
		w.line("_: { }")
		return g.put(layout.Services, w, g.servicesOrigin())
	}
	w.line("{ config, lib, ... }:")
	w.open("let")
	w.line(featuresVar, " = config.shoal.features;")
	w.close("in")
	w.open("{")
	w.open("config = lib.mkMerge [")
	w.b.WriteString(text)
	w.close("];")
	w.close("}")
	return g.put(layout.Services, w, g.servicesOrigin())
}

// wiring writes, into the block of one of a service's [[wire]] tables,
// what the service's catalog file cannot say as data. The block is for
// the machines of role; the function writes nothing for roles it does not
// wire.
type wiring func(g *generator, w *nixw, s *resolve.Service, role string)

// wirings holds the wiring function of each service that needs one, by
// the service's name; a service that its catalog file wires whole has none.
var wirings = map[string]wiring{
	"backup":        backupWiring,
	"load_balancer": loadBalancerWiring,
}

// serviceBlocks writes a block per [[wire]] of s's catalog file: the
// values s's options give the settings of the role's feature (in the
// role's first block), the wire's option values, and what the service's
// wiring function adds.
func (g *generator) serviceBlocks(w *nixw, s *resolve.Service) {
	settled := map[string]bool{}
	for _, wire := range s.Def.Wires {
		role := s.Def.Role(wire.Role)
		g.block(w, wire.Comment, role.Feature, func(in *nixw) {
			if !settled[role.Name] {
				settled[role.Name] = true
				g.serviceSettings(in, s, role.Feature)
			}
			for _, o := range wire.Set {
				path, err := nixopts.SplitPath(o.Option)
				if err != nil {
					continue // the catalog loader reports it
				}
				if v, ok := g.wireValue(s, o.Value); ok {
					in.bind(path, v)
				}
			}
			if fn := wirings[s.Name()]; fn != nil {
				fn(g, in, s, wire.Role)
			}
		})
	}
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

// block writes what fn writes, unless nothing, under feature's enable
// option; nothing when no machine has the feature.
func (g *generator) block(w *nixw, comment, feature string, fn func(in *nixw)) {
	if !g.used[feature] {
		return
	}
	in := &nixw{indent: 1}
	fn(in)
	if in.err != nil && w.err == nil {
		w.err = in.err
	}
	if in.b.Len() == 0 {
		return
	}
	w.line("# " + comment + "\n(lib.mkIf " + featuresVar + "." + nixlit.AttrPath(feature, "enable") + " {\n" + in.b.String() + "})")
}

// serviceSettings writes the values s's options give the settings of
// feature, at servicePriority.
func (g *generator) serviceSettings(w *nixw, s *resolve.Service, feature string) {
	def := g.cat.Features[feature]
	if def == nil {
		return
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
		return
	}
	w.comment(fmt.Sprintf("settings from [services.%s]; a machine's own settings override them", s.Name()))
	w.open(attrPath(featureOpt(feature)...) + " = {")
	for _, st := range def.Settings { // in the order the feature declares them
		if v, ok := vals[st.Name]; ok {
			w.line(nixlit.AttrName(st.Name), fmt.Sprintf(" = lib.mkOverride %d ", servicePriority), w.value(nixValue(v)), ";")
		}
	}
	w.close("};")
}

// backupWiring points the clients at the repository: the one the
// repository option names, or the restic REST server on the first server,
// with each client's host name appended in Nix.
func backupWiring(g *generator, w *nixw, s *resolve.Service, role string) {
	if role != "clients" {
		return
	}
	repo, _ := s.Values["repository"].(string)
	if repo == "" {
		server, ok := g.endpoint(s, "server")
		if !ok {
			return
		}
		repo = "rest:http://" + server + "/"
	}
	w.line(nixlit.AttrPath("services", "restic", "backups", "shoal", "repository"), " = ",
		str(repo)+" + config.networking.hostName", ";")
	w.bind([]string{"services", "restic", "backups", "shoal", "passwordFile"}, "/var/lib/shoal/secrets/restic-password")
}

// loadBalancerWiring writes HAProxy's frontend and backend. The port the
// frontend binds and the health check are the settings of the frontends'
// feature on the machine the configuration is for, read in Nix: a machine
// may set its own. The feature opens that port in the firewall.
func loadBalancerWiring(g *generator, w *nixw, s *resolve.Service, role string) {
	if role != "frontends" {
		return
	}
	lb := featuresVar + "." + nixlit.AttrPath(s.Def.Role(role).Feature)
	lines := []string{
		str("frontend shoal"),
		`"  bind *:${toString ` + lb + `.port}"`,
		str("  default_backend shoal"),
		str(""),
		str("backend shoal"),
		str("  balance roundrobin"),
	}
	backendPort := s.Values["backend_port"]
	for _, m := range g.members(s, "backends") {
		lines = append(lines, str(fmt.Sprintf("  server %s %s check", m.Name(), hostPort(address(m), backendPort))))
	}
	w.open(nixlit.AttrPath("services", "haproxy", "config") + " = lib.mkAfter (")
	w.open("lib.concatLines (")
	w.open("[")
	for _, l := range lines {
		w.line(l)
	}
	w.close("]")
	w.line("++ lib.optional (", lb, ".health_path != null) ", `"  option httpchk GET ${`, lb, `.health_path}"`)
	w.close(")")
	w.close(");")
}
