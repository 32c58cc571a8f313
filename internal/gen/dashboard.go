package gen

import "github.com/shoal-nix/shoal/internal/genfs"

// panel is one panel of a Grafana dashboard: its title, kind, place on
// the grid, data source and queries.
type panel struct {
	title, kind, source string
	queries             []string
	legend              string
}

// Grafana's data source references, by the uids provisioned beside the
// dashboard.
var (
	promSource = map[string]any{"type": "prometheus", "uid": "prometheus"}
	lokiSource = map[string]any{"type": "loki", "uid": "loki"}
)

// fleetDashboard is the fleet dashboard's JSON model: per host up, CPU,
// memory, disk, failed units, the last deploy and its generation and the
// last backup's age; per service the load balancer's backends and the
// expiry of the certificates served; the
// journal of the selected machines. jobs are the generated scrape jobs.
func fleetDashboard(jobs []scrapeJob) map[string]any {
	has := map[string]bool{}
	for _, j := range jobs {
		has[j.Name] = true
	}
	const m = `machine=~"$machine"`
	panels := []panel{
		{title: "Up", kind: "stat", queries: []string{`up{job="node",` + m + `}`}},
		{title: "CPU busy (%)", kind: "timeseries", queries: []string{`100 * (1 - avg by (machine) (rate(node_cpu_seconds_total{mode="idle",` + m + `}[5m])))`}},
		{title: "Memory used (%)", kind: "timeseries", queries: []string{`100 * (1 - node_memory_MemAvailable_bytes{` + m + `} / node_memory_MemTotal_bytes{` + m + `})`}},
		{title: "Disk used (%)", kind: "timeseries", legend: "{{machine}} {{mountpoint}}", queries: []string{`100 * (1 - node_filesystem_avail_bytes{` + realFS + `,` + m + `} / node_filesystem_size_bytes{` + realFS + `,` + m + `})`}},
		{title: "Failed units", kind: "stat", queries: []string{`sum by (machine) (node_systemd_unit_state{state="failed",` + m + `})`}},
		{title: "Last deploy (seconds ago)", kind: "stat", queries: []string{`time() - shoal_deploy_timestamp_seconds{` + m + `}`}},
		{title: "Deployed and running generation", kind: "stat", legend: "{{machine}} {{__name__}}", queries: []string{`shoal_deploy_generation{` + m + `}`, `shoal_system_generation{` + m + `}`}},
		{title: "Last good backup (seconds ago)", kind: "stat", queries: []string{`time() - shoal_backup_last_success_timestamp_seconds{` + m + `}`}},
	}
	if has["haproxy"] {
		panels = append(panels, panel{title: "Load balancer backends up", kind: "stat", legend: "{{proxy}}/{{server}}", queries: []string{`haproxy_server_status{state="UP"}`}})
	}
	if has["tls"] {
		panels = append(panels, panel{title: "Certificate expires in (days)", kind: "stat", legend: "{{instance}}", queries: []string{`(probe_ssl_earliest_cert_expiry{job="tls"} - time()) / 86400`}})
	}
	if has["loki"] {
		panels = append(panels, panel{title: "Journal", kind: "logs", source: "loki", queries: []string{`{job="systemd-journal"}`}})
	}
	var out []any
	for i, p := range panels {
		source := promSource
		if p.source == "loki" {
			source = lokiSource
		}
		legend := p.legend
		if legend == "" {
			legend = "{{machine}}"
		}
		var targets []any
		for j, q := range p.queries {
			t := map[string]any{"refId": string(rune('A' + j)), "expr": q, "datasource": source}
			if p.source != "loki" {
				t["legendFormat"] = legend
			}
			targets = append(targets, t)
		}
		w, h := 8, 8
		if p.kind == "logs" {
			w, h = 24, 12
		}
		out = append(out, map[string]any{
			"id":         i + 1,
			"title":      p.title,
			"type":       p.kind,
			"datasource": source,
			"gridPos":    map[string]any{"x": (i % 3) * 8, "y": (i / 3) * 8, "w": w, "h": h},
			"targets":    targets,
		})
	}
	return map[string]any{
		"//":            genfs.Notice,
		"uid":           "shoal-fleet",
		"title":         "Fleet",
		"tags":          []string{"shoal"},
		"schemaVersion": 39,
		"editable":      false,
		"time":          map[string]any{"from": "now-24h", "to": "now"},
		"refresh":       "1m",
		"templating": map[string]any{"list": []any{map[string]any{
			"name":       "machine",
			"type":       "query",
			"datasource": promSource,
			"query":      `label_values(up{job="node"}, machine)`,
			"multi":      true,
			"includeAll": true,
			"allValue":   ".*",
			"current":    map[string]any{"text": "All", "value": "$__all"},
		}}},
		"panels": out,
	}
}
