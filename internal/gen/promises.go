package gen

import (
	"fmt"
	"strings"

	"github.com/shoal-nix/shoal/internal/nixlit"
)

// A profile's promises (the lines of its catalog file's promises) are what
// its VM test asserts: each has a check here, which writes the lines of
// the test script under a "# promise: TEXT" comment. "everything NAME
// promises" is kept by NAME's own checks, which the test runs too. The
// test boots the profile's machine and a probe node, a bare NixOS machine
// that connects to it from outside.

// probeNode is the name of the node that connects to the machine from
// outside, in a profile's VM test.
const probeNode = "probe"

// refusedPort is a port no built-in feature opens: the firewall promises
// that the probe cannot reach it while the machine listens there.
const refusedPort = 4567

// testUser is the TEST-ONLY user of a profile's VM test whose session the
// audio promise looks into.
const testUser = "shoal-test"

// promiseCheck is what a promise's check adds: the script's lines, and
// bindings and packages of the machine's node.
type promiseCheck struct {
	lines    []string
	node     []nixlit.Binding
	packages []string
}

// promiseChecks holds the check of every built-in profile's promises, by
// the promise's text. A check reads the profile's settings with
// g.settingFor.
var promiseChecks = map[string]func(g *generator, profile string) promiseCheck{
	"sshd.service is active and accepts connections on the ssh port": func(g *generator, profile string) promiseCheck {
		port := g.profileSetting(profile, "ssh", "port", int64(22))
		return promiseCheck{lines: []string{
			`machine.wait_for_unit("sshd.service")`,
			fmt.Sprintf("machine.wait_for_open_port(%v)", port),
			fmt.Sprintf("%s.succeed(%s)", probeNode, pyString(fmt.Sprintf("timeout 10 bash -c '</dev/tcp/machine/%v'", port))),
		}}
	},
	"firewall.service is active and refuses a port no feature opened": func(g *generator, profile string) promiseCheck {
		return promiseCheck{lines: []string{
			`machine.wait_for_unit("firewall.service")`,
			fmt.Sprintf("machine.succeed(%s)", pyString(fmt.Sprintf("systemd-run --unit=shoal-test-listener systemd-socket-activate -l %d cat", refusedPort))),
			fmt.Sprintf("machine.wait_for_open_port(%d)", refusedPort),
			fmt.Sprintf("%s.fail(%s)", probeNode, pyString(fmt.Sprintf("timeout 10 bash -c '</dev/tcp/machine/%d'", refusedPort))),
		}}
	},
	"nix config shows experimental-features with nix-command and flakes": func(g *generator, profile string) promiseCheck {
		return promiseCheck{lines: []string{
			`machine.succeed("nix config show experimental-features | grep -w nix-command | grep -qw flakes")`,
		}}
	},
	"nix-gc.timer and nix-optimise.timer are scheduled": func(g *generator, profile string) promiseCheck {
		return promiseCheck{lines: []string{
			`machine.wait_for_unit("nix-gc.timer")`,
			`machine.wait_for_unit("nix-optimise.timer")`,
		}}
	},
	"the time zone and locale are the configured ones": func(g *generator, profile string) promiseCheck {
		tz := g.profileSetting(profile, "core", "timezone", "UTC")
		locale := g.profileSetting(profile, "core", "locale", "en_US.UTF-8")
		return promiseCheck{lines: []string{
			fmt.Sprintf("machine.succeed(%s)", pyString(fmt.Sprintf("readlink /etc/localtime | grep -q %s", shellQuote(fmt.Sprintf("/zoneinfo/%v$", tz))))),
			fmt.Sprintf("machine.succeed(%s)", pyString(fmt.Sprintf("grep -qxF %s /etc/locale.conf", shellQuote(fmt.Sprintf("LANG=%v", locale))))),
		}}
	},
	"SSH refuses password logins unless ssh.password_authentication is on": func(g *generator, profile string) promiseCheck {
		want := "no"
		if g.profileSetting(profile, "ssh", "password_authentication", false) == true {
			want = "yes"
		}
		return promiseCheck{lines: []string{
			fmt.Sprintf("machine.succeed(%s)", pyString("sshd -T | grep -qx 'passwordauthentication "+want+"'")),
		}}
	},
	"no display manager runs": func(g *generator, profile string) promiseCheck {
		return promiseCheck{lines: []string{`machine.fail("systemctl is-active display-manager.service")`}}
	},
	"fail2ban.service is active": func(g *generator, profile string) promiseCheck {
		return promiseCheck{lines: []string{`machine.wait_for_unit("fail2ban.service")`}}
	},
	"users cannot be changed outside the configuration (users.mutableUsers is false)": func(g *generator, profile string) promiseCheck {
		// A user added by hand is gone after the next activation.
		return promiseCheck{lines: []string{
			`machine.succeed("useradd -M shoal-test-manual", "id shoal-test-manual")`,
			`machine.succeed("/run/current-system/bin/switch-to-configuration test")`,
			`machine.fail("id shoal-test-manual")`,
		}}
	},
	"sudo is limited to wheel": func(g *generator, profile string) promiseCheck {
		return promiseCheck{lines: []string{sudoWheelOnly}}
	},
	"dmesg is unreadable for unprivileged users": func(g *generator, profile string) promiseCheck {
		return promiseCheck{lines: dmesgRestricted}
	},
	"auditd.service is active and auditctl -l lists the identity, sudoers, sshd and modules rules": func(g *generator, profile string) promiseCheck {
		lines := []string{`machine.wait_for_unit("auditd.service")`}
		for _, key := range []string{"identity", "sudoers", "sshd", "modules"} {
			lines = append(lines, fmt.Sprintf("machine.succeed(%s)", pyString("auditctl -l | grep -q 'key="+key+"'")))
		}
		return promiseCheck{lines: lines}
	},
	"sshd -T lists only the modern kex algorithms, ciphers and MACs of the standard hardening level": func(g *generator, profile string) promiseCheck {
		var lines []string
		for _, l := range []struct{ key, values string }{
			{"kexalgorithms", standardKex}, {"ciphers", standardCiphers}, {"macs", standardMACs},
		} {
			lines = append(lines, fmt.Sprintf("machine.succeed(%s)", pyString("sshd -T | grep -qxF "+shellQuote(l.key+" "+l.values))))
		}
		return promiseCheck{lines: lines}
	},
	"the firewall logs refused connections": func(g *generator, profile string) promiseCheck {
		// The probe's connection to the refused port, above, is logged.
		return promiseCheck{lines: []string{
			fmt.Sprintf("%s.fail(%s)", probeNode, pyString(fmt.Sprintf("timeout 10 bash -c '</dev/tcp/machine/%d'", refusedPort))),
			fmt.Sprintf("machine.wait_until_succeeds(%s, timeout=60)", pyString(fmt.Sprintf("journalctl -k -b | grep 'refused connection' | grep -q 'DPT=%d '", refusedPort))),
		}}
	},
	"display-manager.service is active and shows a greeter": func(g *generator, profile string) promiseCheck {
		return promiseCheck{lines: []string{
			`machine.wait_for_unit("display-manager.service")`,
			fmt.Sprintf("machine.wait_until_succeeds(%s, timeout=300)", pyString(`for s in $(loginctl list-sessions --no-legend | awk '{print $1}'); do loginctl show-session "$s" -p Class --value; done | grep -qx greeter`)),
		}}
	},
	"a user session gets PipeWire with PulseAudio compatibility (pactl info names PipeWire)": func(g *generator, profile string) promiseCheck {
		user := set(
			bind(nixlit.Bool(true), "isNormalUser"),
			bind(nstr("TEST-ONLY user whose session the audio check looks into"), "description"),
		)
		u := nixlit.Binding{Path: []string{"users", "users", testUser}, Value: user, Comments: []string{"TEST-ONLY: a user whose session (lingering, from the script) the audio promise looks into."}}
		return promiseCheck{
			lines: []string{
				fmt.Sprintf("machine.succeed(%s)", pyString("loginctl enable-linger "+testUser)),
				fmt.Sprintf("machine.wait_until_succeeds(%s, timeout=120)", pyString("systemctl is-active user@$(id -u "+testUser+").service")),
				fmt.Sprintf("machine.wait_until_succeeds(%s, timeout=120)", pyString("su - "+testUser+" -c 'XDG_RUNTIME_DIR=/run/user/$(id -u) pactl info' | grep -q 'Server Name: PulseAudio (on PipeWire'")),
			},
			node:     []nixlit.Binding{u},
			packages: []string{"pulseaudio"},
		}
	},
	"NetworkManager.service is active": func(g *generator, profile string) promiseCheck {
		return promiseCheck{lines: []string{`machine.wait_for_unit("NetworkManager.service")`}}
	},
	"cups.socket listens": func(g *generator, profile string) promiseCheck {
		return promiseCheck{lines: []string{`machine.wait_for_unit("cups.socket")`, "machine.wait_for_open_port(631)"}}
	},
	"fc-list lists the configured fonts": func(g *generator, profile string) promiseCheck {
		var lines []string
		for _, p := range stringList(g.profileSetting(profile, "fonts", "packages", nil)) {
			if family, ok := fontFamilies[p]; ok {
				lines = append(lines, fmt.Sprintf("machine.succeed(%s)", pyString("fc-list : family | grep -qF "+shellQuote(family))))
			}
		}
		return promiseCheck{lines: lines}
	},
	"dmesg is unreadable for unprivileged users and sudo is limited to wheel": func(g *generator, profile string) promiseCheck {
		return promiseCheck{lines: append(append([]string{}, dmesgRestricted...), sudoWheelOnly)}
	},
	"docker.service is active and `docker info` answers": func(g *generator, profile string) promiseCheck {
		return promiseCheck{lines: []string{`machine.wait_for_unit("docker.service")`, `machine.succeed("docker info")`}}
	},
	"the toolchains of development.languages are on PATH (go version, cargo --version, python3 --version, ...)": func(g *generator, profile string) promiseCheck {
		var lines []string
		for _, l := range stringList(g.profileSetting(profile, "development", "languages", nil)) {
			for _, cmd := range toolchainCommands[l] {
				lines = append(lines, fmt.Sprintf("machine.succeed(%s)", pyString(cmd)))
			}
		}
		return promiseCheck{lines: lines}
	},
	"direnv is installed and hooked into the shells": func(g *generator, profile string) promiseCheck {
		return promiseCheck{lines: []string{
			`machine.succeed("command -v direnv")`,
			`machine.succeed("bash -ic 'declare -F _direnv_hook'")`,
		}}
	},
}

