package audit_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/shoal-nix/shoal/internal/audit"
	"github.com/shoal-nix/shoal/internal/check"
	"github.com/shoal-nix/shoal/internal/diag"
)

// auditDir checks the fleet in dir, fails on any error, and audits every
// machine, positions filled in.
func auditDir(t *testing.T, dir string) []audit.Finding {
	t.Helper()
	res, err := check.Run(os.DirFS(dir), ".", "")
	if err != nil {
		t.Fatal(err)
	}
	if res.Diags.HasErrors() || res.Resolved == nil {
		t.Fatalf("%s does not check: %v", dir, res.Diags)
	}
	findings := audit.Run(res.Resolved, nil)
	locators := map[string]diag.Locator{}
	for name, doc := range res.Docs {
		locators[name] = doc
	}
	audit.Correlate(findings, locators)
	return findings
}

// short renders a finding as "ID severity machine line".
func short(f audit.Finding) string {
	return fmt.Sprintf("%s %s %s %d", f.Rule.ID, f.Severity, f.Machine, f.Pos.Line)
}

func shorts(findings []audit.Finding) []string {
	var out []string
	for _, f := range findings {
		out = append(out, short(f))
	}
	slices.Sort(out)
	return out
}

func TestEveryRule(t *testing.T) {
	got := shorts(auditDir(t, filepath.Join("testdata", "every-rule")))
	want := []string{
		"SA001 high db 31",    // trusted_interfaces has eth0
		"SA002 high web 22",   // password_authentication = true, public
		"SA003 high web 23",   // permit_root_login = "yes"
		"SA004 high web 25",   // allowedTCPPorts by a raw option
		"SA005 high web 21",   // monitoring-agent listed by the machine, public
		"SA005 medium db 34",  // Grafana, open to the LAN
		"SA005 medium db 34",  // Prometheus, open to the LAN
		"SA006 low db 28",     // monitoring-server without backup
		"SA006 low web 17",    // docker without backup
		"SA007 medium web 19", // public without auto-upgrade, at the address
		"SA008 medium web 24", // hardening.level = "baseline"
		"SA009 medium web 11", // ops in wheel without keys, at [users.ops]
		"SA010 high web 21",   // node exporter in plain HTTP on a public port
	}
	if !slices.Equal(got, want) {
		t.Errorf("findings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for _, r := range audit.Rules {
		if !slices.ContainsFunc(got, func(s string) bool { return strings.HasPrefix(s, r.ID+" ") }) {
			t.Errorf("no finding of %s in testdata/every-rule", r.ID)
		}
	}
}

// TestHomelab pins what the audit says of the example fleet: the NAS's
// Prometheus and Grafana are open to every LAN source (the fleet services'
// other ports only to their clients), the VPS is public without automatic
// upgrades, and the NAS's metrics and logs have no backup. Nothing else:
// keys everywhere, no passwords, firewalls on.
func TestHomelab(t *testing.T) {
	got := shorts(auditDir(t, filepath.Join("..", "..", "examples", "homelab")))
	want := []string{
		"SA005 medium nas 124", // Grafana, open to every LAN source
		"SA005 medium nas 124", // Prometheus, open to every LAN source
		"SA006 low nas 96",
		"SA007 medium vps 113",
	}
	if !slices.Equal(got, want) {
		t.Errorf("findings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestRulesAreWellFormed(t *testing.T) {
	seen := map[string]bool{}
	for i, r := range audit.Rules {
		if want := fmt.Sprintf("SA%03d", i+1); r.ID != want {
			t.Errorf("rule %d has ID %s, want %s (IDs are in order and never reused)", i, r.ID, want)
		}
		if seen[r.Name] {
			t.Errorf("two rules are named %s", r.Name)
		}
		seen[r.Name] = true
		if r.Summary == "" || r.Why == "" || r.Fix == "" || r.Severity == 0 {
			t.Errorf("%s lacks a summary, why, fix or severity", r.ID)
		}
	}
}

func TestSARIFValidatesAgainstSchema(t *testing.T) {
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	schema, err := c.Compile(filepath.Join("testdata", "sarif-schema-2.1.0.json"))
	if err != nil {
		t.Fatal(err)
	}
	findings := auditDir(t, filepath.Join("testdata", "every-rule"))
	for name, fs := range map[string][]audit.Finding{"every-rule": findings, "no findings": nil} {
		var buf bytes.Buffer
		if err := audit.WriteSARIF(&buf, fs); err != nil {
			t.Fatal(err)
		}
		inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(buf.Bytes()))
		if err != nil {
			t.Fatal(err)
		}
		if err := schema.Validate(inst); err != nil {
			t.Errorf("%s: SARIF does not validate: %v", name, err)
		}
	}

	// The schema proves the shape; this proves the content code scanning
	// shows: each result on its shoal.toml line, its rule among the rules.
	var buf bytes.Buffer
	if err := audit.WriteSARIF(&buf, findings); err != nil {
		t.Fatal(err)
	}
	var log struct {
		Runs []struct {
			Tool struct {
				Driver struct {
					Rules []struct {
						ID   string
						Help struct{ Text string }
					}
				}
			}
			Results []struct {
				RuleID    string
				RuleIndex int
				Locations []struct {
					PhysicalLocation struct {
						ArtifactLocation struct{ URI string }
						Region           struct{ StartLine int }
					}
				}
			}
		}
	}
	if err := json.Unmarshal(buf.Bytes(), &log); err != nil {
		t.Fatal(err)
	}
	run := log.Runs[0]
	if len(run.Results) != len(findings) {
		t.Fatalf("%d results for %d findings", len(run.Results), len(findings))
	}
	for i, r := range run.Results {
		loc := r.Locations[0].PhysicalLocation
		if loc.ArtifactLocation.URI != "shoal.toml" || loc.Region.StartLine != findings[i].Pos.Line {
			t.Errorf("result %d at %s:%d, want shoal.toml:%d", i, loc.ArtifactLocation.URI, loc.Region.StartLine, findings[i].Pos.Line)
		}
		if rule := run.Tool.Driver.Rules[r.RuleIndex]; rule.ID != r.RuleID || !strings.Contains(rule.Help.Text, "Fix: ") {
			t.Errorf("result %d: ruleIndex %d names %s, want %s with help", i, r.RuleIndex, rule.ID, r.RuleID)
		}
	}
}
