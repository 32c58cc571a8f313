// Package audit reviews a resolved fleet for security problems a check
// does not call errors: a firewall turned off, password or root logins,
// ports open to the internet that no feature declared, fleet service
// endpoints reachable from everywhere, servers without backups,
// hardening or automatic upgrades, wheel users without keys and
// plaintext services on public ports.
//
// Each finding has a rule with a stable ID (SA001, ...), a severity, the
// machine, the fleet-file path that caused it (positions are filled in by
// Correlate, as for diagnostics), why it matters and how to fix it.
// Audit reads only the resolved fleet: no Nix runs. Findings render as
// text, JSON or SARIF 2.1.0 (for GitHub code scanning).
package audit
