package validate_test

import (
	"strings"
	"testing"

	"github.com/shoal-nix/shoal/internal/diag"
)

// TestLockout holds check's mirror of NixOS's lock-out assertion
// (users-groups.nix) to NixOS's rule, case by case: with users.mutableUsers
// false and no users.allowNoPasswordLogin, root or a wheel member (primary
// group or extraGroups) needs a usable hashedPassword, a password, a
// hashedPasswordFile or an SSH key, unless security.googleOsLogin is on.
func TestLockout(t *testing.T) {
	const noKeys = "[fleet]\nname = \"t\"\nnixos = \"26.05\"\n\n[defaults]\nstate_version = \"26.05\"\n\n"
	const key = `"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOpsKeyExampleOpsKeyExample ops@example"`
	const hash = `"$y$j9T$Y/x92/6xFv4Xlaux$gSwlnOiePLYJh48WbDY73PvTq.7C3kp5tR4BaIpJyu2"`
	// The server profile's hardening sets users.mutableUsers = false.
	server := func(user, machine string) string {
		return noKeys + user + "\n[machines.web]\nprofile = \"server\"\nhardware.form = \"container\"\nusers = [\"ops\"]\n" + machine
	}
	for _, c := range []struct {
		name, src string
		locked    bool
	}{
		{"a wheel user without a way in", server("[users.ops]\ngroups = [\"wheel\"]", ""), true},
		{"root with the fleet's admin keys", strings.Replace(server("[users.ops]\ngroups = [\"wheel\"]", ""), "nixos = \"26.05\"\n", "nixos = \"26.05\"\nadmin_keys = ["+key+"]\n", 1), false},
		{"a wheel user with a password hash", server("[users.ops]\ngroups = [\"wheel\"]\nhashed_password = "+hash, ""), false},
		{"a wheel user with a password file", server("[users.ops]\ngroups = [\"wheel\"]\npassword_file = \"/run/secrets/ops\"", ""), false},
		{"a wheel user with an SSH key", server("[users.ops]\ngroups = [\"wheel\"]\nssh_keys = ["+key+"]", ""), false},
		{"a wheel user whose password login is disabled", server("[users.ops]\ngroups = [\"wheel\"]\nhashed_password = \"!\"", ""), true},
		{"a key on a user outside wheel does not count", server("[users.ops]\nssh_keys = ["+key+"]", ""), true},
		{"a password on a user outside wheel does not count", server("[users.ops]\nhashed_password = "+hash, ""), true},
		{"wheel as the primary group, set raw", server("[users.ops]\nssh_keys = ["+key+"]", "nixos.\"users.users.ops.group\" = \"wheel\"\n"), false},
		{"wheel in extraGroups, set raw", server("[users.ops]\nssh_keys = ["+key+"]", "nixos.\"users.users.ops.extraGroups\" = [\"wheel\"]\n"), false},
		{"root's raw empty hash allows login", server("[users.ops]", "nixos.\"users.users.root.hashedPassword\" = \"\"\n"), false},
		{"root's raw hash of \"*\" does not", server("[users.ops]", "nixos.\"users.users.root.hashedPassword\" = \"*\"\n"), true},
		{"root's raw initial password counts for immutable users", server("[users.ops]", "nixos.\"users.users.root.initialPassword\" = \"x\"\n"), false},
		{"root's raw SSH key files", server("[users.ops]", "nixos.\"users.users.root.openssh.authorizedKeys.keyFiles\" = [\"/etc/keys/root\"]\n"), false},
		{"root's keys in a raw table", server("[users.ops]", "nixos.\"users.users\" = { root = { openssh = { authorizedKeys = { keys = ["+key+"] } } } }\n"), false},
		{"mutable users, set raw", server("[users.ops]", "nixos.\"users.mutableUsers\" = true\n"), false},
		{"allowNoPasswordLogin", server("[users.ops]", "nixos.\"users.allowNoPasswordLogin\" = true\n"), false},
		{"Google OS Login", server("[users.ops]", "nixos.\"security.googleOsLogin.enable\" = true\n"), false},
		{"the base profile keeps users mutable", noKeys + "[users.ops]\ngroups = [\"wheel\"]\n\n[machines.web]\nhardware.form = \"container\"\nusers = [\"ops\"]\n", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := validateFleetAll(t, c.src, nil, func(code diag.Code) bool {
				return code == diag.CodeLockedOut || code == diag.CodeMaybeLockedOut
			})
			if locked := strings.Contains(got, "SH057 error"); locked != c.locked || (got != "" && !locked) {
				t.Errorf("locked out = %v, want %v:\n%s\n%s", locked, c.locked, got, c.src)
			}
		})
	}
}

// TestBoot: a machine says where its file systems are and how it boots, or
// is a container.
func TestBoot(t *testing.T) {
	keep := func(c diag.Code) bool { return c == diag.CodeNoBoot || c == diag.CodeBootConflict }
	for _, c := range []struct{ name, machine, want string }{
		{"a disk layout", `disk = { device = "/dev/sda", boot = "uefi" }`, ""},
		{"a BIOS disk with GRUB named", `disk = { device = "/dev/sda", boot = "bios" }` + "\nboot = { loader = \"grub\" }", ""},
		{"a hardware module and a loader", `boot = { hardware_module = "hw.nix", loader = "systemd-boot" }`, ""},
		{"GRUB on UEFI by hardware module", `boot = { hardware_module = "hw.nix", loader = "grub", grub_device = "nodev" }`, ""},
		{"a container", `hardware.form = "container"`, ""},
		{"nothing", `profile = "base"`, "SH073 error $.machines.web: web does not say where its file systems are or how it boots"},
		{"a loader alone", `boot = { loader = "systemd-boot" }`, "SH073 error $.machines.web.boot: web has a boot loader but does not say where its file systems are"},
		{"a hardware module alone", `boot = { hardware_module = "hw.nix" }`, "SH073 error $.machines.web.boot: web does not say how it boots"},
		{"a container with a disk", "hardware.form = \"container\"\ndisk = { device = \"/dev/sda\", boot = \"uefi\" }", "SH055 error $.machines.web.disk: web is a container, which has no disk of its own"},
		{"systemd-boot on BIOS", "disk = { device = \"/dev/sda\", boot = \"bios\" }\nboot = { loader = \"systemd-boot\" }", "SH055 error $.machines.web.boot.loader: systemd-boot needs UEFI"},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := validateFleetAll(t, head+"\n[machines.web]\n"+c.machine+"\n", nil, keep)
			first, _, _ := strings.Cut(got, "\n")
			if (c.want == "") != (got == "") || !strings.HasPrefix(first, c.want) {
				t.Errorf("got:\n%s\nwant a first line starting %q", got, c.want)
			}
		})
	}
}
