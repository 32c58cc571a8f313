package fleet

import (
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/shoal-nix/shoal/internal/diag"
	"github.com/shoal-nix/shoal/internal/tomltree"
)

// HealthCheck is a check shoal deploy runs on a host after activation,
// written in the fleet file: in a machine's table (health = [...]) for
// that machine, or under [health] by feature (health.FEATURE = [...]) for
// every machine with the feature. Exactly one of Unit, TCP, HTTP and
// Command is set.
type HealthCheck struct {
	Name string
	// Unit is a systemd unit that must be active.
	Unit string
	// TCP is a port that must accept connections on the host's loopback.
	TCP int64
	// HTTP is an http:// URL, fetched on the host, that must answer 2xx.
	HTTP string
	// Command is a shell command run on the host as root; it must exit 0.
	Command string
	// Timeout bounds each attempt; 0 is deploy's default.
	Timeout time.Duration
	// Retries is how many more attempts follow a failed one; -1 is
	// deploy's default.
	Retries int64
	// Interval is the wait between attempts; 0 is deploy's default.
	Interval time.Duration
	Path     diag.Path
}

// FeatureHealth is the checks [health] gives for one feature.
type FeatureHealth struct {
	Feature Ref
	Checks  []HealthCheck
}

// healthKeys are the keys of one health check.
var healthKeys = []string{"name", "unit", "tcp", "http", "command", "timeout", "retries", "interval"}

// healthProbes are the keys that say what a check checks; one per check.
var healthProbes = []string{"unit", "tcp", "http", "command"}

// healthTable decodes [health]: feature name -> list of checks.
func (p *parser) healthTable(v *tomltree.Node, path diag.Path) {
	if !p.d.IsTable(v, path, "[health]") {
		return
	}
	for _, k := range v.Keys {
		at := path.Key(k)
		if problem := nameProblem(k, FeatureName, featureRule); problem != "" {
			p.d.Diags.Errorf(diag.CodeInvalidName, p.f.File, at, "invalid feature name %q in [health]: it %s", k, problem).
				Hintf("[health] takes a feature's name as key, e.g. health.web-server = [{ http = \"http://127.0.0.1/\" }]")
			continue
		}
		p.f.Health = append(p.f.Health, FeatureHealth{Feature: Ref{Value: k, Path: at}, Checks: p.healthChecks(v.Get(k), at, "health."+k)})
	}
}

// healthChecks decodes a list of checks (an array of inline tables, or
// [[...]] tables).
func (p *parser) healthChecks(v *tomltree.Node, path diag.Path, what string) []HealthCheck {
	if v.Kind != tomltree.Array {
		p.d.Diags.Errorf(diag.CodeWrongType, p.f.File, path, "%s must be a list of checks, not %s", what, v.Describe()).
			Hintf("write %s = [{ tcp = 22 }] or [[%s]] tables, one per check", what, what)
		return nil
	}
	var checks []HealthCheck
	for i, it := range v.Items {
		if c, ok := p.healthCheck(it, path.Child(i), what); ok {
			checks = append(checks, c)
		}
	}
	return checks
}

// healthCheck decodes one check.
func (p *parser) healthCheck(v *tomltree.Node, path diag.Path, what string) (HealthCheck, bool) {
	c := HealthCheck{Retries: -1, Path: path}
	var probes []string
	ok := p.d.Fields(v, path, "a health check", healthKeys, func(key string, v *tomltree.Node, at diag.Path) {
		if slices.Contains(healthProbes, key) {
			probes = append(probes, key)
		}
		switch key {
		case "name":
			c.Name, _ = p.d.String(v, at, "name")
		case "unit":
			if s, ok := p.d.String(v, at, "unit"); ok {
				if s == "" || strings.HasPrefix(s, "-") || strings.ContainsAny(s, " \t\n/") {
					p.d.Diags.Errorf(diag.CodeInvalidValue, p.f.File, at, "%q is not a systemd unit name", s).
						Hintf("write the unit's name, e.g. \"nginx.service\"")
				}
				c.Unit = s
			}
		case "tcp":
			if n, ok := p.d.Int(v, at, "tcp"); ok {
				if n < 1 || n > 65535 {
					p.d.Diags.Errorf(diag.CodeInvalidValue, p.f.File, at, "port %d is out of range", n).
						Hintf("write a port from 1 to 65535")
				}
				c.TCP = n
			}
		case "http":
			if s, ok := p.d.String(v, at, "http"); ok {
				u, err := url.Parse(s)
				if err != nil || u.Scheme != "http" || u.Host == "" || strings.ContainsAny(u.RequestURI(), " \r\n") {
					p.d.Diags.Errorf(diag.CodeInvalidValue, p.f.File, at, "%q is not an http:// URL", s).
						Hintf("write the URL the host answers on itself, e.g. \"http://127.0.0.1:8080/healthz\" (https is not checked)")
				}
				c.HTTP = s
			}
		case "command":
			if s, ok := p.d.String(v, at, "command"); ok {
				if strings.TrimSpace(s) == "" {
					p.d.Diags.Errorf(diag.CodeInvalidValue, p.f.File, at, "the command is empty").
						Hintf("write a shell command that exits 0 when the machine is healthy, e.g. \"test -e /srv/ready\"")
				}
				c.Command = s
			}
		case "timeout":
			c.Timeout = p.checkDuration(v, at, "timeout")
		case "interval":
			c.Interval = p.checkDuration(v, at, "interval")
		case "retries":
			if n, ok := p.d.Int(v, at, "retries"); ok {
				if n < 0 || n > 100 {
					p.d.Diags.Errorf(diag.CodeInvalidValue, p.f.File, at, "retries = %d is out of range", n).
						Hintf("write from 0 (one attempt) to 100")
				}
				c.Retries = n
			}
		}
	})
	if !ok {
		return c, false
	}
	switch len(probes) {
	case 0:
		p.d.Diags.Errorf(diag.CodeMissing, p.f.File, path, "a health check in %s checks nothing", what).
			Hintf("give one of unit, tcp, http or command")
		return c, false
	case 1:
		return c, true
	}
	p.d.Diags.Errorf(diag.CodeInvalidValue, p.f.File, path.Key(probes[1]), "a health check in %s gives both %s and %s", what, probes[0], probes[1]).
		Hintf("give one of unit, tcp, http or command per check; write two checks for two")
	return c, false
}

// checkDuration decodes a check's timeout or interval: a Go duration such
// as "5s" or "1m30s", from 100ms to one hour.
func (p *parser) checkDuration(v *tomltree.Node, at diag.Path, what string) time.Duration {
	s, ok := p.d.String(v, at, what)
	if !ok {
		return 0
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 100*time.Millisecond || d > time.Hour {
		p.d.Diags.Errorf(diag.CodeInvalidValue, p.f.File, at, "%s %q is not a duration from 100ms to 1h", what, s).
			Hintf("write a duration such as \"5s\", \"500ms\" or \"1m30s\"")
		return 0
	}
	return d
}
