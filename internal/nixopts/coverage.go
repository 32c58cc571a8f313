package nixopts

import (
	"strings"
	"sync"
)

// coverage says which parts of the NixOS option tree the index covers
// completely, as the index's README lists them. A path is covered when the
// longest entry that is a prefix of it (in whole attribute names) says so;
// a path no entry matches is not covered.
var coverage = []struct {
	prefix  string
	covered bool
}{
	{"boot", true},
	{"console", true},
	{"documentation", true},
	{"environment", true},
	{"fileSystems", true},
	{"fonts", true},
	{"hardware", true},
	{"i18n", true},
	{"networking", true},
	{"nix", true},
	{"nixpkgs", true},
	{"powerManagement", true},
	{"security", true},
	{"system", true},
	{"time", true},
	{"users", true},
	{"xdg.portal", true},
	{"zramSwap", true},

	{"services.alloy", true},
	{"services.auto-cpufreq", true},
	{"services.avahi", true},
	{"services.blueman", true},
	{"services.borgbackup", true},
	{"services.chrony", true},
	{"services.desktopManager", true},
	{"services.displayManager", true},
	{"services.earlyoom", true},
	{"services.fail2ban", true},
	{"services.flatpak", true},
	{"services.fstrim", true},
	{"services.fwupd", true},
	{"services.gnome", true},
	{"services.grafana", true},
	{"services.gvfs", true},
	{"services.haproxy", true},
	{"services.irqbalance", true},
	{"services.journald", true},
	{"services.libinput", true},
	{"services.logrotate", true},
	{"services.loki", true},
	{"services.nginx", true},
	{"services.openssh", true},
	{"services.pipewire", true},
	{"services.power-profiles-daemon", true},
	{"services.printing", true},
	{"services.prometheus", true},
	{"services.prometheus.exporters", false},
	{"services.prometheus.exporters.node", true},
	{"services.prometheus.exporters.systemd", true},
	{"services.pulseaudio", true},
	{"services.resolved", true},
	{"services.restic", true},
	{"services.smartd", true},
	{"services.tailscale", true},
	{"services.thermald", true},
	{"services.timesyncd", true},
	{"services.tlp", true},
	{"services.udisks2", true},
	{"services.xserver", true},

	{"programs.bash", true},
	{"programs.dconf", true},
	{"programs.direnv", true},
	{"programs.firefox", true},
	{"programs.fish", true},
	{"programs.gamemode", true},
	{"programs.git", true},
	{"programs.gnupg", true},
	{"programs.htop", true},
	{"programs.hyprland", true},
	{"programs.mtr", true},
	{"programs.neovim", true},
	{"programs.nh", true},
	{"programs.nix-ld", true},
	{"programs.ssh", true},
	{"programs.steam", true},
	{"programs.tmux", true},
	{"programs.vim", true},
	{"programs.virt-manager", true},
	{"programs.zsh", true},

	{"virtualisation.containers", true},
	{"virtualisation.docker", true},
	{"virtualisation.libvirtd", true},
	{"virtualisation.oci-containers", true},
	{"virtualisation.podman", true},

	// systemd: the options with two attribute names (systemd.X, and so
	// whatever their values hold), and the whole of services, timers and
	// tmpfiles. Other systemd.* paths, such as systemd.network, are not.
	{"systemd.additionalUpstreamSystemUnits", true},
	{"systemd.automounts", true},
	{"systemd.ctrlAltDelUnit", true},
	{"systemd.defaultUnit", true},
	{"systemd.enableEmergencyMode", true},
	{"systemd.enableStrictShellChecks", true},
	{"systemd.generatorEnvironment", true},
	{"systemd.generatorPath", true},
	{"systemd.generators", true},
	{"systemd.globalEnvironment", true},
	{"systemd.managerEnvironment", true},
	{"systemd.mounts", true},
	{"systemd.nspawn", true},
	{"systemd.package", true},
	{"systemd.packages", true},
	{"systemd.paths", true},
	{"systemd.services", true},
	{"systemd.shutdown", true},
	{"systemd.slices", true},
	{"systemd.sockets", true},
	{"systemd.suppressedSystemUnits", true},
	{"systemd.targets", true},
	{"systemd.timers", true},
	{"systemd.tmpfiles", true},
	{"systemd.units", true},
}

// coverageTree is coverage as a tree of attribute names.
type coverageTree struct {
	set      bool // an entry ends here
	covered  bool
	children map[string]*coverageTree
}

// coverageRoot returns coverage as a tree, built on first use: a command
// that checks no NixOS option never pays for it.
var coverageRoot = sync.OnceValue(func() *coverageTree {
	root := &coverageTree{}
	for _, c := range coverage {
		n := root
		for _, name := range strings.Split(c.prefix, ".") {
			child := n.children[name]
			if child == nil {
				child = &coverageTree{}
				if n.children == nil {
					n.children = map[string]*coverageTree{}
				}
				n.children[name] = child
			}
			n = child
		}
		n.set, n.covered = true, c.covered
	}
	return root
})

// Covered reports whether the index covers an option path (split into
// attribute names): whether a path it does not know is an unknown option
// rather than one shoal cannot check. The longest listed prefix decides:
// services.prometheus is covered, services.prometheus.exporters is not,
// services.prometheus.exporters.node is again.
func Covered(path []string) bool {
	return coveredDepth(path) > 0
}

// coveredDepth returns the number of attribute names in the prefix that
// covers path, or 0 if path is not covered.
func coveredDepth(path []string) int {
	depth := 0
	n := coverageRoot()
	for i, name := range path {
		if n = n.children[name]; n == nil {
			break
		}
		if n.set {
			depth = 0
			if n.covered {
				depth = i + 1
			}
		}
	}
	return depth
}
