package gen_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/shoal-nix/shoal/internal/layout"
)

// needTool returns the path of a real tool the test judges generated files
// with. Without it the test is skipped, except under CI=true, where .ci/run
// installs it and its absence is a failure.
func needTool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is not installed; .ci/run installs it", name)
		}
		t.Skipf("%s is not installed", name)
	}
	return p
}

// runTool runs a real tool and fails the test with its output when it
// exits non-zero.
func runTool(t *testing.T, dir, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

// monitoredFleet generates the golden fleet name into a temporary
// directory and returns that directory; the fleet must have a monitoring
// server.
func monitoredFleet(t *testing.T, name string) string {
	t.Helper()
	out := t.TempDir()
	writeFlake(t, out, generate(t, filepath.Join(goldenDir, name, "fleet")))
	if _, err := os.Stat(filepath.Join(out, layout.AlertRules)); err != nil {
		t.Fatalf("%s: no alert rules generated: %v", name, err)
	}
	return out
}

// monitoredFleets are the golden fleets with a monitoring server.
var monitoredFleets = []string{"homelab", "public-edge", "services"}

// scrapeJobs returns the generated scrape jobs of the flake at dir: each
// target file's job name and absolute path.
func scrapeJobs(t *testing.T, dir string) map[string]string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, layout.ScrapeTargetsDir, "*.yml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no scrape target files in %s: %v", layout.ScrapeTargetsDir, err)
	}
	jobs := map[string]string{}
	for _, f := range files {
		jobs[strings.TrimSuffix(filepath.Base(f), ".yml")] = f
	}
	return jobs
}

func TestPromtoolCheckRulesAndConfig(t *testing.T) {
	promtool := needTool(t, "promtool")
	for _, name := range monitoredFleets {
		t.Run(name, func(t *testing.T) {
			dir := monitoredFleet(t, name)
			rules := filepath.Join(dir, layout.AlertRules)
			out := runTool(t, dir, promtool, "check", "rules", rules)
			if !strings.Contains(out, "SUCCESS") {
				t.Errorf("promtool check rules: %s", out)
			}
			// The configuration the monitoring server gets: the rule file,
			// Alertmanager, a job per target file (as modules/services/defaults.nix).
			var jobs []any
			for _, job := range slices.Sorted(maps.Keys(scrapeJobs(t, dir))) {
				j := map[string]any{"job_name": job, "file_sd_configs": []any{map[string]any{"files": []string{scrapeJobs(t, dir)[job]}}}}
				if job == "tls" { // a blackbox probe, as monitoring.go writes it
					j["metrics_path"] = "/probe"
					j["params"] = map[string]any{"module": []string{"tls"}}
					j["relabel_configs"] = []any{
						map[string]any{"source_labels": []string{"__address__"}, "target_label": "__param_target"},
						map[string]any{"source_labels": []string{"__param_target"}, "target_label": "instance"},
						map[string]any{"target_label": "__address__", "replacement": "127.0.0.1:9115"},
					}
				}
				jobs = append(jobs, j)
			}
			config := map[string]any{
				"global":         map[string]any{"scrape_interval": "1m"},
				"rule_files":     []string{rules},
				"alerting":       map[string]any{"alertmanagers": []any{map[string]any{"static_configs": []any{map[string]any{"targets": []string{"127.0.0.1:9093"}}}}}},
				"scrape_configs": jobs,
			}
			writeJSON(t, filepath.Join(dir, "prometheus.yml"), config)
			out = runTool(t, dir, promtool, "check", "config", filepath.Join(dir, "prometheus.yml"))
			if !strings.Contains(out, "SUCCESS") {
				t.Errorf("promtool check config: %s", out)
			}
		})
	}
}

