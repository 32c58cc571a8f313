package scaffold

import (
	"fmt"
	"regexp"
	"strings"
)

// FeatureFiles returns the files of a new local feature NAME from the
// template, by their path in the fleet directory: features/NAME/feature.toml
// with every field present and commented with an example, and
// features/NAME/module.nix, a module skeleton. The feature checks clean as
// it is; it does nothing until its settings, options or module say more.
func FeatureFiles(name string) map[string][]byte {
	dir := "features/" + name + "/"
	return map[string][]byte{
		dir + "feature.toml": []byte(strings.ReplaceAll(featureTemplate, "NAME", name)),
		dir + "module.nix":   []byte(strings.ReplaceAll(moduleTemplate, "NAME", name)),
	}
}

// FeatureFrom returns the files of a new local feature NAME copied from
// the feature named from: its feature.toml as it is, with a comment on
// top, and its module.nix, if any, with references to the options of from
// (config.shoal.features.FROM) turned into references to NAME's.
func FeatureFrom(name, from string, featureTOML, module []byte) map[string][]byte {
	dir := "features/" + name + "/"
	head := fmt.Sprintf("# %s: a copy of feature %s (`shoal new feature %s --from %s`).\n# The format: `shoal new feature` without --from writes every field, commented.\n\n", name, from, name, from)
	files := map[string][]byte{dir + "feature.toml": append([]byte(head), featureTOML...)}
	if module != nil {
		re := regexp.MustCompile(`(config\.shoal\.features\.)` + regexp.QuoteMeta(from) + `\b`)
		if strings.Contains(from, "-") {
			re = regexp.MustCompile(`(config\.shoal\.features\.)("` + regexp.QuoteMeta(from) + `"|` + regexp.QuoteMeta(from) + `\b)`)
		}
		files[dir+"module.nix"] = re.ReplaceAll(module, []byte("${1}"+nixAttr(name)))
	}
	return files
}

// nixAttr writes a feature name as a Nix attribute: quoted when it has a
// "-" (feature names are lowercase letters, digits and "-").
func nixAttr(name string) string {
	if strings.Contains(name, "-") {
		return `"` + name + `"`
	}
	return name
}

const featureTemplate = `# Feature NAME: a feature of this fleet's own. A machine gets it with
#   features = ["NAME"]
# in its [machines.X] table (or a profile's features), and sets its settings with
#   settings.NAME.SETTING = VALUE
# shoal check checks this file at once; shoal show feature NAME shows it;
# shoal features lists the built-in ones to learn from (shoal new feature X --from laptop).
# Every key, with a full example: shoal help feature-format (docs/features.md).

# One line saying what the feature does (shoal features shows it).
description = "NAME: what it does, in one line"

# experimental, stable or deprecated (with replacement = "other-feature").
lifecycle = "experimental"

# Features this one needs; they are turned on with it. Example: ["firewall"]
requires = []

# Features it cannot be on with. Example: ["desktop"], or (instead of this
# line) a table per conflict that holds only under some settings:
#   [[conflicts]]
#   feature = "desktop"
#   when = { "NAME.mode" = "exclusive" }
#   reason = "why they cannot be on together"
conflicts = []

# Capabilities it provides; two features providing one conflict. Example: ["display-manager"]
provides = []

# Package collections (shoal show collection cli) and single nixpkgs packages.
# Example: collections = ["cli"], packages = ["htop"]
collections = []
packages = []

# What it needs of the machine; empty lists mean any.
# systems: x86_64-linux, aarch64-linux; cpu: intel, amd, arm, other;
# gpu: nvidia, amd, intel; form: laptop, desktop, server, vm.
[hardware]
systems = []
cpu = []
gpu = []
form = []

# Memory and disk below which it runs poorly (a warning). Example:
# [resources]
# memory = "2GiB"
# disk = "10GiB"

# Typed settings: type is bool, int (with min, max), string (with pattern),
# enum (with values), list (of strings; values limits them), port or size.
# The module reads them as config.shoal.features.NAME.SETTING. Example:
#   [settings.port]
#   type = "port"
#   default = 8080
#   description = "Port the service listens on"
# A setting may take its value from the hardware when nothing sets it:
#   [[settings.workers.derive]]
#   when = { "hardware.cores" = { min = 8 } }
#   value = 8
[settings]

# NixOS options it sets when on, checked against the NixOS options index.
# A value { setting = "port" } is the value of a setting. Example:
#   "services.nginx.enable" = true
#   "services.nginx.defaultHTTPListenPort" = { setting = "port" }
[nixos]

# Options set only when settings (or hardware facts) have given values:
#   [[nixos_when]]
#   when = { "NAME.port" = 443 }
#   set = { "services.nginx.recommendedTlsSettings" = true }

# Ports it opens in the firewall: a fixed port, or the port a setting holds.
#   [[ports]]
#   setting = "port"     # or: port = 443
#   protocol = "tcp"     # or "udp"
#   description = "HTTP"

# Checks deploy runs after activation: a systemd unit that must be active,
# a port that must accept connections (tcp = 443, or setting = "port"), a
# URL on localhost that must answer 2xx (http = "http://127.0.0.1:8080/").
#   [[health]]
#   name = "NAME"
#   unit = "NAME.service"
`

const moduleTemplate = `# Feature NAME: what typed settings in feature.toml cannot say, as NixOS
# module definitions. shoal imports this file into the feature's module
# under lib.mkIf (config.shoal.features.NAME.enable), so everything here
# applies only to machines with the feature.
#
# Options: declare them as [settings.X] in feature.toml; shoal makes them
# the typed options config.shoal.features.NAME.X (cfg.X below).
# Config: plain definitions, as in any NixOS module.
# Assertions: what must hold, checked when NixOS evaluates the machine.
{ config, lib, pkgs, ... }:
let
  cfg = config.shoal.features.NAME;
in
{
  assertions = [
    {
      assertion = config.networking.hostName != "";
      message = "feature NAME needs the machine to have a host name";
    }
  ];

  # Example (uncomment and adapt):
  # environment.systemPackages = [ pkgs.hello ];
  # systemd.services.NAME = {
  #   wantedBy = [ "multi-user.target" ];
  #   serviceConfig.ExecStart = "${pkgs.hello}/bin/hello";
  # };
}
`
