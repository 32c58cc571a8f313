package gen

import (
	"crypto/sha1"
	"encoding/base64"
	"fmt"
	"maps"
	"net/netip"
	"path"
	"slices"
	"strings"

	"github.com/shoal-nix/shoal/internal/catalog"
	"github.com/shoal-nix/shoal/internal/diag"
	"github.com/shoal-nix/shoal/internal/fleet"
	"github.com/shoal-nix/shoal/internal/layout"
	"github.com/shoal-nix/shoal/internal/nixlit"
	"github.com/shoal-nix/shoal/internal/resolve"
)

// A fleet service's VM test (tests/services/NAME.nix) boots a node for
// each machine whose role it exercises: a small copy of that machine,
// with the modules of its role's features and the machine's own values
// of their settings, wired by the fleet's wiring as the generator writes
// it for the flake (modules/services/defaults.nix, the monitoring files),
// for the test's machines only and reaching them by node name. The copy of
// the wiring lives beside the test (tests/services/NAME/), under the same
// paths as the flake's own; the nodes leave the flake's own out
// (disabledModules), whose addresses do not exist in the test's network.

// testNet is how the wiring reaches the machines of a service's VM test:
// each machine's node by its host name, from its node's addresses (IPv4
// and IPv6: the driver's /etc/hosts names both, and clients may pick
// either), by the machine's name. Empty outside a test's view of the fleet.
type testNet struct {
	hosts map[string]string
	addrs map[string][]netip.Addr
}

// serviceTest is the VM test of one fleet service: the machines its nodes
// copy, by role, in the order the roles list them.
type serviceTest struct {
	svc   *resolve.Service
	roles map[string][]*resolve.Machine
}

// machines returns the machines of the test's nodes, each once, sorted
// by name: the order in which NixOS's test driver numbers its nodes.
func (t *serviceTest) machines() []*resolve.Machine {
	var out []*resolve.Machine
	for _, ms := range t.roles {
		for _, m := range ms {
			if !slices.Contains(out, m) {
				out = append(out, m)
			}
		}
	}
	slices.SortFunc(out, func(a, b *resolve.Machine) int { return strings.Compare(a.Name(), b.Name()) })
	return out
}

// rolesOf returns the roles m plays in the test, in the service's order.
func (t *serviceTest) rolesOf(m *resolve.Machine) []*catalog.Role {
	var out []*catalog.Role
	for _, r := range t.svc.Def.Roles {
		if slices.Contains(t.roles[r.Name], m) {
			out = append(out, r)
		}
	}
	return out
}

// TestPassword and the other TEST-ONLY values are the credentials a
// service's VM test writes into its nodes where the fleet's secrets go on
// real machines. They are public, in every generated flake: never a
// secret of any machine.
const (
	testResticPassword  = "TEST-ONLY-restic-repository-password"
	testRESTPassword    = "TEST-ONLY-rest-server-password"
	testGrafanaKey      = "TEST-ONLY-grafana-secret-key"
	testGrafanaPassword = "TEST-ONLY-grafana-admin-password"
)

// serviceTests writes a multi-node VM test for each fleet service whose
// roles have machines enough to exercise it.
func (g *generator) serviceTests() error {
	for _, t := range g.plannedServiceTests() {
		if err := g.serviceTest(t); err != nil {
			return err
		}
	}
	return nil
}

