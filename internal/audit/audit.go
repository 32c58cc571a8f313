package audit

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/shoal-nix/shoal/internal/catalog"
	"github.com/shoal-nix/shoal/internal/diag"
	"github.com/shoal-nix/shoal/internal/fleet"
	"github.com/shoal-nix/shoal/internal/resolve"
	"github.com/shoal-nix/shoal/internal/tomltree"
)

// Finding is one problem on one machine.
type Finding struct {
	Rule     *Rule     `json:"-"`
	Severity Severity  `json:"severity"` // the rule's, or higher where the machine is public
	Machine  string    `json:"machine"`
	Message  string    `json:"message"`
	Fix      string    `json:"fix"` // for this machine
	File     string    `json:"file"`
	Path     diag.Path `json:"-"`
	Pos      diag.Pos  `json:"-"`
}

// Run audits the machines of f; machines nil means every machine. The
// findings are in fleet-file order of machines, then rule ID.
func Run(f *resolve.Fleet, machines []*resolve.Machine) []Finding {
	if machines == nil {
		machines = f.Machines
	}
	a := &auditor{f: f, file: f.Spec.File}
	for _, m := range machines {
		start := len(a.out)
		a.machine(m)
		slices.SortStableFunc(a.out[start:], func(x, y Finding) int { return strings.Compare(x.Rule.ID, y.Rule.ID) })
	}
	return a.out
}

// Correlate fills in each finding's position from the locators, keyed by
// file name, as diag.List.Correlate does for diagnostics.
func Correlate(findings []Finding, files map[string]diag.Locator) {
	for i := range findings {
		if loc := files[findings[i].File]; loc != nil {
			findings[i].Pos, _ = loc.Locate(findings[i].Path)
		}
	}
}

// Worst returns the highest severity among findings, or 0 for none.
func Worst(findings []Finding) Severity {
	var w Severity
	for _, fd := range findings {
		w = max(w, fd.Severity)
	}
	return w
}

type auditor struct {
	f    *resolve.Fleet
	file string
	out  []Finding
}

func (a *auditor) add(id string, m *resolve.Machine, sev Severity, path diag.Path, fix, format string, args ...any) {
	r := rule(id)
	if sev == 0 {
		sev = r.Severity
	}
	if fix == "" {
		fix = r.Fix
	}
	a.out = append(a.out, Finding{Rule: r, Severity: sev, Machine: m.Name(), Message: fmt.Sprintf(format, args...), Fix: fix, File: a.file, Path: path})
}

// endpointFeatures are the features whose ports serve a fleet service's
// monitoring, logs or backups, all plain HTTP.
var endpointFeatures = map[string]bool{"monitoring-agent": true, "monitoring-server": true, "log-server": true, "backup-server": true}

// statefulFeatures keep data that a disk failure loses.
var statefulFeatures = []string{"monitoring-server", "log-server", "docker", "podman", "virtualization"}