func TestAmtoolCheckConfig(t *testing.T) {
	amtool := needTool(t, "amtool")
	for _, name := range monitoredFleets {
		t.Run(name, func(t *testing.T) {
			dir := monitoredFleet(t, name)
			out := runTool(t, dir, amtool, "check-config", filepath.Join(dir, layout.AlertmanagerConf))
			if !strings.Contains(out, "SUCCESS") {
				t.Errorf("amtool check-config: %s", out)
			}
		})
	}
	// The services fleet mails and posts its alerts.
	data, err := os.ReadFile(filepath.Join(goldenDir, "services", "want", layout.AlertmanagerConf))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"to": "ops@example.net"`, `"url": "https://hooks.example.net/alerts"`, `"smtp_auth_password_file"`} {
		if !strings.Contains(string(data), want) {
			t.Errorf("the services fleet's Alertmanager configuration lacks %s", want)
		}
	}
}

// alertCase is a promtool unit test of one alert: series under which it
// fires, with the labels it fires with, and series under which it stays
// silent.
type alertCase struct {
	alert          string
	at             string
	firing, silent []series
	labels         map[string]string // of the firing alert, beside alertname
	summary        string            // its summary annotation
}

type series struct{ name, values string }

// alertCases fire every alert of the services fleet and keep each silent on
// healthy series. Thresholds are the fleet's: disk_free_percent 15, the
// others their defaults; app2 backs up hourly (3h allowed), app1 daily.
var alertCases = []alertCase{{
	alert: "HostDown", at: "10m",
	firing:  []series{{`up{job="node",machine="app1"}`, "0x15"}},
	silent:  []series{{`up{job="node",machine="app1"}`, "1x15"}},
	labels:  map[string]string{"job": "node", "machine": "app1", "severity": "critical"},
	summary: "app1 has not answered scrapes",
}, {
	alert: "DiskAlmostFull", at: "10m",
	firing: []series{
		{`node_filesystem_avail_bytes{machine="app1",mountpoint="/",fstype="ext4"}`, "10x15"},
		{`node_filesystem_size_bytes{machine="app1",mountpoint="/",fstype="ext4"}`, "100x15"},
		{`node_filesystem_readonly{machine="app1",mountpoint="/",fstype="ext4"}`, "0x15"},
	},
	silent: []series{
		{`node_filesystem_avail_bytes{machine="app1",mountpoint="/",fstype="ext4"}`, "20x15"},
		{`node_filesystem_size_bytes{machine="app1",mountpoint="/",fstype="ext4"}`, "100x15"},
		{`node_filesystem_readonly{machine="app1",mountpoint="/",fstype="ext4"}`, "0x15"},
		{`node_filesystem_avail_bytes{machine="app1",mountpoint="/run",fstype="tmpfs"}`, "1x15"},
		{`node_filesystem_size_bytes{machine="app1",mountpoint="/run",fstype="tmpfs"}`, "100x15"},
		{`node_filesystem_readonly{machine="app1",mountpoint="/run",fstype="tmpfs"}`, "0x15"},
	},
	labels:  map[string]string{"machine": "app1", "mountpoint": "/", "fstype": "ext4", "severity": "critical"},
	summary: "/ on app1 has less than 15% free",
}, {
	alert: "DiskFillingUp", at: "60m",
	firing: []series{
		{`node_filesystem_avail_bytes{machine="app1",mountpoint="/",fstype="ext4"}`, "100000000000-1000000000x70"},
		{`node_filesystem_readonly{machine="app1",mountpoint="/",fstype="ext4"}`, "0x70"},
	},
	silent: []series{
		{`node_filesystem_avail_bytes{machine="app1",mountpoint="/",fstype="ext4"}`, "100000000000-1000x70"},
		{`node_filesystem_readonly{machine="app1",mountpoint="/",fstype="ext4"}`, "0x70"},
	},
	labels:  map[string]string{"machine": "app1", "mountpoint": "/", "fstype": "ext4", "severity": "warning"},
	summary: "/ on app1 fills up within 24h at its current rate",
}, {
	alert: "SystemdUnitFailed", at: "10m",
	firing:  []series{{`node_systemd_unit_state{machine="app1",name="nginx.service",state="failed"}`, "1x15"}},
	silent:  []series{{`node_systemd_unit_state{machine="app1",name="nginx.service",state="failed"}`, "0x15"}},
	labels:  map[string]string{"machine": "app1", "name": "nginx.service", "state": "failed", "severity": "warning"},
	summary: "nginx.service failed on app1",
}, {
	alert: "MemoryPressure", at: "15m",
	firing: []series{
		{`node_memory_MemAvailable_bytes{machine="app1"}`, "5x20"},
		{`node_memory_MemTotal_bytes{machine="app1"}`, "100x20"},
	},
	silent: []series{
		{`node_memory_MemAvailable_bytes{machine="app1"}`, "40x20"},
		{`node_memory_MemTotal_bytes{machine="app1"}`, "100x20"},
	},
	labels:  map[string]string{"machine": "app1", "severity": "warning"},
	summary: "app1 has less than 10% of its memory available",
}, {
	alert: "DeployGenerationDrift", at: "20m",
	firing: []series{
		{`shoal_system_generation{machine="app1"}`, "41x25"},
		{`shoal_deploy_generation{machine="app1"}`, "42x25"},
	},
	silent: []series{
		{`shoal_system_generation{machine="app1"}`, "42x25"},
		{`shoal_deploy_generation{machine="app1"}`, "42x25"},
	},
	labels:  map[string]string{"machine": "app1", "severity": "warning"},
	summary: "app1 runs generation 41, not the one shoal deployed last",
}, {
	// Both last backed up at time 0; at 4h app2 (hourly) is late, app1
	// (daily) is not.
	alert: "BackupTooOld", at: "4h",
	firing:  []series{{`shoal_backup_last_success_timestamp_seconds{machine="app2"}`, "0x300"}},
	silent:  []series{{`shoal_backup_last_success_timestamp_seconds{machine="app1"}`, "0x300"}},
	labels:  map[string]string{"machine": "app2", "severity": "critical", "allowed_age": "3h"},
	summary: "app2 has no good backup in the last 3h, more than its schedule allows",
}, {
	// app2 (hourly: 3h allowed) answers scrapes but never wrote a good
	// backup; app1 (daily: 49h) is not late yet, nor is app2 once it has one.
	alert: "BackupMissing", at: "4h",
	firing: []series{{`up{job="node",machine="app2"}`, "1x300"}},
	silent: []series{
		{`up{job="node",machine="app2"}`, "1x300"},
		{`shoal_backup_last_success_timestamp_seconds{machine="app2"}`, "0+60x300"},
		{`up{job="node",machine="app1"}`, "1x300"},
	},
	labels:  map[string]string{"job": "node", "machine": "app2", "severity": "critical", "allowed_age": "3h"},
	summary: "app2 has reported no good backup for 3h: its backup never ran or never succeeded",
}, {
	// The weekly check (Sun 05:00, the default) may be 337h old: at 346h
	// one that last ran at time 0 is late, one that runs on time is not.
	alert: "BackupCheckTooOld", at: "346h",
	firing:  []series{{`shoal_backup_check_last_run_timestamp_seconds{machine="app1"}`, "0x20800"}},
	silent:  []series{{`shoal_backup_check_last_run_timestamp_seconds{machine="app1"}`, "0+60x20800"}},
	labels:  map[string]string{"machine": "app1", "severity": "warning", "allowed_age": "337h"},
	summary: "restic check of the repository of app1 has not run in the last 337h, more than its check_schedule allows",
}, {
	alert: "BackupCheckMissing", at: "346h",
	firing: []series{{`up{job="node",machine="app1"}`, "1x20800"}},
	silent: []series{
		{`up{job="node",machine="app1"}`, "1x20800"},
		{`shoal_backup_check_last_run_timestamp_seconds{machine="app1"}`, "0+60x20800"},
	},
	labels:  map[string]string{"job": "node", "machine": "app1", "severity": "warning", "allowed_age": "337h"},
	summary: "restic check of the repository of app1 has not reported for 337h: it never ran",
}, {
	alert: "BackupFailed", at: "5m",
	firing:  []series{{`shoal_backup_success{machine="app1"}`, "0x10"}},
	silent:  []series{{`shoal_backup_success{machine="app1"}`, "1x10"}},
	labels:  map[string]string{"machine": "app1", "severity": "warning"},
	summary: "the last backup of app1 failed",
}, {
	alert: "BackupCheckFailed", at: "5m",
	firing:  []series{{`shoal_backup_check_success{machine="app1"}`, "0x10"}},
	silent:  []series{{`shoal_backup_check_success{machine="app1"}`, "1x10"}},
	labels:  map[string]string{"machine": "app1", "severity": "critical"},
	summary: "restic check of the repository of app1 failed",
}, {
	alert: "TLSProbeFailed", at: "20m",
	firing:  []series{{`probe_success{job="tls",instance="app1.example.net:443"}`, "0x25"}},
	silent:  []series{{`probe_success{job="tls",instance="app1.example.net:443"}`, "1x25"}},
	labels:  map[string]string{"job": "tls", "instance": "app1.example.net:443", "severity": "warning"},
	summary: "app1.example.net:443 does not complete a TLS handshake with a certificate the monitoring server trusts",
}, {
	alert: "CertificateExpiry", at: "2h",
	firing:  []series{{`probe_ssl_earliest_cert_expiry{instance="https://app1.example.net"}`, "864000x150"}},
	silent:  []series{{`probe_ssl_earliest_cert_expiry{instance="https://app1.example.net"}`, "8640000x150"}},
	labels:  map[string]string{"instance": "https://app1.example.net", "severity": "warning"},
	summary: "the certificate https://app1.example.net serves expires within 14 days",
}, {
	alert: "BackendDown", at: "5m",
	firing:  []series{{`haproxy_server_status{machine="lb",proxy="shoal",server="app1",state="DOWN"}`, "1x10"}},
	silent:  []series{{`haproxy_server_status{machine="lb",proxy="shoal",server="app1",state="DOWN"}`, "0x10"}},
	labels:  map[string]string{"machine": "lb", "proxy": "shoal", "server": "app1", "state": "DOWN", "severity": "critical"},
	summary: "backend app1 of shoal on lb is down",
}}

func TestPromtoolTestRules(t *testing.T) {
	promtool := needTool(t, "promtool")
	dir := monitoredFleet(t, "services")
	rules := filepath.Join(dir, layout.AlertRules)

	// Every alert the fleet's rules hold has a case.
	var file struct {
		Groups []struct{ Rules []struct{ Alert string } }
	}
	readYAMLJSON(t, rules, &file)
	covered := map[string]bool{}
	for _, c := range alertCases {
		covered[c.alert] = true
	}
	for _, g := range file.Groups {
		for _, r := range g.Rules {
			if !covered[r.Alert] {
				t.Errorf("alert %s has no promtool unit test", r.Alert)
			}
		}
	}

	var tests []any
	for _, c := range alertCases {
		labels := map[string]string{}
		for k, v := range c.labels {
			labels[k] = v
		}
		tests = append(tests,
			unitTest(c.firing, c.alert, c.at, []any{map[string]any{"exp_labels": labels, "exp_annotations": map[string]string{"summary": c.summary}}}),
			unitTest(c.silent, c.alert, c.at, []any{}),
		)
	}
	p := filepath.Join(dir, "rules_test.yml")
	writeJSON(t, p, map[string]any{"rule_files": []string{rules}, "evaluation_interval": "1m", "tests": tests})
	out := runTool(t, dir, promtool, "test", "rules", p)
	if !strings.Contains(out, "SUCCESS") {
		t.Errorf("promtool test rules: %s", out)
	}
}

// TestPromtoolTestRulesCanFail holds the unit tests to account: a firing
// case that expects silence fails under promtool.
func TestPromtoolTestRulesCanFail(t *testing.T) {
	promtool := needTool(t, "promtool")
	dir := monitoredFleet(t, "services")
	c := alertCases[0]
	p := filepath.Join(dir, "wrong_test.yml")
	writeJSON(t, p, map[string]any{"rule_files": []string{filepath.Join(dir, layout.AlertRules)}, "evaluation_interval": "1m",
		"tests": []any{unitTest(c.firing, c.alert, c.at, []any{})}})
	cmd := exec.Command(promtool, "test", "rules", p)
	if out, err := cmd.CombinedOutput(); err == nil {
		t.Errorf("promtool test rules passed a test that expects %s silent while it fires:\n%s", c.alert, out)
	}
}

func unitTest(in []series, alert, at string, want []any) map[string]any {
	var input []any
	for _, s := range in {
		input = append(input, map[string]any{"series": s.name, "values": s.values})
	}
	return map[string]any{
		"interval":        "1m",
		"input_series":    input,
		"alert_rule_test": []any{map[string]any{"eval_time": at, "alertname": alert, "exp_alerts": want}},
	}
}

// exporterMetrics are the metrics of the exporters that no test here can
// run, by job: node exporter's cpu, meminfo, filesystem and systemd
// collectors (the names the node exporter documents), Prometheus and Loki
// by their prefixes. HAProxy's are read from a real HAProxy, the textfile
// metrics from the scripts that write them.
var exporterMetrics = map[string][]string{
	"node": {"node_cpu_seconds_total", "node_memory_MemAvailable_bytes", "node_memory_MemTotal_bytes",
		"node_filesystem_avail_bytes", "node_filesystem_size_bytes", "node_filesystem_readonly", "node_systemd_unit_state"},
}

// textfileMetrics returns the metric names the textfile writers declare
// ("# TYPE NAME gauge"): the catalog's backup and generation scripts and
// shoal deploy's record.
func textfileMetrics(t *testing.T) []string {
	t.Helper()
	var sources []string
	for _, glob := range []string{"../catalog/builtin/features/*/module.nix", "../deploy/*.go"} {
		m, _ := filepath.Glob(glob)
		sources = append(sources, m...)
	}
	typeLine := regexp.MustCompile(`# TYPE (shoal_[a-z_]+) gauge`)
	var names []string
	for _, s := range sources {
		data, err := os.ReadFile(s)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range typeLine.FindAllStringSubmatch(string(data), -1) {
			names = append(names, m[1])
		}
	}
	return names
}

