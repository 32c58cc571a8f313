package gen

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"path"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/shoal-nix/shoal/internal/diag"
	"github.com/shoal-nix/shoal/internal/fleet"
	"github.com/shoal-nix/shoal/internal/genfs"
	"github.com/shoal-nix/shoal/internal/layout"
	"github.com/shoal-nix/shoal/internal/nixlit"
	"github.com/shoal-nix/shoal/internal/resolve"
)

// Where the monitoring files meet the machines: the node exporter's
// textfile directory (the backup unit and shoal deploy write there), and
// where Alertmanager finds the SMTP password: systemd's copy of the
// monitoring service's secret smtp-password (Alertmanager runs as a
// DynamicUser, which no file on disk can be owned by).
const (
	metricsTextfileDir = "/var/lib/shoal/metrics"
	smtpCredential     = "/run/credentials/alertmanager.service/smtp-password"
	alertmanagerAddr   = "127.0.0.1:9093"
	// blackboxAddr is where the monitoring server's blackbox exporter
	// listens: Prometheus asks it to probe the fleet's TLS endpoints.
	blackboxHost       = "127.0.0.1"
	blackboxPort int64 = 9115
)

// scrapeJob is one Prometheus scrape job whose targets come from a
// generated file_sd file.
type scrapeJob struct {
	Name        string
	MetricsPath string
	Groups      []targetGroup
	// Probe makes the job a blackbox exporter probe with this module: the
	// targets are what it probes, Prometheus scrapes the exporter.
	Probe string
}

// targetGroup is one entry of a file_sd file: one machine's target with
// the labels dashboards and alerts select on.
type targetGroup struct {
	Targets []string          `json:"targets"`
	Labels  map[string]string `json:"labels"`
}

// service returns the fleet's [services.NAME], or nil.
func (g *generator) service(name string) *resolve.Service {
	for _, s := range g.rf.Services {
		if s.Name() == name {
			return s
		}
	}
	return nil
}

// monitored returns the monitoring service when its server role names a
// machine with the monitoring server feature, and nil otherwise.
func (g *generator) monitored() *resolve.Service {
	s := g.service("monitoring")
	if s == nil || !g.used["monitoring-server"] || len(g.resolved(s, "server")) == 0 {
		return nil
	}
	return s
}

// targetLabels are the labels of m's targets: its name, profile and tags
// (",a,b,", so that tags=~".*,web,.*" selects one).
func targetLabels(m *resolve.Machine) map[string]string {
	l := map[string]string{"machine": m.Name(), "profile": ""}
	if m.Profile != nil {
		l["profile"] = m.Profile.Name
	}
	var tags []string
	for _, t := range m.Spec.Tags {
		tags = append(tags, t.Value)
	}
	sort.Strings(tags)
	l["tags"] = ","
	if len(tags) > 0 {
		l["tags"] = "," + strings.Join(tags, ",") + ","
	}
	return l
}

// scrapeJobs returns the scrape jobs the fleet's services give, sorted by
// name: every agent's node exporter, the monitoring server's Prometheus,
// the load balancers' HAProxy exporter and the log server's Loki.
func (g *generator) scrapeJobs() []scrapeJob {
	mon := g.monitored()
	if mon == nil {
		return nil
	}
	server := g.resolved(mon, "server")[0]
	var jobs []scrapeJob
	add := func(name, path string, ms []*resolve.Machine, feature, setting string) {
		job := scrapeJob{Name: name, MetricsPath: path}
		for _, m := range ms {
			if port := featureSetting(m, feature, setting); port != nil {
				job.Groups = append(job.Groups, targetGroup{Targets: []string{hostPort(g.hostFor(server.Spec, m.Spec), port)}, Labels: targetLabels(m)})
			}
		}
		if len(job.Groups) > 0 {
			jobs = append(jobs, job)
		}
	}
	add("node", "", g.resolved(mon, "agents"), "monitoring-agent", "port")
	add("prometheus", "", g.resolved(mon, "server")[:1], "monitoring-server", "port")
	if lb := g.service("load_balancer"); lb != nil {
		add("haproxy", "/metrics", g.resolved(lb, "frontends"), "load-balancer", "stats_port")
	}
	if logs := g.service("logs"); logs != nil {
		add("loki", "", g.resolved(logs, "server"), "log-server", "port")
	}
	if tls := g.tlsTargets(); len(tls) > 0 {
		jobs = append(jobs, scrapeJob{Name: "tls", MetricsPath: "/probe", Groups: tls, Probe: "tls"})
	}
	sort.Slice(jobs, func(i, j int) bool { return jobs[i].Name < jobs[j].Name })
	return jobs
}