// plannedServiceTests returns the VM tests of the fleet's services, in
// the order the fleet file lists the services. A service is left out when
// it cannot be exercised inside the test's network: backups to a
// repository of the user's own (s3:, sftp:), a role without machines.
func (g *generator) plannedServiceTests() []*serviceTest {
	var out []*serviceTest
	for _, s := range g.rf.Services {
		t := &serviceTest{svc: s, roles: map[string][]*resolve.Machine{}}
		first := func(role string, not ...*resolve.Machine) *resolve.Machine {
			for _, m := range g.resolved(s, role) {
				if !slices.Contains(not, m) {
					return m
				}
			}
			return nil
		}
		// client is the first machine of role other than server, or the
		// server itself when it is the only one (it then reaches itself).
		client := func(role string, server *resolve.Machine) *resolve.Machine {
			if m := first(role, server); m != nil {
				return m
			}
			return first(role)
		}
		switch s.Name() {
		case "monitoring", "logs":
			server, agents := first("server"), "agents"
			if server == nil || !server.Has(s.Def.Role("server").Feature) {
				continue
			}
			agent := client(agents, server)
			if agent == nil {
				continue
			}
			t.roles["server"] = []*resolve.Machine{server}
			t.roles[agents] = []*resolve.Machine{agent}
		case "backup":
			server := first("server")
			if server == nil || strValue(s, "repository") != "" {
				continue
			}
			c := first("clients", server)
			if c == nil {
				continue
			}
			t.roles["server"] = []*resolve.Machine{server}
			t.roles["clients"] = []*resolve.Machine{c}
		case "load_balancer":
			frontend := first("frontends")
			if frontend == nil {
				continue
			}
			var backends []*resolve.Machine
			for _, m := range g.resolved(s, "backends") {
				if m != frontend && len(backends) < 2 {
					backends = append(backends, m)
				}
			}
			if len(backends) == 0 {
				continue
			}
			t.roles["frontends"] = []*resolve.Machine{frontend}
			t.roles["backends"] = backends
		default:
			continue
		}
		out = append(out, t)
	}
	return out
}

// testView returns the generator as the VM test t sees the fleet: t's
// service alone, its roles naming t's machines only, each reached at its
// node's host name from its node's address. NixOS's test driver numbers
// the nodes 1, 2, ... in name order and gives node N 192.168.1.N and
// 2001:db8:1::N on the first VLAN (nixos/lib/testing/network.nix); the
// test script checks that.
func (g *generator) testView(t *serviceTest) *generator {
	s := *t.svc
	s.Roles = map[string][]fleet.Ref{}
	for role, ms := range t.roles {
		for _, m := range ms {
			s.Roles[role] = append(s.Roles[role], fleet.Ref{Value: m.Name()})
		}
	}
	rf := *g.rf
	rf.Services = []*resolve.Service{&s}
	v := *g
	v.rf = &rf
	v.files = map[string]File{}
	v.emit = nil // the view's files are the test's, given to g by serviceTest
	v.test = testNet{hosts: map[string]string{}, addrs: map[string][]netip.Addr{}}
	for i, m := range t.machines() {
		n := byte(i + 1)
		v.test.hosts[m.Name()] = m.Spec.Hostname
		v.test.addrs[m.Name()] = []netip.Addr{
			netip.AddrFrom4([4]byte{192, 168, 1, n}),
			netip.AddrFrom16([16]byte{0x20, 0x01, 0x0d, 0xb8, 0, 1, 15: n}),
		}
	}
	return &v
}

