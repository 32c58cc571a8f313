package gen_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// firewallRules extracts, from every golden fleet's generated services
// module, the nftables rules (extraInputRules) and the iptables commands
// (extraCommands) the service wiring writes.
func firewallRules(t *testing.T) (nft, ipt []string) {
	t.Helper()
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
	for _, name := range goldenFleets(t) {
		for _, f := range generate(t, filepath.Join(goldenDir, name, "fleet")) {
			if f.Path != "modules/services/defaults.nix" {
				continue
			}
			nft = append(nft, block(string(f.Data), "networking.firewall.extraInputRules")...)
			ipt = append(ipt, block(string(f.Data), "networking.firewall.extraCommands")...)
		}
	}
	if len(nft) == 0 || len(nft) > len(ipt) {
		t.Fatalf("the golden fleets give %d nftables rules and %d iptables commands; want some of each, a command or more per rule", len(nft), len(ipt))
	}
	return nft, ipt
}

// TestFirewallRulesNftables has nft itself check the rules, in the chain
// NixOS's nftables firewall puts extraInputRules into (nft -c parses and
// checks without loading anything).
func TestFirewallRulesNftables(t *testing.T) {
	nft, _ := firewallRules(t)
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
