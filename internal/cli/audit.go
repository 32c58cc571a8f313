package cli

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/shoal-nix/shoal/internal/audit"
	"github.com/shoal-nix/shoal/internal/diag"
	"github.com/shoal-nix/shoal/internal/resolve"
)

type auditOptions struct {
	format string // text | json | sarif
	json   bool   // short for --format json
	failOn string // low | medium | high | none
}

func newAuditCommand(g *globals) *cobra.Command {
	var o auditOptions
	cmd := &cobra.Command{
		Use:   "audit [FLEET] [SELECTOR]",
		Short: "Review the fleet's security: exposure, logins, hardening, backups",
		Long: `Audit reviews the resolved fleet (no Nix runs) for security problems: a
firewall turned off, SSH password or root logins, ports open on public
machines that no feature declared, monitoring, log and backup endpoints
reachable from everywhere, servers without backups, hardening or automatic
upgrades, wheel users without SSH keys, and plaintext services on public
ports. Each finding has a stable rule ID (SA001...), a severity (low,
medium, high), the machine, the fleet-file line that caused it, why it
matters and how to fix it.

SELECTOR limits the audit to a machine (a name) or a tag (@tag); @all is
every machine. --format sarif writes SARIF 2.1.0 for GitHub code scanning.

Exit status: 0 no finding at or above --fail-on (default none: never),
7 findings at or above it, 3 the fleet has errors, 2 usage, 1 the fleet
could not be read.`,
		Example: "  shoal audit\n  shoal audit examples/homelab @public\n  shoal audit --format sarif --fail-on high > audit.sarif",
		Args:    cobra.MaximumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runAudit(cmd.Context(), g, o, argOr(args, 0), argOr(args, 1))
		},
	}
	cmd.Flags().StringVar(&o.format, "format", "text", "output format: text, json or sarif")
	cmd.Flags().BoolVar(&o.json, "json", false, "short for --format json")
	cmd.Flags().StringVar(&o.failOn, "fail-on", "none", "exit with status 7 when a finding has this severity or a higher one: low, medium, high or none")
	return cmd
}

// auditReport is the JSON form of an audit.
type auditReport struct {
	Fleet    string         `json:"fleet"`
	Machines int            `json:"machines"`
	Findings []auditFinding `json:"findings"`
}

type auditFinding struct {
	ID       string `json:"id"`
	Rule     string `json:"rule"`
	Severity string `json:"severity"`
	Machine  string `json:"machine"`
	File     string `json:"file"`
	Line     int    `json:"line"`
	Column   int    `json:"column"`
	Message  string `json:"message"`
	Why      string `json:"why"`
	Fix      string `json:"fix"`
}

func runAudit(_ context.Context, g *globals, o auditOptions, fleetArg, selector string) error {
	if o.json {
		if o.format != "text" && o.format != "json" {
			return usageError("--json and --format %s disagree; give one of them", o.format)
		}
		o.format = "json"
	}
	switch o.format {
	case "text", "json", "sarif":
	default:
		return usageError("unknown --format %q: expected text, json or sarif", o.format)
	}
	var failOn audit.Severity
	if o.failOn != "none" {
		sev, err := audit.ParseSeverity(o.failOn)
		if err != nil {
			return usageError("--fail-on: %v, or none", err)
		}
		failOn = sev
	}
	res, err := loadFleet(fleetArg)
	if err != nil {
		return err
	}
	if res.Diags.HasErrors() || res.Resolved == nil {
		g.diagRenderer(g.stderr, res.Docs).render(res.Diags)
		fmt.Fprintf(g.stderr, "shoal audit: the fleet has errors; fix them (shoal check) before an audit\n")
		return &exitError{code: ExitFleetError}
	}
	machines := res.Resolved.Machines
	if selector != "" {
		machines = nil
		for _, m := range resolve.Select(res.Fleet, selector) {
			machines = append(machines, res.Resolved.Machine(m.Name))
		}
		if len(machines) == 0 {
			return usageError("%s selects no machine of %s (a machine name, @tag or @all)", selector, res.Fleet.File)
		}
	}
	findings := audit.Run(res.Resolved, machines)
	locators := map[string]diag.Locator{}
	for name, doc := range res.Docs {
		locators[name] = doc
	}
	audit.Correlate(findings, locators)

	switch o.format {
	case "sarif":
		if err := audit.WriteSARIF(g.stdout, findings); err != nil {
			return err
		}
	case "json":
		rep := auditReport{Fleet: res.Fleet.Name, Machines: len(machines), Findings: []auditFinding{}}
		for _, f := range findings {
			rep.Findings = append(rep.Findings, auditFinding{ID: f.Rule.ID, Rule: f.Rule.Name, Severity: f.Severity.String(), Machine: f.Machine,
				File: f.File, Line: f.Pos.Line, Column: f.Pos.Col, Message: f.Message, Why: f.Rule.Why, Fix: f.Fix})
		}
		if err := writeJSON(g.stdout, rep); err != nil {
			return err
		}
	default:
		writeAuditText(g, res.Fleet.Name, len(machines), findings)
	}
	if failOn != 0 && audit.Worst(findings) >= failOn {
		return &exitError{code: ExitFindings}
	}
	return nil
}

func writeAuditText(g *globals, fleetName string, machines int, findings []audit.Finding) {
	count := map[audit.Severity]int{}
	for _, f := range findings {
		count[f.Severity]++
		fmt.Fprintf(g.stdout, "%s:%d:%d: %s[%s]: %s\n", f.File, f.Pos.Line, f.Pos.Col, f.Severity, f.Rule.ID, f.Message)
		fmt.Fprintf(g.stdout, "    why: %s\n    fix: %s\n", f.Rule.Why, f.Fix)
	}
	var parts []string
	for _, sev := range []audit.Severity{audit.High, audit.Medium, audit.Low} {
		parts = append(parts, fmt.Sprintf("%d %s", count[sev], sev))
	}
	fmt.Fprintf(g.stdout, "%s: %d %s audited: %d %s (%s)\n", fleetName, machines, plural(machines, "machine"), len(findings), plural(len(findings), "finding"), strings.Join(parts, ", "))
}
