package audit

import (
	"fmt"
	"strings"
)

// Severity ranks findings; a higher value is worse.
type Severity int

// Severities, from the least to the most urgent.
const (
	Low Severity = iota + 1
	Medium
	High
)

var severityNames = map[Severity]string{Low: "low", Medium: "medium", High: "high"}

func (s Severity) String() string { return severityNames[s] }

// MarshalText writes the severity's name in JSON.
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// ParseSeverity reads a severity name: low, medium or high.
func ParseSeverity(s string) (Severity, error) {
	for sev, name := range severityNames {
		if strings.EqualFold(s, name) {
			return sev, nil
		}
	}
	return 0, fmt.Errorf("unknown severity %q: expected low, medium or high", s)
}

// Rule is one kind of finding.
type Rule struct {
	ID       string
	Name     string // kebab-case, for SARIF's rule name
	Summary  string // one line
	Severity Severity
	Why      string // why it matters
	Fix      string // how to fix it, in general
}

// Rules are the audit's rules in ID order. IDs never change meaning; a
// retired rule's ID is not reused.
var Rules = []*Rule{
	{ID: "SA001", Name: "firewall-off", Severity: High,
		Summary: "the firewall is off, or lets everything through on an interface that is not a VPN's",
		Why:     "without the firewall every listening socket on the machine, including ones a package opens on its own, is reachable from every network it is on; a trusted interface is the same for the network behind it",
		Fix:     "keep the firewall feature (every profile has it) and trust only VPN interfaces (tailscale0, wg0) in settings.firewall.trusted_interfaces"},
	{ID: "SA002", Name: "ssh-password-login", Severity: Medium,
		Summary: "SSH accepts passwords",
		Why:     "password logins can be guessed: bots try common passwords on every SSH server they find, and a reused password lets in whoever learned it elsewhere",
		Fix:     "set settings.ssh.password_authentication = false and give users ssh_keys"},
	{ID: "SA003", Name: "ssh-root-login", Severity: High,
		Summary: "SSH lets root log in with a password",
		Why:     "root is the one account every attacker knows the name of; with a password it can be guessed, and a root login leaves no trace of who it was",
		Fix:     "set settings.ssh.permit_root_login = \"prohibit-password\" (keys only, what deploy uses) or \"no\""},
	{ID: "SA004", Name: "undeclared-public-port", Severity: High,
		Summary: "a port is open on a public machine that no feature declared",
		Why:     "a port opened by a raw NixOS option is invisible to shoal: no check knows what listens there, and on a public address the whole internet reaches it",
		Fix:     "serve it through a feature that declares its port (a fleet feature in features/NAME/feature.toml), or remove the option if nothing needs it"},
	{ID: "SA005", Name: "service-endpoint-open", Severity: Medium,
		Summary: "a monitoring, log or backup endpoint is reachable from everywhere",
		Why:     "node exporters, Prometheus, Grafana, Loki and the restic REST server answer whoever connects: metrics and logs tell an attacker what runs where, and a log or backup endpoint open to all accepts pushes from anyone",
		Fix:     "open the port only to the machines that use it (the fleet service's clients, over a private network or VPN) rather than on every interface"},
	{ID: "SA006", Name: "server-without-backup", Severity: Low,
		Summary: "a server keeps state that no backup covers",
		Why:     "metrics, logs, containers' volumes and virtual machines' disks are lost with the disk that holds them",
		Fix:     "add the machine to the clients of [services.backup], with the paths that matter"},
	{ID: "SA007", Name: "public-without-auto-upgrade", Severity: Medium,
		Summary: "a public server does not upgrade itself",
		Why:     "a machine the internet reaches gets security fixes only when someone deploys; between deploys known holes stay open",
		Fix:     "add the auto-upgrade feature with settings.auto-upgrade.flake set to the fleet's flake, or deploy on a schedule"},
	{ID: "SA008", Name: "server-hardening-below-standard", Severity: Medium,
		Summary: "a server is hardened below the standard level",
		Why:     "servers are reached by others: the standard level adds fail2ban, declarative users, audit rules and modern SSH algorithms that baseline leaves out",
		Fix:     "set settings.hardening.level = \"standard\" (the server profile's default) or \"strict\""},
	{ID: "SA009", Name: "wheel-user-without-keys", Severity: Medium,
		Summary: "a user in wheel has no SSH key",
		Why:     "a wheel user can become root with sudo; without a key the account is reached by password, or the user's admin access rests on a console login nobody audits",
		Fix:     "give the user ssh_keys, or take wheel out of their groups"},
	{ID: "SA010", Name: "plaintext-public-port", Severity: High,
		Summary: "a service without TLS listens on a public port",
		Why:     "plain HTTP on a public address is read and altered by anyone on the path, and the service's answers reach the whole internet",
		Fix:     "serve it behind the load balancer with TLS, or only over a private network or VPN"},
}

// rule returns the rule with the given ID; the IDs are constants of this
// package, so a miss is a bug.
func rule(id string) *Rule {
	for _, r := range Rules {
		if r.ID == id {
			return r
		}
	}
	panic("audit: no rule " + id)
}
