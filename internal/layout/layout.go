package layout

import "strings"

// The flake's entry point and its parts in flake/.
const (
	Flake               = "flake.nix"
	FlakeDir            = "flake"
	FlakeOutputs        = FlakeDir + "/default.nix"
	NixOSConfigurations = FlakeDir + "/nixos-configurations.nix"
	Overlays            = FlakeDir + "/overlays.nix"
	Checks              = FlakeDir + "/checks.nix"
	DevShell            = FlakeDir + "/dev-shell.nix"
	Formatter           = FlakeDir + "/formatter.nix"
)

// Nixd is the configuration of the nixd language server.
const Nixd = ".nixd.json"

// The modules every machine imports.
const (
	ModulesDir = "modules"
	// NixOSDir holds shoal's option namespace; machines import the directory.
	NixOSDir    = ModulesDir + "/nixos"
	NixOSModule = NixOSDir + "/default.nix"
	Defaults    = ModulesDir + "/defaults.nix"
	Packages    = ModulesDir + "/packages/common.nix"
	Validation  = ModulesDir + "/validation.nix"
	Services    = ModulesDir + "/services/defaults.nix"
)

// The monitoring server's files: plain YAML and JSON that the Nix modules
// reference, so that promtool, amtool and Grafana judge them as they are.
const (
	MonitoringDir    = ModulesDir + "/monitoring"
	AlertRules       = MonitoringDir + "/rules.yml"
	AlertmanagerConf = MonitoringDir + "/alertmanager.yml"
	ScrapeTargetsDir = MonitoringDir + "/targets"
	DashboardsDir    = MonitoringDir + "/dashboards"
	FleetDashboard   = DashboardsDir + "/fleet.json"
	BlackboxConf     = MonitoringDir + "/blackbox.yml"
)

// ScrapeTargets is the file_sd file of the scrape job named job.
func ScrapeTargets(job string) string { return ScrapeTargetsDir + "/" + job + ".yml" }

const (
	machinesDir = "machines"
	testsDir    = "tests"
	// serviceTestsDir holds the fleet services' VM tests.
	serviceTestsDir = testsDir + "/services"
	machineFile     = "default.nix"
	diskoFile       = "disko.nix"
)

// Feature is the module of the feature named name. Hardening has a place
// of its own beside the other security modules a fleet may add.
func Feature(name string) string {
	if name == "hardening" {
		return ModulesDir + "/security/hardening.nix"
	}
	return ModulesDir + "/features/" + name + ".nix"
}

// FeatureModule is where a built-in feature's module.nix, the part typed
// settings cannot say, is copied: beside the feature's module.
func FeatureModule(name string) string {
	return strings.TrimSuffix(Feature(name), ".nix") + "/module.nix"
}

// Profile is the module of the profile named name.
func Profile(name string) string { return ModulesDir + "/profiles/" + name + ".nix" }

// MachineDir is the directory of the machine named name; the user may
// keep files of their own there, beside the generated default.nix.
func MachineDir(name string) string { return machinesDir + "/" + name }

// Machine is the module of the machine named name.
func Machine(name string) string { return MachineDir(name) + "/" + machineFile }

// MachineDisko is the disk layout of a machine, for disko.
func MachineDisko(name string) string { return MachineDir(name) + "/" + diskoFile }

// Test is the NixOS VM test of the profile named name.
func Test(profile string) string { return testsDir + "/" + profile + ".nix" }

// ServiceTest is the multi-node NixOS VM test of the fleet service named
// name ([services.NAME]).
func ServiceTest(name string) string { return serviceTestsDir + "/" + name + ".nix" }

// ServiceTestDir holds what the VM test of the fleet service named name
// brings beside its nodes: the fleet's wiring as the test's nodes see it,
// under the same paths as the flake's own (modules/services/defaults.nix,
// modules/monitoring/...).
func ServiceTestDir(name string) string { return serviceTestsDir + "/" + name }

// LocalFeatureModule is a local feature's module.nix in the fleet
// directory: the user's file, which the flake imports in place.
func LocalFeatureModule(name string) string { return "features/" + name + "/module.nix" }

// OwnedPlaces names the places Owned covers where a user might put Nix
// files, for hints.
const OwnedPlaces = FlakeDir + "/, " + ModulesDir + "/, " + testsDir + "/, " + machinesDir + "/NAME/" + machineFile + " and " + machinesDir + "/NAME/" + diskoFile

// Owned reports whether p (slash-separated, clean, relative to the
// flake's root) is a place shoal owns: the generator writes there, stale
// generated files there may be removed, and a user's file there would
// collide. Everything else is the user's.
func Owned(p string) bool {
	switch {
	case p == Flake, p == Nixd:
		return true
	case under(p, FlakeDir), under(p, ModulesDir), under(p, testsDir):
		return true
	case under(p, machinesDir):
		parts := strings.Split(p, "/")
		return len(parts) == 3 && (parts[2] == machineFile || parts[2] == diskoFile)
	}
	return false
}

func under(p, dir string) bool { return strings.HasPrefix(p, dir+"/") }