// tlsTargets returns the endpoints where the fleet serves TLS, for the
// blackbox exporter to probe: each load balancer frontend with a
// certificate or ACME, by its DNS name (the name its certificate is for)
// and the port it serves on.
func (g *generator) tlsTargets() []targetGroup {
	lb := g.service("load_balancer")
	if lb == nil || strValue(lb, "certificate") == "" && strValue(lb, "acme_email") == "" {
		return nil
	}
	server := g.resolved(g.monitored(), "server")[0]
	var out []targetGroup
	for _, m := range g.resolved(lb, "frontends") {
		port := featureSetting(m, "load-balancer", "port")
		if port == nil {
			continue
		}
		host := g.rf.DNSName(m.Spec)
		if host == "" {
			host = g.hostFor(server.Spec, m.Spec)
		}
		out = append(out, targetGroup{Targets: []string{hostPort(host, port)}, Labels: targetLabels(m)})
	}
	return out
}

// blackboxConfig is the blackbox exporter's configuration: the tls module
// opens a TCP connection and completes a TLS handshake, verifying the
// certificate against the system's roots and the target's name, which
// exports probe_ssl_earliest_cert_expiry.
func blackboxConfig() map[string]any {
	return map[string]any{"modules": map[string]any{
		"tls": map[string]any{
			"prober":  "tcp",
			"timeout": "10s",
			"tcp":     map[string]any{"tls": true},
		},
	}}
}

// probeRelabel turns a probe job's target into the blackbox exporter's
// target parameter and instance label, and scrapes the exporter.
func probeRelabel() []any {
	return []any{
		map[string]any{"source_labels": []any{"__address__"}, "target_label": "__param_target"},
		map[string]any{"source_labels": []any{"__param_target"}, "target_label": "instance"},
		map[string]any{"target_label": "__address__", "replacement": hostPort(blackboxHost, blackboxPort)},
	}
}

// monitoring writes the monitoring server's plain files: the scrape
// targets, the alert rules, Alertmanager's configuration and the fleet
// dashboard. Nothing when the fleet has no monitoring server.
func (g *generator) monitoring() error {
	s := g.monitored()
	if s == nil {
		return nil
	}
	o := Origin{Kind: FromServices, File: g.rf.Spec.File, Path: diag.P("services", "monitoring")}
	jobs := g.scrapeJobs()
	for _, job := range jobs {
		if err := g.writeYAML(layout.ScrapeTargets(job.Name), job.Groups, o, "The "+job.Name+" scrape job's targets, one per machine, with its machine, profile and tags."); err != nil {
			return err
		}
	}
	if err := g.writeYAML(layout.AlertRules, g.alertRules(s), o, "Alert rules of the fleet; thresholds from [services.monitoring]."); err != nil {
		return err
	}
	if err := g.writeYAML(layout.AlertmanagerConf, alertmanagerConfig(s), o, "Alertmanager's routes and receivers from [services.monitoring]."); err != nil {
		return err
	}
	for _, job := range jobs {
		if job.Probe != "" {
			if err := g.writeYAML(layout.BlackboxConf, blackboxConfig(), o, "The blackbox exporter's probe modules: tls checks the certificates the fleet serves."); err != nil {
				return err
			}
			break
		}
	}
	dash, err := jsonWithCommentFirst(fleetDashboard(jobs))
	if err != nil {
		return fmt.Errorf("generate %s: %w", layout.FleetDashboard, err)
	}
	return g.put(File{Path: layout.FleetDashboard, Data: dash, Origin: o})
}

// writeYAML stores v as YAML: a comment header, then v as indented JSON,
// which every YAML reader takes as it is.
func (g *generator) writeYAML(p string, v any, o Origin, about string) error {
	var b bytes.Buffer
	fmt.Fprintf(&b, "# %s\n# %s\n", genfs.Notice, about)
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false) // PromQL's < and > stay readable
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("generate %s: %w", p, err)
	}
	return g.put(File{Path: p, Data: b.Bytes(), Origin: o})
}