// serviceTest writes tests/services/NAME.nix and, beside it, the fleet's
// wiring as the test's nodes see it.
func (g *generator) serviceTest(t *serviceTest) error {
	name := t.svc.Name()
	file := layout.ServiceTest(name)
	dir := layout.ServiceTestDir(name)
	view := g.testView(t)
	if err := view.services(); err != nil {
		return err
	}
	if name == "monitoring" {
		if err := view.monitoring(); err != nil {
			return err
		}
	}
	origin := Origin{Kind: FromServices, File: g.rf.Spec.File, Path: diag.P("services", t.svc.Spec.Kind)}
	for _, p := range slices.Sorted(maps.Keys(view.files)) {
		f := view.files[p]
		f.Path = dir + "/" + p
		f.Origin = origin
		if err := g.put(f); err != nil {
			return err
		}
	}
	wiring := dir + "/" + layout.Services

	var b nodes
	var sc testScript
	sc.line("start_all()")
	ms := t.machines()
	for _, m := range ms {
		// The test's wiring reaches each node at the address the driver
		// gives it: a driver that numbered them otherwise fails here.
		as := view.test.addrs[m.Name()]
		sc.succeed(m, fmt.Sprintf("ip -o addr show dev eth1 | grep -F ' inet %s/'", as[0]),
			fmt.Sprintf("ip -o addr show dev eth1 | grep -F ' inet6 %s/'", as[1]))
	}
	var tools map[string][]string // machine: the packages its part of the script runs
	var extra map[string][]nixlit.Binding
	var header []string
	switch name {
	case "monitoring":
		header, tools = g.monitoringScript(&sc, t)
	case "logs":
		header, tools = g.logsScript(&sc, t)
	case "backup":
		header, tools = g.backupScript(&sc, t)
	case "load_balancer":
		header, tools, extra = g.loadBalancerScript(&b, &sc, t)
	}

	test := set(
		bind(nstr("shoal-service-"+name), "name"),
		nixlit.Binding{
			Path:     []string{"node", "pkgsReadOnly"},
			Value:    nixlit.Bool(false),
			Comments: []string{"Features may set nixpkgs.config (allowUnfree); the test's shared pkgs would make it read-only."},
		},
	)
	for _, m := range ms {
		node := g.testNode(&b, file, wiring, t, m, tools[m.Name()], extra[m.Name()])
		node.Blank = true
		test.Bindings = append(test.Bindings, node)
	}
	test.Bindings = append(test.Bindings, nixlit.Binding{
		Path:  []string{"testScript"},
		Value: nixlit.IndentedStr(sc.String()),
		Blank: true,
	})

	comments := []string{fmt.Sprintf("VM test of [services.%s]: a node for each machine below, a small copy of it", t.svc.Spec.Kind),
		"(its role's features, their settings as the machine has them), wired as the fleet wires it,",
		"by ./" + path.Base(dir) + "/modules/services/defaults.nix: the fleet's wiring for these machines, reached by node name.",
		"Nodes:"}
	for _, m := range ms {
		var roles []string
		for _, r := range t.rolesOf(m) {
			roles = append(roles, r.Name)
		}
		comments = append(comments, fmt.Sprintf("  - %s (%s)", m.Name(), strings.Join(roles, ", ")))
	}
	comments = append(comments, "It asserts:")
	for _, h := range header {
		comments = append(comments, "  - "+h)
	}
	return g.write(file, nixFile(nixlit.Func("", call(sel("pkgs", "testers", "runNixOSTest"), test)), comments...), origin, b.err)
}

// testNode is the node of machine m in the test t: the shoal namespace,
// the test's copy of the wiring instead of the flake's, the modules of the
// features m's roles bring (with what they require, and m's firewall),
// with m's own values of their settings; packages are the tools the test
// script runs on it, extra what the test adds to the node.
func (g *generator) testNode(b *nodes, file, wiring string, t *serviceTest, m *resolve.Machine, packages []string, extra []nixlit.Binding) nixlit.Binding {
	want := map[string]bool{}
	var queue []string
	add := func(f string) {
		if f != "" && !want[f] && m.Has(f) {
			want[f] = true
			queue = append(queue, f)
		}
	}
	for _, r := range t.rolesOf(m) {
		add(r.Feature)
	}
	add("firewall")
	for i := 0; i < len(queue); i++ {
		for _, r := range g.cat.Features[queue[i]].Requires {
			add(r.Value)
		}
	}
	imports := list(rel(file, layout.NixOSDir), rel(file, wiring))
	var a []nixlit.Binding
	for _, f := range m.Features {
		if !want[f.Name()] {
			continue
		}
		imports.Items = append(imports.Items, rel(file, layout.Feature(f.Name())))
		a = append(a, bind(nixlit.Bool(true), featureOpt(f.Name(), "enable")...))
		for _, v := range f.Settings {
			p := featureOpt(f.Name(), v.Setting.Name)
			switch v.Origin.Kind {
			case resolve.FromMachine:
				a = append(a, bind(b.data(nixValue(v.Value)), p...))
			case resolve.FromHardware:
				a = append(a, bind(nixlit.MkOverride(derivedPriority, b.data(nixValue(v.Value))), p...))
			case resolve.FromProfile:
				a = append(a, bind(nixlit.MkDefault(b.data(nixValue(v.Value))), p...))
			}
		}
	}
	disabled := bind(list(rel(file, layout.Services)), "disabledModules")
	disabled.Comments = []string{"The flake's wiring reaches the machines at their fleet addresses; the test's copy, imported above, by node name."}
	body := []nixlit.Binding{
		bind(imports, "imports"),
		disabled,
		bind(nstr(m.Spec.Hostname), "networking", "hostName"),
		bind(nstr(m.Name()), "shoal", "name"),
	}
	body = append(body, a...)
	body = append(body, extra...)
	if len(packages) > 0 {
		items := make([]nixlit.Node, len(packages))
		for i, p := range packages {
			items[i] = sel("pkgs", p)
		}
		tools := bind(&nixlit.List{Items: items, Inline: true}, "environment", "systemPackages")
		tools.Comments = []string{"What the test script runs here."}
		body = append(body, tools)
	}
	return nixlit.Binding{Path: []string{"nodes", m.Name()}, Value: nixlit.Func("", set(nixlit.Group(body)...))}
}