func (a *auditor) machine(m *resolve.Machine) {
	public := m.Spec.IsPublic()
	server := a.isServer(m)

	// SA001: the firewall.
	if opt := rawOption(m, "networking.firewall.enable"); opt != nil && opt.Value.Kind == tomltree.Bool && !opt.Value.Bool {
		a.add("SA001", m, 0, opt.Path, "", "the firewall of %s is turned off by a raw NixOS option", m.Name())
	} else if fw := m.Feature("firewall"); fw == nil {
		a.add("SA001", m, 0, m.Spec.Path, "", "%s has no firewall: the firewall feature is not enabled", m.Name())
	} else if v := fw.Value("trusted_interfaces"); v != nil {
		list, _ := v.Value.([]string)
		for _, iface := range list {
			if !isVPNInterface(iface) {
				a.add("SA001", m, 0, a.origin(m, v), "", "the firewall of %s lets everything through on %s, which is not a VPN's interface", m.Name(), iface)
			}
		}
	}

	if ssh := m.Feature("ssh"); ssh != nil {
		// SA002: password logins.
		if v := ssh.Value("password_authentication"); v != nil && v.Value == true {
			sev, where := Medium, ""
			if public {
				sev, where = High, " and the machine is public"
			}
			a.add("SA002", m, sev, a.origin(m, v), "", "SSH on %s accepts password logins%s", m.Name(), where)
		}
		// SA003: root logins with a password.
		if v := ssh.Value("permit_root_login"); v != nil && v.Value == "yes" {
			a.add("SA003", m, 0, a.origin(m, v), "", "SSH on %s lets root log in with a password (permit_root_login = \"yes\")", m.Name())
		}
	}

	// SA004: ports opened by raw options on a public machine.
	if public {
		for _, o := range m.Spec.NixOS {
			if what := opensPorts(o); what != "" {
				a.add("SA004", m, 0, o.Path, "", "%s is public and %s opens %s that no feature declared", m.Name(), o.Option, what)
			}
		}
	}

	// SA005 and SA010: endpoint ports open to every source. A fleet
	// service opens its role's port to the service's clients only; the
	// monitoring server opens Prometheus and Grafana to every source on a
	// machine that is not public (and not at all on a public one); an
	// endpoint feature a machine lists itself opens its port to all.
	for _, p := range m.Ports {
		if !endpointFeatures[p.Feature] {
			continue
		}
		f := m.Feature(p.Feature)
		byService := slices.ContainsFunc(f.Reasons, func(r resolve.Reason) bool { return r.Kind == resolve.ByService })
		switch {
		case p.Feature == "monitoring-server":
			if public {
				continue
			}
		case byService:
			continue
		}
		path := a.reason(m, f)
		sev := Medium
		if public {
			sev = High
		}
		a.add("SA005", m, sev, path, "", "%s (%s, port %d/%s) on %s is open to every source", p.Purpose, p.Feature, p.Port, proto(p), m.Name())
		if public {
			a.add("SA010", m, 0, path, "", "%s (%s, port %d/%s) serves plain HTTP on %s, which is public", p.Purpose, p.Feature, p.Port, proto(p), m.Name())
		}
	}

	if server {
		// SA006: state without a backup.
		if !m.Has("backup-client") {
			var kept []string
			for _, name := range statefulFeatures {
				if m.Has(name) {
					kept = append(kept, name)
				}
			}
			if len(kept) > 0 {
				a.add("SA006", m, 0, m.Spec.Path, "", "%s keeps state (%s) that no backup covers", m.Name(), strings.Join(kept, ", "))
			}
		}
		// SA007: automatic upgrades on public servers.
		if public && !m.Has("auto-upgrade") {
			path := m.Spec.Path.Child("address")
			if m.Spec.Public != nil {
				path = m.Spec.Path.Child("public")
			}
			a.add("SA007", m, 0, path, "", "%s is a public server without the auto-upgrade feature", m.Name())
		}
		// SA008: hardening level.
		if h := m.Feature("hardening"); h == nil {
			a.add("SA008", m, 0, m.Spec.Path, "add the hardening feature (the server profile has it) at level \"standard\" or \"strict\"", "%s is a server without the hardening feature", m.Name())
		} else if v := h.Value("level"); v != nil && v.Value == "baseline" {
			a.add("SA008", m, 0, a.origin(m, v), "", "%s is a server hardened at level \"baseline\"", m.Name())
		}
	}

	// SA009: wheel users without keys.
	for _, ref := range m.Spec.Users {
		u := a.f.Spec.User(ref.Value)
		if u == nil || len(u.SSHKeys) > 0 || !slices.ContainsFunc(u.Groups, func(g fleet.Ref) bool { return g.Value == "wheel" }) {
			continue
		}
		a.add("SA009", m, 0, u.Path, "", "user %s is in wheel on %s and has no SSH key", u.Name, m.Name())
	}
}

// isServer reports whether the machine's profile is server or extends it.
func (a *auditor) isServer(m *resolve.Machine) bool {
	if m.Profile == nil {
		return false
	}
	return slices.ContainsFunc(a.f.Catalog.ProfileChain(m.Profile.Name), func(p *catalog.Profile) bool { return p.Name == "server" })
}

// origin is the fleet-file path that set a value, or the machine when the
// value comes from the catalog or a profile.
func (a *auditor) origin(m *resolve.Machine, v *resolve.Value) diag.Path {
	if v.Origin.File == a.file && v.Origin.Path != nil {
		return v.Origin.Path
	}
	return m.Spec.Path
}

// reason is the fleet-file path that turned a feature on: the machine's
// features list or a fleet service's role, else the machine.
func (a *auditor) reason(m *resolve.Machine, f *resolve.Feature) diag.Path {
	for _, r := range f.Reasons {
		if r.File == a.file && r.Path != nil {
			return r.Path
		}
	}
	return m.Spec.Path
}

func proto(p resolve.OpenPort) string { return cmp.Or(p.Protocol, "tcp") }

// opensPorts says what a raw option opens in the firewall, or "" when it
// opens nothing: allowed ports and ranges, and a service's openFirewall
// (SSH's is left out: the ssh feature declares that port).
func opensPorts(o fleet.RawOption) string {
	name := o.Option
	switch {
	case strings.HasPrefix(name, "networking.firewall.") && (strings.Contains(name, "allowedTCPPort") || strings.Contains(name, "allowedUDPPort")):
		if o.Value.Kind == tomltree.Array && len(o.Value.Items) == 0 {
			return ""
		}
		return "ports"
	case strings.HasSuffix(name, ".openFirewall") && name != "services.openssh.openFirewall":
		if o.Value.Kind == tomltree.Bool && o.Value.Bool {
			return "the service's ports"
		}
	}
	return ""
}

// rawOption returns the machine's raw NixOS option of that name, or nil.
func rawOption(m *resolve.Machine, name string) *fleet.RawOption {
	for i := range m.Spec.NixOS {
		if m.Spec.NixOS[i].Option == name {
			return &m.Spec.NixOS[i]
		}
	}
	return nil
}

// isVPNInterface reports whether an interface name is one a VPN makes
// (Tailscale, WireGuard, ZeroTier, OpenVPN, Nebula): trusting it lets in
// only the VPN's authenticated peers.
func isVPNInterface(name string) bool {
	for _, p := range []string{"tailscale", "wg", "zt", "tun", "nebula"} {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return false
}