// intValue is the integer value of s's option name.
func intValue(s *resolve.Service, name string) int64 {
	switch v := s.Values[name].(type) {
	case int64:
		return v
	case int:
		return int64(v)
	}
	return 0
}

func strValue(s *resolve.Service, name string) string {
	v, _ := s.Values[name].(string)
	return v
}

type ruleGroup struct {
	Name  string `json:"name"`
	Rules []rule `json:"rules"`
}

type rule struct {
	Alert       string            `json:"alert"`
	Expr        string            `json:"expr"`
	For         string            `json:"for,omitempty"`
	Labels      map[string]string `json:"labels"`
	Annotations map[string]string `json:"annotations"`
}

func alert(name, expr, forDur, severity, summary string) rule {
	return rule{Alert: name, Expr: expr, For: forDur, Labels: map[string]string{"severity": severity}, Annotations: map[string]string{"summary": summary}}
}

// realFS leaves out the file systems that fill by design or not at all.
const realFS = `fstype!~"tmpfs|ramfs|squashfs|overlay",mountpoint!~"/nix/store|/boot.*"`

// alertRules returns the rule file: the host, backup, deploy, TLS and
// load balancer alerts, with the thresholds the monitoring options give.
func (g *generator) alertRules(s *resolve.Service) map[string][]ruleGroup {
	hosts := ruleGroup{Name: "shoal-hosts", Rules: []rule{
		alert("HostDown", `up{job="node"} == 0`, strValue(s, "host_down_after"), "critical",
			"{{ $labels.machine }} has not answered scrapes"),
		alert("DiskFillingUp",
			fmt.Sprintf(`predict_linear(node_filesystem_avail_bytes{%s}[6h], %d) < 0 and node_filesystem_readonly{%s} == 0`, realFS, intValue(s, "disk_full_hours")*3600, realFS),
			"30m", "warning",
			fmt.Sprintf("{{ $labels.mountpoint }} on {{ $labels.machine }} fills up within %dh at its current rate", intValue(s, "disk_full_hours"))),
		alert("DiskAlmostFull",
			fmt.Sprintf(`100 * node_filesystem_avail_bytes{%s} / node_filesystem_size_bytes{%s} < %d and node_filesystem_readonly{%s} == 0`, realFS, realFS, intValue(s, "disk_free_percent"), realFS),
			"5m", "critical",
			fmt.Sprintf("{{ $labels.mountpoint }} on {{ $labels.machine }} has less than %d%% free", intValue(s, "disk_free_percent"))),
		alert("SystemdUnitFailed", `node_systemd_unit_state{state="failed"} == 1`, "5m", "warning",
			"{{ $labels.name }} failed on {{ $labels.machine }}"),
		alert("MemoryPressure",
			fmt.Sprintf(`100 * node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes < %d`, intValue(s, "memory_available_percent")),
			"10m", "warning",
			fmt.Sprintf("{{ $labels.machine }} has less than %d%% of its memory available", intValue(s, "memory_available_percent"))),
		alert("DeployGenerationDrift", `shoal_system_generation != shoal_deploy_generation`, "15m", "warning",
			"{{ $labels.machine }} runs generation {{ $value }}, not the one shoal deployed last"),
	}}
	groups := []ruleGroup{hosts}
	if backup := g.backupRules(s); len(backup.Rules) > 0 {
		groups = append(groups, backup)
	}
	tls := ruleGroup{Name: "shoal-tls", Rules: []rule{
		alert("TLSProbeFailed", `probe_success{job="tls"} == 0`, "15m", "warning",
			"{{ $labels.instance }} does not complete a TLS handshake with a certificate the monitoring server trusts"),
		alert("CertificateExpiry",
			fmt.Sprintf(`probe_ssl_earliest_cert_expiry - time() < %d`, intValue(s, "cert_expiry_days")*86400),
			"1h", "warning",
			fmt.Sprintf("the certificate {{ $labels.instance }} serves expires within %d days", intValue(s, "cert_expiry_days"))),
	}}
	groups = append(groups, tls)
	if g.service("load_balancer") != nil && len(g.resolved(g.service("load_balancer"), "frontends")) > 0 {
		groups = append(groups, ruleGroup{Name: "shoal-load-balancer", Rules: []rule{
			alert("BackendDown", `haproxy_server_status{state="DOWN"} == 1`, "2m", "critical",
				"backend {{ $labels.server }} of {{ $labels.proxy }} on {{ $labels.machine }} is down"),
		}})
	}
	return map[string][]ruleGroup{"groups": groups}
}