// testScript is the Python of a NixOS test's testScript, line by line.
type testScript struct{ lines []string }

func (s *testScript) line(format string, args ...any) {
	s.lines = append(s.lines, fmt.Sprintf(format, args...))
}

// comment adds a comment line: what the next lines assert.
func (s *testScript) comment(text string) { s.line("# %s", text) }

// call adds m.method(args...), each argument a Python string.
func (s *testScript) call(m *resolve.Machine, method string, args ...string) {
	quoted := make([]string, len(args))
	for i, a := range args {
		quoted[i] = pyString(a)
	}
	s.line("%s.%s(%s)", pyName(m.Name()), method, strings.Join(quoted, ", "))
}

func (s *testScript) succeed(m *resolve.Machine, cmds ...string) { s.call(m, "succeed", cmds...) }

func (s *testScript) unit(m *resolve.Machine, unit string) { s.call(m, "wait_for_unit", unit) }

func (s *testScript) port(m *resolve.Machine, port any) {
	s.line("%s.wait_for_open_port(%v)", pyName(m.Name()), port)
}

// until adds m.wait_until_succeeds(cmd) with a timeout in seconds.
func (s *testScript) until(m *resolve.Machine, cmd string, timeout int) {
	s.line("%s.wait_until_succeeds(%s, timeout=%d)", pyName(m.Name()), pyString(cmd), timeout)
}

func (s *testScript) String() string { return strings.Join(s.lines, "\n") + "\n" }

// pyName is the Python name NixOS's test driver gives the node name: each
// character other than a letter, digit or underscore becomes an
// underscore, and so does a first character that is not a letter
// (pythonizeName in nixos/lib/testing/driver.nix).
func pyName(name string) string {
	var b strings.Builder
	for i, c := range name {
		ok := c == '_' || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') || (i > 0 && '0' <= c && c <= '9')
		if ok {
			b.WriteRune(c)
		} else {
			b.WriteByte('_')
		}
	}
	return b.String()
}

// setting is m's value of a feature setting, for the test script.
func setting(m *resolve.Machine, feature, name string) any {
	return featureSetting(m, feature, name)
}