// The sudo and dmesg checks two profiles promise.
var (
	sudoWheelOnly = fmt.Sprintf("machine.succeed(%s)", pyString(`test "$(stat -c '%G %a' /run/wrappers/bin/sudo)" = 'wheel 4510'`))
	// dmesgRestricted: root reads the kernel log, nobody does not.
	dmesgRestricted = []string{
		`machine.succeed("dmesg > /dev/null")`,
		`machine.fail("su -s /bin/sh nobody -c dmesg")`,
	}
)

// The SSH algorithms of the standard hardening level (the hardening
// feature's catalog file), as sshd -T prints them.
const (
	standardKex     = "mlkem768x25519-sha256,sntrup761x25519-sha512,sntrup761x25519-sha512@openssh.com,curve25519-sha256,curve25519-sha256@libssh.org"
	standardCiphers = "chacha20-poly1305@openssh.com,aes256-gcm@openssh.com,aes128-gcm@openssh.com"
	standardMACs    = "hmac-sha2-512-etm@openssh.com,hmac-sha2-256-etm@openssh.com,umac-128-etm@openssh.com"
)

// fontFamilies is a family that each font package of the fonts feature
// brings, as fc-list names it.
var fontFamilies = map[string]string{
	"noto-fonts":             "Noto Sans",
	"noto-fonts-cjk-sans":    "Noto Sans CJK",
	"noto-fonts-color-emoji": "Noto Color Emoji",
	"liberation_ttf":         "Liberation Sans",
	"dejavu_fonts":           "DejaVu Sans",
	"fira-code":              "Fira Code",
	"jetbrains-mono":         "JetBrains Mono",
}

// toolchainCommands are the commands that show each language of the
// development feature is on PATH.
var toolchainCommands = map[string][]string{
	"c":      {"cc --version", "make --version"},
	"go":     {"go version"},
	"java":   {"java -version"},
	"node":   {"node --version"},
	"python": {"python3 --version"},
	"rust":   {"cargo --version", "rustc --version"},
}

// profileSetting is settingFor of the named feature, or def when the
// fleet does not use the feature or the value is unset.
func (g *generator) profileSetting(profile, feature, setting string, def any) any {
	f := g.cat.Features[feature]
	if f == nil {
		return def
	}
	if v := g.settingFor(profile, f, setting); v != nil {
		return v
	}
	return def
}

// stringList is a list setting's strings.
func stringList(v any) []string {
	switch x := v.(type) {
	case []string:
		return x
	case []any:
		var out []string
		for _, e := range x {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// promiseComment is the script comment that heads a promise's lines.
func promiseComment(promise string) string { return "# promise: " + promise }

// everything reports the profile a promise of the form "everything NAME
// promises" names.
func everything(promise string) (string, bool) {
	name, ok := strings.CutPrefix(promise, "everything ")
	if !ok {
		return "", false
	}
	return strings.CutSuffix(name, " promises")
}