// backupRules alerts when a client's last good backup is older than its
// schedule allows (two periods and the timer's hour of random delay), when
// a client that answers scrapes has reported no good backup at all for as
// long, when its last run failed, when a repository check failed, and when
// the check stopped running or never ran within its own schedule's
// allowance.
func (g *generator) backupRules(s *resolve.Service) ruleGroup {
	group := ruleGroup{Name: "shoal-backup"}
	b := g.service("backup")
	if b == nil {
		return group
	}
	clients := g.resolved(b, "clients")
	if len(clients) == 0 {
		return group
	}
	// byAge groups the clients by how old a setting's calendar lets the
	// last run be; the allowed age is a label too: it tells the rules apart.
	byAge := func(setting string, each func(age time.Duration, machines string) []rule) {
		machines := map[time.Duration][]string{}
		for _, m := range clients {
			schedule, _ := featureSetting(m, "backup-client", setting).(string)
			age := maxBackupAge(schedule)
			machines[age] = append(machines[age], regexp.QuoteMeta(m.Name()))
		}
		for _, age := range slices.Sorted(maps.Keys(machines)) {
			for _, r := range each(age, strings.Join(machines[age], "|")) {
				r.Labels["allowed_age"] = fmt.Sprintf("%dh", int64(age/time.Hour))
				group.Rules = append(group.Rules, r)
			}
		}
	}
	// scraped is the clients of a group whose node exporter answers: a
	// metric they never wrote is missing from them, not from a machine
	// that is down (HostDown says that).
	scraped := func(machines string) string { return fmt.Sprintf(`up{job="node",machine=~"%s"} == 1`, machines) }
	byAge("schedule", func(age time.Duration, machines string) []rule {
		hours := int64(age / time.Hour)
		return []rule{
			alert("BackupTooOld",
				fmt.Sprintf(`time() - shoal_backup_last_success_timestamp_seconds{machine=~"%s"} > %d`, machines, int64(age/time.Second)),
				"", "critical",
				fmt.Sprintf("{{ $labels.machine }} has no good backup in the last %dh, more than its schedule allows", hours)),
			alert("BackupMissing",
				scraped(machines)+" unless on(machine) shoal_backup_last_success_timestamp_seconds",
				promDuration(age), "critical",
				fmt.Sprintf("{{ $labels.machine }} has reported no good backup for %dh: its backup never ran or never succeeded", hours)),
		}
	})
	group.Rules = append(group.Rules,
		alert("BackupFailed", `shoal_backup_success == 0`, "", "warning", "the last backup of {{ $labels.machine }} failed"),
		alert("BackupCheckFailed", `shoal_backup_check_success == 0`, "", "critical", "restic check of the repository of {{ $labels.machine }} failed"))
	byAge("check_schedule", func(age time.Duration, machines string) []rule {
		hours := int64(age / time.Hour)
		return []rule{
			alert("BackupCheckTooOld",
				fmt.Sprintf(`time() - shoal_backup_check_last_run_timestamp_seconds{machine=~"%s"} > %d`, machines, int64(age/time.Second)),
				"", "warning",
				fmt.Sprintf("restic check of the repository of {{ $labels.machine }} has not run in the last %dh, more than its check_schedule allows", hours)),
			alert("BackupCheckMissing",
				scraped(machines)+" unless on(machine) shoal_backup_check_last_run_timestamp_seconds",
				promDuration(age), "warning",
				fmt.Sprintf("restic check of the repository of {{ $labels.machine }} has not reported for %dh: it never ran", hours)),
		}
	})
	return group
}

// promDuration writes d as a Prometheus duration in whole hours.
func promDuration(d time.Duration) string { return fmt.Sprintf("%dh", int64(d/time.Hour)) }