// monitoringScript: the monitoring server scrapes the agent's node
// exporter, through the test's copy of the scrape targets, and Prometheus
// reports the target up.
func (g *generator) monitoringScript(sc *testScript, t *serviceTest) ([]string, map[string][]string) {
	server, agent := t.roles["server"][0], t.roles["agents"][0]
	promPort := setting(server, "monitoring-server", "port")
	sc.comment("the monitoring server runs Prometheus; the agent, node exporter")
	sc.unit(server, "prometheus.service")
	sc.port(server, promPort)
	sc.unit(agent, "prometheus-node-exporter.service")
	sc.port(agent, setting(agent, "monitoring-agent", "port"))
	query := fmt.Sprintf(`up{job="node",machine=%q}`, agent.Name())
	sc.comment(fmt.Sprintf("the monitoring server scrapes %s: Prometheus's API reports its target up", agent.Name()))
	sc.until(server, fmt.Sprintf("curl -fsS -G http://127.0.0.1:%v/api/v1/query --data-urlencode %s | jq -e %s",
		promPort, shellQuote("query="+query), shellQuote(`.data.result[0].value[1] == "1"`)), 300)
	header := []string{
		fmt.Sprintf("%s's Prometheus scrapes the node exporter of %s: %s is 1 in Prometheus's API", server.Name(), agent.Name(), query),
	}
	key, admin := t.svc.Def.Secret("grafana-secret-key"), t.svc.Def.Secret("grafana-admin-password")
	if key != nil && admin != nil {
		// Grafana cannot start before its credentials exist: it starts
		// again once they do, and makes its database with the password.
		grafanaPort := setting(server, "monitoring-server", "grafana_port")
		sc.comment("TEST-ONLY Grafana key and admin password where the fleet's secrets go on real machines: never a real secret")
		sc.succeed(server,
			"install -d -m 0755 "+shellQuote(path.Dir(key.File())),
			"printf %s "+shellQuote(testGrafanaKey)+" > "+shellQuote(key.File()),
			"printf %s "+shellQuote(testGrafanaPassword)+" > "+shellQuote(admin.File()),
			"chmod 0400 "+shellQuote(key.File())+" "+shellQuote(admin.File()),
			"systemctl reset-failed grafana.service; systemctl restart grafana.service")
		sc.unit(server, "grafana.service")
		sc.port(server, grafanaPort)
		sc.comment("Grafana read its admin password from systemd's credential: the admin logs in with it")
		sc.until(server, fmt.Sprintf("curl -fsS -u %s http://127.0.0.1:%v/api/org | jq -e '.id == 1'", shellQuote("admin:"+testGrafanaPassword), grafanaPort), 300)
		header = append(header, fmt.Sprintf("%s's Grafana starts with its key and admin password from the secrets' files (LoadCredential), and the admin logs in to its API with that password", server.Name()))
	}
	return header, map[string][]string{server.Name(): {"curl", "jq"}}
}

// logsScript: a journal line written on the agent arrives in the log
// server's Loki, labelled with the agent's host name.
func (g *generator) logsScript(sc *testScript, t *serviceTest) ([]string, map[string][]string) {
	server, agent := t.roles["server"][0], t.roles["agents"][0]
	port := setting(server, "log-server", "port")
	line := "shoal VM test: a journal line from " + agent.Name()
	sc.comment("the log server runs Loki; the agent, Alloy")
	sc.unit(server, "loki.service")
	sc.port(server, port)
	sc.unit(agent, "alloy.service")
	sc.comment(fmt.Sprintf("a journal line written on %s arrives in %s's Loki", agent.Name(), server.Name()))
	sc.succeed(agent, "echo "+shellQuote(line)+" | systemd-cat -t shoal-vm-test")
	query := fmt.Sprintf(`{host=%q} |= %q`, agent.Spec.Hostname, line)
	sc.until(server, fmt.Sprintf("curl -fsS -G http://127.0.0.1:%v/loki/api/v1/query_range --data-urlencode %s | jq -e %s",
		port, shellQuote("query="+query), shellQuote(".data.result | length > 0")), 300)
	return []string{
			fmt.Sprintf("a line %s writes to its journal is found in %s's Loki (query_range %s)", agent.Name(), server.Name(), query),
		},
		map[string][]string{server.Name(): {"curl", "jq"}}
}

