package gen

import (
	"fmt"
	"strings"

	"github.com/shoal-nix/shoal/internal/fleet"
	"github.com/shoal-nix/shoal/internal/nixlit"
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
func (g *generator) services() error {
	w := newFile(
		"Fleet services from [services] in shoal.toml, wired across machines: what each role's",
		"feature needs to know about the others. Every block applies only where its feature is on.",
	)
	body := &nixw{indent: 2}
	for _, s := range g.rf.Spec.Services {
		switch s.Kind {
		case "monitoring":
			g.monitoringBlock(body, s)
		case "logs":
			g.logsBlock(body, s)
		case "backup":
			g.backupBlock(body, s)
		case "load_balancer":
			g.loadBalancerBlock(body, s)
		}
	}
	if body.err != nil {
		return fmt.Errorf("generate modules/services/defaults.nix: %w", body.err)
	}
	text := body.b.String()
	if text == "" {
		w.line("_: { }")
		return g.put("modules/services/defaults.nix", w)
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
	return g.put("modules/services/defaults.nix", w)
}

// members expands a role's selectors to resolved machines, in file order.
func (g *generator) members(s *fleet.Service, role string) []*resolve.Machine {
	seen := map[string]bool{}
	var out []*resolve.Machine
	for _, sel := range s.Roles[role] {
		for _, m := range resolve.Select(g.rf.Spec, sel.Value) {
			if !seen[m.Name] {
				seen[m.Name] = true
				out = append(out, g.rf.Machine(m.Name))
			}
		}
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
// feature (resolve.ServiceOptions), at servicePriority.
func (g *generator) serviceSettings(w *nixw, s *fleet.Service, feature string) {
	def := g.cat.Features[feature]
	vals := map[string]any{}
	for key, n := range s.Options {
		to, ok := resolve.ServiceOptions[s.Kind][key]
		if !ok || to.Feature != feature || def == nil || def.Setting(to.Setting) == nil {
			continue
		}
		if v, problem, _ := def.Setting(to.Setting).Type.Check(n); problem == "" {
			vals[to.Setting] = v
		}
	}
	if len(vals) == 0 {
		return
	}
	w.comment(fmt.Sprintf("settings from [services.%s]; a machine's own settings override them", s.Kind))
	w.open(attrPath(featureOpt(feature)...) + " = {")
	for _, st := range def.Settings { // in the order the feature declares them
		if v, ok := vals[st.Name]; ok {
			w.line(nixlit.AttrName(st.Name), fmt.Sprintf(" = lib.mkOverride %d ", servicePriority), w.value(nixValue(v)), ";")
		}
	}
	w.close("};")
}

func (g *generator) monitoringBlock(w *nixw, s *fleet.Service) {
	var targets []any
	for _, m := range g.members(s, "agents") {
		if port := settingOf(m, "monitoring-agent", "port"); port != nil {
			targets = append(targets, hostPort(address(m), port))
		}
	}
	g.block(w, "monitoring: the server scrapes every agent's node exporter", "monitoring-server", func(in *nixw) {
		g.serviceSettings(in, s, "monitoring-server")
		in.bind([]string{"services", "prometheus", "scrapeConfigs"}, []any{map[string]any{
			"job_name":       "node",
			"static_configs": []any{map[string]any{"targets": targets}},
		}})
	})
}

func (g *generator) logsBlock(w *nixw, s *fleet.Service) {
	g.block(w, "logs: the log server's settings", "log-server", func(in *nixw) {
		g.serviceSettings(in, s, "log-server")
	})
	servers := g.members(s, "server")
	if len(servers) == 0 {
		return
	}
	port := settingOf(servers[0], "log-server", "port")
	url := "http://" + hostPort(address(servers[0]), port) + "/loki/api/v1/push"
	g.block(w, "logs: shippers push the journal to the log server", "log-shipper", func(in *nixw) {
		in.bind([]string{"systemd", "services", "alloy", "environment", "SHOAL_LOKI_URL"}, url)
	})
}

func (g *generator) backupBlock(w *nixw, s *fleet.Service) {
	repo := ""
	if n := s.Options["repository"]; n != nil {
		repo = n.Str
	} else if servers := g.members(s, "server"); len(servers) > 0 {
		repo = "rest:http://" + hostPort(address(servers[0]), settingOf(servers[0], "backup-server", "port")) + "/"
	}
	g.block(w, "backup: clients back up to the fleet's repository, one directory per host", "backup-client", func(in *nixw) {
		g.serviceSettings(in, s, "backup-client")
		if repo == "" {
			return
		}
		in.line(nixlit.AttrPath("services", "restic", "backups", "shoal", "repository"), " = ",
			str(repo)+" + config.networking.hostName", ";")
		in.bind([]string{"services", "restic", "backups", "shoal", "passwordFile"}, "/var/lib/shoal/secrets/restic-password")
	})
}

// loadBalancerBlock writes HAProxy's frontend and backend. The port the
// frontend binds and the health check are the load-balancer settings of
// the machine the configuration is for, read in Nix: a machine may set
// its own. The feature opens that port in the firewall.
func (g *generator) loadBalancerBlock(w *nixw, s *fleet.Service) {
	backendPort := int64(80)
	if n := s.Options["backend_port"]; n != nil {
		backendPort = n.Int
	}
	lb := featuresVar + "." + nixlit.AttrPath("load-balancer")
	lines := []string{
		str("frontend shoal"),
		`"  bind *:${toString ` + lb + `.port}"`,
		str("  default_backend shoal"),
		str(""),
		str("backend shoal"),
		str("  balance roundrobin"),
	}
	for _, m := range g.members(s, "backends") {
		lines = append(lines, str(fmt.Sprintf("  server %s %s check", m.Name(), hostPort(address(m), backendPort))))
	}
	g.block(w, "load balancer: the frontends spread requests over the backends", "load-balancer", func(in *nixw) {
		g.serviceSettings(in, s, "load-balancer")
		in.open(nixlit.AttrPath("services", "haproxy", "config") + " = lib.mkAfter (")
		in.open("lib.concatLines (")
		in.open("[")
		for _, l := range lines {
			in.line(l)
		}
		in.close("]")
		in.line("++ lib.optional (", lb, ".health_path != null) ", `"  option httpchk GET ${`, lb, `.health_path}"`)
		in.close(")")
		in.close(");")
	})
}