// calendarPeriods are systemd's calendar shorthands and how often they fire.
var calendarPeriods = map[string]time.Duration{
	"minutely": time.Minute, "hourly": time.Hour, "daily": 24 * time.Hour,
	"weekly": 7 * 24 * time.Hour, "monthly": 31 * 24 * time.Hour,
	"quarterly": 92 * 24 * time.Hour, "semiannually": 183 * 24 * time.Hour,
	"yearly": 366 * 24 * time.Hour, "annually": 366 * 24 * time.Hour,
}

// calendarPeriod is the longest time between two runs of a systemd
// calendar, as far as a quick reading tells: a shorthand's period; a
// day of the week makes it weekly, a day of the month monthly, a month
// yearly; a wildcard hour hourly; otherwise daily. An upper bound, so
// that alerts built on it never fire early: "Mon..Fri" counts as weekly.
// A calendar it cannot read counts as daily.
func calendarPeriod(calendar string) time.Duration {
	calendar = strings.TrimSpace(calendar)
	if p, ok := calendarPeriods[calendar]; ok {
		return p
	}
	fields := strings.Fields(calendar)
	if len(fields) == 0 {
		return 24 * time.Hour
	}
	weekday := false
	if f := strings.ToLower(fields[0]); len(f) >= 3 && strings.Contains("mon tue wed thu fri sat sun", f[:3]) {
		weekday, fields = true, fields[1:]
	}
	date, clock := "*-*-*", ""
	for _, f := range fields {
		switch {
		case strings.Contains(f, "-"):
			date = f
		case strings.Contains(f, ":"):
			clock = f
		}
	}
	parts := strings.Split(date, "-")
	if len(parts) == 2 { // MM-DD
		parts = append([]string{"*"}, parts...)
	}
	if len(parts) != 3 {
		return 24 * time.Hour
	}
	fixed := func(p string) bool { return p != "*" && !strings.ContainsAny(p, ",/.") }
	switch {
	case fixed(parts[0]):
		return 366 * 24 * time.Hour // one year: it never comes again, but alert as if yearly
	case fixed(parts[1]):
		return 366 * 24 * time.Hour
	case fixed(parts[2]) || parts[2] != "*":
		return 31 * 24 * time.Hour
	case weekday:
		return 7 * 24 * time.Hour
	case strings.HasPrefix(clock, "*:") || strings.HasPrefix(clock, "*/"):
		return time.Hour
	}
	return 24 * time.Hour
}

// maxBackupAge is how old the last run may be under a calendar: two
// periods and the hour of the timer's random delay.
func maxBackupAge(schedule string) time.Duration {
	return 2*calendarPeriod(schedule) + time.Hour
}

type amConfig struct {
	Global    map[string]string `json:"global,omitempty"`
	Route     map[string]any    `json:"route"`
	Receivers []map[string]any  `json:"receivers"`
}

// alertmanagerConfig routes every alert, grouped by alert and machine, to
// the receiver the monitoring options give: mail to alert_email through
// smtp_server, a webhook; with neither, alerts show in Alertmanager only.
func alertmanagerConfig(s *resolve.Service) amConfig {
	c := amConfig{
		Route: map[string]any{
			"receiver":        "fleet",
			"group_by":        []string{"alertname", "machine"},
			"group_wait":      "30s",
			"group_interval":  "5m",
			"repeat_interval": "4h",
		},
	}
	recv := map[string]any{"name": "fleet"}
	if to := strValue(s, "alert_email"); to != "" {
		c.Global = map[string]string{"smtp_smarthost": strValue(s, "smtp_server"), "smtp_from": strValue(s, "smtp_from")}
		if c.Global["smtp_from"] == "" {
			c.Global["smtp_from"] = to
		}
		if user := strValue(s, "smtp_user"); user != "" {
			c.Global["smtp_auth_username"] = user
			c.Global["smtp_auth_password_file"] = smtpCredential
		}
		recv["email_configs"] = []map[string]any{{"to": to, "send_resolved": true}}
	}
	if hook := strValue(s, "alert_webhook"); hook != "" {
		recv["webhook_configs"] = []map[string]any{{"url": hook, "send_resolved": true}}
	}
	c.Receivers = []map[string]any{recv}
	return c
}

