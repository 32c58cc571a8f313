package layout

import "testing"

func TestOwned(t *testing.T) {
	owned := []string{
		Flake, Nixd, FlakeOutputs, NixOSConfigurations, Overlays, Checks, DevShell, Formatter,
		NixOSModule, Defaults, Packages, Validation, Services,
		Feature("ssh"), Feature("hardening"), FeatureModule("core"), FeatureModule("hardening"),
		Profile("server"), Machine("web1"), Machine("a-b"), MachineDisko("web1"), Test("desktop"),
		ServiceTest("monitoring"), ServiceTestDir("monitoring") + "/modules/services/defaults.nix",
		"modules/anything/else.nix", "flake/later.nix", "tests/x/y.nix",
	}
	for _, p := range owned {
		if !Owned(p) {
			t.Errorf("Owned(%q) = false; the generator writes there", p)
		}
	}
	users := []string{
		"shoal.toml", "README.md", "flake.lock", "hosts.nix", "flake", "modules", "tests",
		"flake.nix.bak", "modulesx/a.nix", "flakes/a.nix",
		LocalFeatureModule("mine"), "features/mine/feature.toml",
		MachineDir("web1"), MachineDir("web1") + "/hardware-configuration.nix", "machines/web1/extra/default.nix",
		"machines/default.nix", "nixos/common.nix", "overlays/default.nix",
	}
	for _, p := range users {
		if Owned(p) {
			t.Errorf("Owned(%q) = true; that is the user's file", p)
		}
	}
}

func TestPaths(t *testing.T) {
	for _, c := range []struct{ got, want string }{
		{Feature("ssh"), "modules/features/ssh.nix"},
		{Feature("hardening"), "modules/security/hardening.nix"},
		{FeatureModule("core"), "modules/features/core/module.nix"},
		{Profile("server"), "modules/profiles/server.nix"},
		{Machine("web1"), "machines/web1/default.nix"},
		{Test("server"), "tests/server.nix"},
		{ServiceTest("backup"), "tests/services/backup.nix"},
		{ServiceTestDir("load_balancer"), "tests/services/load_balancer"},
		{LocalFeatureModule("x"), "features/x/module.nix"},
		{MachineDisko("web1"), "machines/web1/disko.nix"},
		{OwnedPlaces, "flake/, modules/, tests/, machines/NAME/default.nix and machines/NAME/disko.nix"},
	} {
		if c.got != c.want {
			t.Errorf("got %s, want %s", c.got, c.want)
		}
	}
}
