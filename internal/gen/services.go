package gen

import (
	"fmt"
	"strings"

	"github.com/shoal-nix/shoal/internal/fleet"
	"github.com/shoal-nix/shoal/internal/nixlit"
	"github.com/shoal-nix/shoal/internal/resolve"
)

// services writes modules/services/defaults.nix: the fleet services of
// shoal.toml wired across machines (scrape targets, log and backup
// destinations, load balancer backends), each under the enable option of
// the feature its role brings.
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

func (g *generator) block(w *nixw, comment, feature string, fn func(in *nixw)) {
	if !g.used[feature] {
		return
	}
	in := &nixw{indent: 1}
	fn(in)
	if in.err != nil && w.err == nil {
		w.err = in.err
	}
	w.line("# " + comment + "\n(lib.mkIf " + featuresVar + "." + nixlit.AttrPath(feature, "enable") + " {\n" + in.b.String() + "})")
}

func (g *generator) monitoringBlock(w *nixw, s *fleet.Service) {
	var targets []any
	for _, m := range g.members(s, "agents") {
		if port := settingOf(m, "monitoring-agent", "port"); port != nil {
			targets = append(targets, hostPort(address(m), port))
		}
	}
	g.block(w, "monitoring: the server scrapes every agent's node exporter", "monitoring-server", func(in *nixw) {
		in.bind([]string{"services", "prometheus", "scrapeConfigs"}, []any{map[string]any{
			"job_name":       "node",
			"static_configs": []any{map[string]any{"targets": targets}},
		}})
	})
}

func (g *generator) logsBlock(w *nixw, s *fleet.Service) {
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
	if repo == "" {
		return
	}
	g.block(w, "backup: clients back up to the fleet's repository, one directory per host", "backup-client", func(in *nixw) {
		in.line(nixlit.AttrPath("services", "restic", "backups", "shoal", "repository"), " = ",
			str(repo)+" + config.networking.hostName", ";")
		in.bind([]string{"services", "restic", "backups", "shoal", "passwordFile"}, "/var/lib/shoal/secrets/restic-password")
	})
}

func (g *generator) loadBalancerBlock(w *nixw, s *fleet.Service) {
	port, backendPort := int64(80), int64(80)
	if n := s.Options["port"]; n != nil {
		port = n.Int
	}
	if n := s.Options["backend_port"]; n != nil {
		backendPort = n.Int
	}
	var lines []string
	lines = append(lines, "frontend shoal", fmt.Sprintf("  bind *:%d", port), "  default_backend shoal", "", "backend shoal", "  balance roundrobin")
	for _, m := range g.members(s, "backends") {
		lines = append(lines, fmt.Sprintf("  server %s %s check", m.Name(), hostPort(address(m), backendPort)))
	}
	g.block(w, "load balancer: the frontends spread requests over the backends", "load-balancer", func(in *nixw) {
		in.line(nixlit.AttrPath("services", "haproxy", "config"), " = lib.mkAfter ", nixlit.IndentedString(strings.Join(lines, "\n")+"\n", 0), ";")
		in.bind([]string{"networking", "firewall", "allowedTCPPorts"}, []any{port})
	})
}