// backupScript: the client backs a file up to the server's REST server
// with the wired repository and credentials (TEST-ONLY values where the
// fleet's secrets go), loses it, restores it and gets the same content.
func (g *generator) backupScript(sc *testScript, t *serviceTest) ([]string, map[string][]string) {
	server, client := t.roles["server"][0], t.roles["clients"][0]
	s := t.svc
	noAuth := s.Values["no_auth"] == true
	sc.comment("the backup server's REST server waits on its socket")
	sc.unit(server, "restic-rest-server.socket")
	if x := s.Def.Secret("restic-htpasswd"); x != nil && !noAuth {
		sc.comment("TEST-ONLY credentials where the fleet's secrets go on real machines: never a real secret")
		sum := sha1.Sum([]byte(testRESTPassword))
		entry := client.Spec.Hostname + ":{SHA}" + base64.StdEncoding.EncodeToString(sum[:])
		dir := path.Dir(x.File())
		sc.succeed(server,
			"install -d -m 0755 "+shellQuote(dir),
			"echo "+shellQuote(entry)+" > "+shellQuote(x.File()),
			"chown "+shellQuote(x.Owner)+" "+shellQuote(x.File()),
			"chmod 0400 "+shellQuote(x.File()))
	}
	password, environment := catalog.SecretPath("restic-password"), catalog.SecretPath("restic-environment")
	env := "# TEST-ONLY: the server takes anyone (no_auth)"
	if !noAuth {
		env = "RESTIC_REST_USERNAME=" + client.Spec.Hostname + "\nRESTIC_REST_PASSWORD=" + testRESTPassword
	}
	sc.comment("TEST-ONLY repository password and REST credentials of the client")
	sc.succeed(client,
		"install -d -m 0700 "+shellQuote(path.Dir(password)),
		"echo "+shellQuote(testResticPassword)+" > "+shellQuote(password),
		"printf '%s\\n' "+shellQuote(env)+" > "+shellQuote(environment),
		"chmod 0400 "+shellQuote(password)+" "+shellQuote(environment))
	sc.port(server, setting(server, "backup-server", "port"))

	dir := "/var/lib"
	var paths []string
	switch v := setting(client, "backup-client", "paths").(type) {
	case []string:
		paths = v
	case []any:
		for _, p := range v {
			if p, ok := p.(string); ok {
				paths = append(paths, p)
			}
		}
	}
	if len(paths) > 0 && strings.HasPrefix(paths[0], "/") {
		dir = strings.TrimSuffix(paths[0], "/")
	}
	dir += "/shoal-vm-test"
	file := dir + "/file"
	content := "shoal VM test: backed up by " + client.Name()
	restore := "/tmp/shoal-vm-test-restore"
	sc.comment(fmt.Sprintf("%s backs a file up to %s, loses it and restores it with the same content", client.Name(), server.Name()))
	sc.succeed(client, "mkdir -p "+shellQuote(dir), "echo "+shellQuote(content)+" > "+shellQuote(file))
	sc.succeed(client, "systemctl start restic-backups-shoal.service")
	sc.succeed(client, "rm -r "+shellQuote(dir))
	sc.succeed(client, "restic-shoal restore latest --target "+restore+" --include "+shellQuote(file))
	sc.line("restored = %s.succeed(%s)", pyName(client.Name()), pyString("cat "+shellQuote(restore+file)))
	sc.line("assert restored == %s, f\"the restored file holds {restored!r}\"", pyString(content+"\n"))
	return []string{
		fmt.Sprintf("%s backs up %s to %s's REST server (restic-backups-shoal.service), deletes it, restores it with restic-shoal and gets the same content", client.Name(), file, server.Name()),
	}, nil
}