// haproxyMetrics starts a real HAProxy on loopback with the exporter the
// load-balancer feature configures and returns the metric names it serves.
func haproxyMetrics(t *testing.T) []string {
	t.Helper()
	haproxy := needTool(t, "haproxy")
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	cfg := filepath.Join(t.TempDir(), "haproxy.cfg")
	if err := os.WriteFile(cfg, []byte(fmt.Sprintf(`defaults
  mode http
  timeout connect 1s
  timeout client 5s
  timeout server 5s
frontend stats
  bind %s
  http-request use-service prometheus-exporter if { path /metrics }
backend shoal
  server app1 127.0.0.1:9 check
`, addr)), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, haproxy, "-db", "-f", cfg)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cancel(); _ = cmd.Wait() }()
	var resp *http.Response
	for i := 0; i < 50; i++ {
		if resp, err = http.Get("http://" + addr + "/metrics"); err == nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("haproxy's metrics: %v", err)
	}
	defer resp.Body.Close()
	var names []string
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		if f := strings.Fields(sc.Text()); len(f) >= 3 && f[0] == "#" && f[1] == "TYPE" {
			names = append(names, f[2])
		}
	}
	return names
}

// promIdent finds PromQL identifiers; promKeywords are those that name no
// metric.
var (
	promIdent     = regexp.MustCompile(`[a-zA-Z_:][a-zA-Z0-9_:]*`)
	promLabelList = regexp.MustCompile(`\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)`)
	promKeywords  = map[string]bool{
		"and": true, "or": true, "unless": true, "offset": true, "bool": true,
		"sum": true, "avg": true, "min": true, "max": true, "count": true, "group": true, "stddev": true,
		"stdvar": true, "topk": true, "bottomk": true, "quantile": true, "count_values": true,
	}
)

