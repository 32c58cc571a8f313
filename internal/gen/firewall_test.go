package gen_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/shoal-nix/shoal/internal/check"
	"github.com/shoal-nix/shoal/internal/gen"
	"github.com/shoal-nix/shoal/internal/synth"
)

// firewallRules extracts, from every golden fleet's generated services
// module, the nftables rules (extraInputRules) and the iptables commands
// (extraCommands) the service wiring writes.
func firewallRules(t *testing.T) (nft, ipt []string) {
	t.Helper()
	for _, name := range goldenFleets(t) {
		n, i := serviceRules(generate(t, filepath.Join(goldenDir, name, "fleet")))
		nft = append(nft, n...)
		ipt = append(ipt, i...)
	}
	if len(nft) == 0 || len(nft) > len(ipt) {
		t.Fatalf("the golden fleets give %d nftables rules and %d iptables commands; want some of each, a command or more per rule", len(nft), len(ipt))
	}
	return nft, ipt
}

// serviceRules extracts the firewall rules from a generated flake's
// services module.
func serviceRules(files []gen.File) (nft, ipt []string) {
	block := func(s, option string) []string {
		re := regexp.MustCompile(`(?s)` + regexp.QuoteMeta(option) + ` = lib\.mkIf [^']*''\n(.*?)\n\s*'';`)
		var out []string
		for _, m := range re.FindAllStringSubmatch(s, -1) {
			for _, l := range strings.Split(m[1], "\n") {
				if l = strings.TrimSpace(l); l != "" {
					out = append(out, l)
				}
			}
		}
		return out
	}
	for _, f := range files {
		if f.Path == "modules/services/defaults.nix" {
			nft = append(nft, block(string(f.Data), "networking.firewall.extraInputRules")...)
			ipt = append(ipt, block(string(f.Data), "networking.firewall.extraCommands")...)
		}
	}
	return nft, ipt
}

// largeFleetRules are the firewall rules of a synthetic fleet whose
// services have more clients than fit in a rule's comment.
func largeFleetRules(t *testing.T) (nft, ipt []string) {
	t.Helper()
	src := synth.Fleet(150, 1)
	res := check.RunSource(fstest.MapFS{check.FleetFile: {Data: src}}, ".", "", src)
	if res.Diags.HasErrors() {
		t.Fatalf("synthetic fleet has errors: %v", res.Diags)
	}
	files, err := gen.Generate(res.Resolved, gen.Options{})
	if err != nil {
		t.Fatal(err)
	}
	nft, ipt = serviceRules(files)
	if len(nft) == 0 || len(ipt) < 100 {
		t.Fatalf("the synthetic fleet gives %d nftables rules and %d iptables commands; want some rules and a command per client", len(nft), len(ipt))
	}
	return nft, ipt
}

// TestFirewallRuleComments makes sure that no rule's comment is longer
// than nft accepts (128 characters) however many machines use the port,
// and that the comment still says how many there are.
func TestFirewallRuleComments(t *testing.T) {
	nft, ipt := largeFleetRules(t)
	re := regexp.MustCompile(`comment "([^"]*)"`)
	counted := false
	for _, rule := range slices.Concat(nft, ipt) {
		m := re.FindStringSubmatch(rule)
		if m == nil {
			t.Fatalf("rule without a comment: %s", rule)
		}
		if len(m[1]) > 128 {
			t.Errorf("comment of %d characters, more than nft's 128: %s", len(m[1]), rule)
		}
		counted = counted || regexp.MustCompile(` and \d+ more$`).MatchString(m[1])
	}
	if !counted {
		t.Errorf("no comment counts the machines it leaves out; rules:\n%s", strings.Join(nft, "\n"))
	}
}

// TestFirewallRulesNftables has nft itself check the rules, in the chain
// NixOS's nftables firewall puts extraInputRules into (nft -c parses and
// checks without loading anything).
func TestFirewallRulesNftables(t *testing.T) {
	nft, _ := firewallRules(t)
	large, _ := largeFleetRules(t)
	nft = append(nft, large...)
	bin, err := exec.LookPath("nft")
	if err != nil {
		t.Skip("nft is not installed (apt-get install nftables)")
	}
	file := filepath.Join(t.TempDir(), "rules.nft")
	ruleset := "table inet nixos-fw {\n  chain input-allow {\n    " + strings.Join(nft, "\n    ") + "\n  }\n}\n"
	if err := os.WriteFile(file, []byte(ruleset), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(bin, "-c", "-f", file).CombinedOutput(); err != nil {
		t.Errorf("nft -c refuses the generated rules: %v\n%s\n%s", err, out, ruleset)
	}
}

// TestFirewallRulesIptables runs the iptables commands, as NixOS's
// iptables firewall runs extraCommands after making its chains, in a
// network namespace of the test's own (unshare -n), so that nothing of the
// host changes.
func TestFirewallRulesIptables(t *testing.T) {
	_, ipt := firewallRules(t)
	_, large := largeFleetRules(t)
	ipt = append(ipt, large...)
	for _, tool := range []string{"iptables", "ip6tables", "unshare"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed", tool)
		}
	}
	if os.Geteuid() != 0 {
		t.Skip("a network namespace needs root")
	}
	script := "set -e\nfor t in iptables ip6tables; do $t -w -N nixos-fw; $t -w -N nixos-fw-accept; done\n" + strings.Join(ipt, "\n") + "\n"
	cmd := exec.Command("unshare", "-n", "sh", "-c", script)
	out, err := cmd.CombinedOutput()
	if err != nil && strings.Contains(string(out), "unshare failed") {
		t.Skipf("no network namespace here: %s", out)
	}
	if err != nil {
		t.Errorf("the generated iptables commands fail: %v\n%s\n%s", err, out, script)
	}
}