// loadBalancerScript: the frontend serves each backend's page (a
// TEST-ONLY page server on the backend port stands in for the backends'
// application) and, when one backend stops, the other's only.
func (g *generator) loadBalancerScript(b *nodes, sc *testScript, t *serviceTest) ([]string, map[string][]string, map[string][]nixlit.Binding) {
	s := t.svc
	frontend, backends := t.roles["frontends"][0], t.roles["backends"]
	port := setting(frontend, "load-balancer", "port")
	backendPort := s.Values["backend_port"]
	health, _ := setting(frontend, "load-balancer", "health_path").(string)
	cert, _ := s.Values["certificate"].(string)
	email, _ := s.Values["acme_email"].(string)
	if domain := g.rf.DNSName(frontend.Spec); email != "" && domain != "" {
		cert = "/var/lib/acme/" + domain + "/full.pem"
	}
	url := fmt.Sprintf("http://127.0.0.1:%v/", port)
	curl := "curl -fsS --max-time 5 "
	tools := map[string][]string{frontend.Name(): {"curl"}}
	if cert != "" {
		url = fmt.Sprintf("https://127.0.0.1:%v/", port)
		curl += "-k "
		tools[frontend.Name()] = []string{"curl", "openssl"}
	}
	page := func(m *resolve.Machine) string { return "shoal VM test: the page of " + m.Name() }

	extra := map[string][]nixlit.Binding{}
	for _, m := range backends {
		// A page server on the backend port stands in for the backends'
		// application, which the fleet's own features bring.
		files := "mkdir -p /run/shoal-vm-test-page && cd /run/shoal-vm-test-page && echo " + shellQuote(page(m)) + " > index.html"
		if health != "" {
			h := strings.SplitN(health, "?", 2)[0]
			if d := path0dir(h); d != "" {
				files += " && mkdir -p " + shellQuote("."+d)
			}
			if h != "/" {
				files += " && echo ok > " + shellQuote("."+h)
			}
		}
		svc := set(
			bind(nstr("TEST-ONLY stand-in for the backends' application: a page naming the backend"), "description"),
			bind(b.data([]any{"multi-user.target"}), "wantedBy"),
			bind(nstr(files), "preStart"),
			bind(&nixlit.Interp{Parts: []any{sel("pkgs", "python3"), fmt.Sprintf("/bin/python3 -m http.server %v --bind :: --directory /run/shoal-vm-test-page", backendPort)}}, "script"),
		)
		extra[m.Name()] = []nixlit.Binding{{
			Path:     []string{"systemd", "services", "shoal-vm-test-page"},
			Value:    svc,
			Comments: []string{"TEST-ONLY: serves a page naming this backend on the backend port, where the fleet's application serves."},
		}}
	}

	for _, m := range backends {
		sc.unit(m, "shoal-vm-test-page.service")
		sc.port(m, backendPort)
	}
	if cert != "" {
		sc.comment("TEST-ONLY self-signed certificate where the frontend reads its certificate and key")
		sc.succeed(frontend,
			"install -d "+shellQuote(path.Dir(cert)),
			"test -s "+shellQuote(cert)+" || (openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=shoal-vm-test -keyout /tmp/shoal-vm-test.key -out /tmp/shoal-vm-test.crt && cat /tmp/shoal-vm-test.crt /tmp/shoal-vm-test.key > "+shellQuote(cert)+")",
			"systemctl restart haproxy.service")
	}
	sc.unit(frontend, "haproxy.service")
	sc.port(frontend, port)
	var asserts []string
	for _, m := range backends {
		sc.comment(fmt.Sprintf("the load balancer serves the page of %s", m.Name()))
		sc.until(frontend, curl+url+" | grep -qxF "+shellQuote(page(m)), 120)
	}
	if len(backends) == 1 {
		asserts = append(asserts, fmt.Sprintf("%s serves the page of %s on port %v (one backend: no failover to test)", frontend.Name(), backends[0].Name(), port))
		return asserts, tools, extra
	}
	stopped, other := backends[0], backends[1]
	asserts = append(asserts, fmt.Sprintf("%s serves the pages of %s and %s on port %v", frontend.Name(), stopped.Name(), other.Name(), port))
	sc.comment(fmt.Sprintf("%s stops serving: the load balancer fails over to %s, every request answered", stopped.Name(), other.Name()))
	sc.succeed(stopped, "systemctl stop shoal-vm-test-page.service")
	sc.until(frontend, fmt.Sprintf("for i in 1 2 3 4 5 6; do %s%s | grep -qxF %s || exit 1; done", curl, url, shellQuote(page(other))), 120)
	asserts = append(asserts, fmt.Sprintf("when %s stops serving, six requests in a row get the page of %s", stopped.Name(), other.Name()))
	return asserts, tools, extra
}

// path0dir is the directory part of a URL path, "" for a top-level one.
func path0dir(p string) string {
	if i := strings.LastIndex(p, "/"); i > 0 {
		return p[:i]
	}
	return ""
}