// queryMetrics returns the metric names a PromQL query names: identifiers
// outside label matchers, strings and ranges that call no function.
func queryMetrics(q string) []string {
	var b strings.Builder
	depth, inStr := 0, false
	for _, r := range q {
		switch {
		case inStr:
			if r == '"' {
				inStr = false
			}
			r = ' '
		case r == '"':
			inStr, r = true, ' '
		case r == '{' || r == '[':
			depth++
			r = ' '
		case r == '}' || r == ']':
			depth--
			r = ' '
		case depth > 0:
			r = ' '
		}
		b.WriteRune(r)
	}
	s := promLabelList.ReplaceAllString(b.String(), " ")
	var out []string
	for _, loc := range promIdent.FindAllStringIndex(s, -1) {
		name := s[loc[0]:loc[1]]
		rest := strings.TrimLeft(s[loc[1]:], " ")
		if strings.HasPrefix(rest, "(") || promKeywords[name] {
			continue
		}
		if loc[0] > 0 && (s[loc[0]-1] >= '0' && s[loc[0]-1] <= '9' || s[loc[0]-1] == '.') {
			continue // a number's exponent or unit
		}
		out = append(out, name)
	}
	return out
}

func TestQueryMetrics(t *testing.T) {
	got := queryMetrics(`100 * (1 - avg by (machine) (rate(node_cpu_seconds_total{mode="idle",machine=~"$machine"}[5m]))) + up and on (x) time() - foo_bar`)
	want := []string{"node_cpu_seconds_total", "up", "foo_bar"}
	if !slices.Equal(got, want) {
		t.Errorf("queryMetrics = %q, want %q", got, want)
	}
}