// monitoringWiring points the monitoring server at the generated files:
// scrape jobs from the target files, the rule file, Alertmanager with its
// configuration, and Grafana's data sources and dashboards.
func monitoringWiring(g *generator, b *nodes, s *resolve.Service, role string, from *fleet.Machine) []nixlit.Binding {
	if role != "server" {
		return nil
	}
	file := layout.Services
	var jobs []nixlit.Node
	probes := false
	for _, job := range g.scrapeJobs() {
		j := set(
			bind(nstr(job.Name), "job_name"),
			bind(list(set(bind(list(&nixlit.Interp{Parts: []any{rel(file, layout.ScrapeTargets(job.Name))}}), "files"))), "file_sd_configs"),
		)
		if job.MetricsPath != "" {
			j.Bindings = append(j.Bindings, bind(nstr(job.MetricsPath), "metrics_path"))
		}
		if job.Probe != "" {
			j.Bindings = append(j.Bindings,
				bind(b.data(map[string]any{"module": []any{job.Probe}}), "params"),
				bind(b.data(probeRelabel()), "relabel_configs"))
			probes = true
		}
		jobs = append(jobs, j)
	}
	prom := func(p ...string) []string { return append([]string{"services", "prometheus"}, p...) }
	out := []nixlit.Binding{
		bind(list(jobs...), prom("scrapeConfigs")...),
		bind(list(rel(file, layout.AlertRules)), prom("ruleFiles")...),
		bind(b.data([]any{map[string]any{"static_configs": []any{map[string]any{"targets": []any{alertmanagerAddr}}}}}), prom("alertmanagers")...),
		bind(nixlit.Bool(true), prom("alertmanager", "enable")...),
		bind(b.data("127.0.0.1"), prom("alertmanager", "listenAddress")...),
		bind(call(sel("builtins", "readFile"), rel(file, layout.AlertmanagerConf)), prom("alertmanager", "configText")...),
	}
	if probes {
		blackbox := func(p ...string) []string { return prom(append([]string{"exporters", "blackbox"}, p...)...) }
		out = append(out,
			bind(nixlit.Bool(true), blackbox("enable")...),
			bind(b.data(blackboxHost), blackbox("listenAddress")...),
			bind(b.data(blackboxPort), blackbox("port")...),
			bind(rel(file, layout.BlackboxConf), blackbox("configFile")...),
		)
	}
	if x := s.Def.Secret("smtp-password"); x != nil && strValue(s, "smtp_user") != "" {
		out = append(out, bind(b.data([]any{path.Base(smtpCredential) + ":" + x.File()}), "systemd", "services", "alertmanager", "serviceConfig", "LoadCredential"))
	}
	datasources := []any{map[string]any{"name": "Prometheus", "uid": "prometheus", "type": "prometheus", "url": "http://127.0.0.1:" + fmt.Sprint(featureSetting(g.resolved(s, "server")[0], "monitoring-server", "port")), "isDefault": true}}
	if logs := g.service("logs"); logs != nil {
		if loki, ok := g.endpoint(logs, "server", from); ok {
			datasources = append(datasources, map[string]any{"name": "Loki", "uid": "loki", "type": "loki", "url": "http://" + loki})
		}
	}
	grafana := func(p ...string) []string { return append([]string{"services", "grafana", "provision"}, p...) }
	out = append(out,
		bind(nixlit.Bool(true), grafana("enable")...),
		bind(b.data(datasources), grafana("datasources", "settings", "datasources")...),
		bind(list(set(bind(nstr("shoal"), "name"), bind(rel(file, layout.DashboardsDir), "options", "path"))), grafana("dashboards", "settings", "providers")...),
	)
	return out
}

// resolved returns the machines of a role of s, resolved, in file order.
func (g *generator) resolved(s *resolve.Service, role string) []*resolve.Machine {
	var out []*resolve.Machine
	for _, m := range s.Members(role) {
		out = append(out, g.rf.Machine(m.Name))
	}
	return out
}

// featureSetting is the value on m of a setting of feature, or nil.
func featureSetting(m *resolve.Machine, feature, setting string) any {
	if f := m.Feature(feature); f != nil {
		if v := f.Value(setting); v != nil {
			return v.Value
		}
	}
	return nil
}