// TestDashboardQueries checks every generated dashboard: valid JSON, and
// every Prometheus panel query names only metrics that some generated
// scrape job exports.
func TestDashboardQueries(t *testing.T) {
	haproxy := haproxyMetrics(t)
	probe := blackboxMetrics(t)
	textfile := textfileMetrics(t)
	for _, name := range monitoredFleets {
		t.Run(name, func(t *testing.T) {
			dir := monitoredFleet(t, name)
			exported := map[string]bool{"up": true}
			for job := range scrapeJobs(t, dir) {
				switch job {
				case "node":
					for _, m := range append(exporterMetrics["node"], textfile...) {
						exported[m] = true
					}
				case "haproxy":
					for _, m := range haproxy {
						exported[m] = true
					}
				case "tls":
					for _, m := range probe {
						exported[m] = true
					}
				}
			}
			dashboards, _ := filepath.Glob(filepath.Join(dir, layout.DashboardsDir, "*.json"))
			if len(dashboards) == 0 {
				t.Fatal("no dashboards generated")
			}
			for _, d := range dashboards {
				var dash struct {
					Panels []struct {
						Title      string
						Datasource struct{ Type string }
						Targets    []struct{ Expr string }
					}
				}
				data, err := os.ReadFile(d)
				if err != nil {
					t.Fatal(err)
				}
				if err := json.Unmarshal(data, &dash); err != nil {
					t.Fatalf("%s: %v", d, err)
				}
				if len(dash.Panels) == 0 {
					t.Errorf("%s: no panels", d)
				}
				for _, p := range dash.Panels {
					if p.Datasource.Type != "prometheus" {
						continue
					}
					for _, q := range p.Targets {
						ms := queryMetrics(q.Expr)
						if len(ms) == 0 {
							t.Errorf("%s: panel %q: query %q names no metric", filepath.Base(d), p.Title, q.Expr)
						}
						for _, m := range ms {
							if !exported[m] {
								t.Errorf("%s: panel %q: %s is exported by no generated scrape job", filepath.Base(d), p.Title, m)
							}
						}
					}
				}
			}
		})
	}
}

func writeJSON(t *testing.T, p string, v any) {
	t.Helper()
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// readYAMLJSON reads a generated YAML file (comment lines, then JSON).
func readYAMLJSON(t *testing.T, p string, v any) {
	t.Helper()
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(stripYAMLComments(data), v); err != nil {
		t.Fatalf("%s: %v", p, err)
	}
}
