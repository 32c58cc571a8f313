package validate

import (
	"fmt"
	"slices"
	"strings"

	"github.com/shoal-nix/shoal/internal/catalog"
	"github.com/shoal-nix/shoal/internal/diag"
	"github.com/shoal-nix/shoal/internal/fleet"
	"github.com/shoal-nix/shoal/internal/nixopts"
	"github.com/shoal-nix/shoal/internal/resolve"
)

// boot checks that a machine says where its root file system is and how
// it boots, as NixOS requires of every machine that is not a container:
// stage-1 asserts fileSystems."/" and GRUB, the default loader, asserts
// an install device.
func (v *validator) boot(m *resolve.Machine) {
	spec := m.Spec
	b, d := spec.Boot, spec.Disk
	if spec.Hardware.Form == "container" {
		if d != nil {
			v.diags.Errorf(diag.CodeBootConflict, v.file, d.Path, "%s is a container, which has no disk of its own", spec.Name).
				Hintf("remove the disk table: the container's host provides its file systems (boot.isContainer is set)").
				Relate(v.file, spec.Path.Child("hardware", "form"), "form = \"container\" here")
		}
		if b != nil {
			v.diags.Errorf(diag.CodeBootConflict, v.file, b.Path, "%s is a container, which has no boot loader", spec.Name).
				Hintf("remove the boot table: the container's host starts it (boot.isContainer is set)").
				Relate(v.file, spec.Path.Child("hardware", "form"), "form = \"container\" here")
		}
		return
	}
	if b != nil {
		v.bootConflicts(spec, b, d)
	}
	if d != nil && strings.Contains(d.Device, "CHANGE-ME") {
		v.diags.Warnf(diag.CodePlaceholder, v.file, d.Path.Child("device"), "%s's disk is still the placeholder %q", spec.Name, d.Device).
			Hintf("%s", strings.Join([]string{
				"on the machine, or in the NixOS installer booted on it, find the disk to install on:",
				"  lsblk -d -o NAME,SIZE,MODEL,SERIAL     # the disks, by size and model",
				"  ls -l /dev/disk/by-id/                  # their stable names: pick the one pointing at that disk, without -partN",
				"and write it as device, e.g. \"/dev/disk/by-id/nvme-Samsung_SSD_980_1TB_S64ANS0T123456\" (a VM: \"/dev/vda\");",
				"disko erases that whole disk when the machine is installed",
			}, "\n"))
	}
	hasFS := d != nil || (b != nil && b.HardwareModule.Value != "")
	hasLoader := d != nil || (b != nil && b.Loader != "")
	if hasFS && hasLoader {
		return
	}
	hw := hardwareModuleGuess(spec)
	var summary string
	var lines []string
	switch {
	case !hasFS && !hasLoader:
		summary = fmt.Sprintf("%s does not say where its file systems are or how it boots (NixOS refuses a machine without fileSystems.\"/\" and a boot loader)", spec.Name)
		if hw != "" {
			lines = append(lines, "its hardware module holds its file systems: add to [machines."+spec.Name+"]",
				"  boot = { hardware_module = "+quote(hw)+", loader = \"systemd-boot\" }",
				"(loader = \"grub\" with grub_device = \"/dev/sda\" on a BIOS machine)")
		} else {
			lines = append(lines, "let disko partition the disk: add",
				"  [machines."+spec.Name+".disk]",
				"  device = \"/dev/disk/by-id/...\"   # the whole disk; formatting erases it",
				"  boot = \"uefi\"                     # or \"bios\"",
				"or use the hardware-configuration.nix of `nixos-generate-config --show-hardware-config`:",
				"  boot = { hardware_module = \"machines/"+spec.Name+"/hardware-configuration.nix\", loader = \"systemd-boot\" }")
			if spec.Hardware.Form == "" || spec.Hardware.Form == "vm" || spec.Hardware.Form == "server" {
				lines = append(lines, "or, for a container: hardware.form = \"container\"")
			}
		}
	case !hasFS:
		summary = fmt.Sprintf("%s has a boot loader but does not say where its file systems are (NixOS refuses a machine without fileSystems.\"/\")", spec.Name)
		if hw == "" {
			hw = "machines/" + spec.Name + "/hardware-configuration.nix"
		}
		lines = append(lines, "add hardware_module = "+quote(hw)+" to the boot table (the output of `nixos-generate-config --show-hardware-config`),",
			"or a [machines."+spec.Name+".disk] layout with device and boot")
	default:
		summary = fmt.Sprintf("%s does not say how it boots: its hardware module sets no boot loader, and GRUB, NixOS's default, needs an install device", spec.Name)
		lines = append(lines, "add loader = \"systemd-boot\" to the boot table (UEFI), or loader = \"grub\" with grub_device = \"/dev/sda\" (BIOS)")
	}
	at := spec.Path
	if b != nil {
		at = b.Path
	}
	v.diags.Errorf(diag.CodeNoBoot, v.file, at, "%s", summary).Hintf("%s", strings.Join(lines, "\n"))
}

// bootConflicts reports boot settings that cannot work together.
func (v *validator) bootConflicts(spec *fleet.Machine, b *fleet.Boot, d *fleet.Disk) {
	loaderAt := b.Path.Child("loader")
	switch {
	case b.Loader == "systemd-boot" && d != nil && d.Boot == "bios":
		v.diags.Errorf(diag.CodeBootConflict, v.file, loaderAt, "systemd-boot needs UEFI, but the disk of %s boots by BIOS", spec.Name).
			Hintf("use loader = \"grub\" (or leave loader out: GRUB is the loader of a BIOS disk), or boot = \"uefi\" in the disk table").
			Relate(v.file, d.Path.Child("boot"), "boot = \"bios\" here")
	case b.Loader == "systemd-boot" && b.GrubDevice != "":
		v.diags.Errorf(diag.CodeBootConflict, v.file, b.Path.Child("grub_device"), "grub_device is set, but %s boots with systemd-boot", spec.Name).
			Hintf("remove grub_device, or use loader = \"grub\"")
	case b.GrubDevice != "" && d != nil:
		v.diags.Errorf(diag.CodeBootConflict, v.file, b.Path.Child("grub_device"), "grub_device is set, but the disk layout of %s decides where GRUB goes", spec.Name).
			Hintf("remove grub_device: GRUB goes to the disk's device (BIOS) or the EFI system partition (UEFI)").
			Relate(v.file, d.Path, "the disk layout")
	case b.GrubDevice != "" && b.Loader != "grub":
		v.diags.Errorf(diag.CodeBootConflict, v.file, b.Path.Child("grub_device"), "grub_device is set, but the boot table does not choose GRUB").
			Hintf("add loader = \"grub\"")
	case b.Loader == "grub" && d == nil && b.GrubDevice == "":
		v.diags.Errorf(diag.CodeBootConflict, v.file, loaderAt, "GRUB on %s has no install device (NixOS asserts boot.loader.grub.devices is set)", spec.Name).
			Hintf("add grub_device = \"/dev/sda\" (the disk to boot from by BIOS; by-id names are stabler) or grub_device = \"nodev\" (GRUB on UEFI)")
	}
}

// hardwareModuleGuess returns a module of the machine that looks like
// nixos-generate-config's output, or "".
func hardwareModuleGuess(m *fleet.Machine) string {
	if m.Boot != nil && m.Boot.HardwareModule.Value != "" {
		return m.Boot.HardwareModule.Value
	}
	for _, mod := range m.Modules {
		if strings.HasSuffix(mod.Value, "hardware-configuration.nix") {
			return mod.Value
		}
	}
	return ""
}

func quote(s string) string { return fmt.Sprintf("%q", s) }

// login mirrors what NixOS checks of the machine's users, and warns about
// users who could not log in where they would need to.
func (v *validator) login(m *resolve.Machine) {
	spec := m.Spec
	nx := nixosView{m: m}
	mutable := nx.bool("users.mutableUsers", true)
	var users []*fleet.User
	for _, r := range spec.Users {
		if u := v.rf.Spec.User(r.Value); u != nil {
			users = append(users, u)
		}
	}
	// users-groups.nix: with users.mutableUsers = false and without
	// users.allowNoPasswordLogin, root or a wheel member (by primary group
	// or extraGroups) must have a usable hashedPassword, a password, a
	// hashedPasswordFile or an SSH key (keys or keyFiles), unless
	// security.googleOsLogin is on. For immutable users the initial
	// password options count too (they become the password options).
	if !mutable && !nx.bool("users.allowNoPasswordLogin", false) && !nx.bool("security.googleOsLogin.enable", false) {
		ok := len(v.rf.Spec.AdminKeys) > 0 || nx.rawCanLogIn("root")
		for _, u := range users {
			if ok {
				break
			}
			wheel := slices.ContainsFunc(u.Groups, func(g fleet.Ref) bool { return g.Value == "wheel" }) || nx.rawWheel(u.Name)
			ok = wheel && (u.LoginPassword() || len(u.SSHKeys) > 0 || nx.rawCanLogIn(u.Name))
		}
		for _, name := range nx.rawUsers() {
			if !ok && !slices.ContainsFunc(users, func(u *fleet.User) bool { return u.Name == name }) {
				ok = nx.rawWheel(name) && nx.rawCanLogIn(name)
			}
		}
		if !ok {
			why := "users are declarative here (users.mutableUsers = false)"
			if f := nx.setBy("users.mutableUsers"); f != "" {
				why = "feature " + f + " makes users declarative (users.mutableUsers = false)"
			}
			summary := fmt.Sprintf("NixOS refuses %s: neither root nor a wheel user on it has a password or an SSH key, and %s", spec.Name, why)
			hint := "add admin_keys to [fleet] (root's SSH keys), or give a wheel user on the machine ssh_keys, hashed_password (`mkpasswd -m yescrypt`) or password_file"
			if len(spec.Modules) > 0 {
				// A module of the machine may set a password shoal cannot see.
				v.diags.Warnf(diag.CodeMaybeLockedOut, v.file, spec.Path, "%s, unless one of its modules sets one", summary).Hintf("%s", hint)
			} else {
				v.diags.Errorf(diag.CodeLockedOut, v.file, spec.Path, "%s", summary).Hintf("%s", hint)
			}
		}
	}
	for _, u := range users {
		if u.HashedPassword.Value != "" && u.PasswordFile.Value != "" {
			v.diags.Warnf(diag.CodeTwoPasswords, v.file, u.PasswordFile.Path, "%s has both hashed_password and password_file; NixOS uses the file and ignores the hash", u.Name).
				Hintf("keep one of them").
				Relate(v.file, u.HashedPassword.Path, "hashed_password here")
		}
		// users-groups.nix: with users.mutableUsers true, a password option
		// sets the password only when the user is created.
		if mutable && u.PasswordFile.Value != "" {
			v.diags.Warnf(diag.CodePasswordOnce, v.file, u.PasswordFile.Path, "%s's password on %s comes from password_file only when the user is first created: users.mutableUsers is true there, so a changed file (a rotated secret) changes nothing", u.Name, spec.Name).
				Hintf("make users declarative on %s: hardening.level = \"standard\" or nixos.\"users.mutableUsers\" = false; or change the password on the host with passwd", spec.Name)
		}
	}
	// Who must type a password: a desktop user at the display manager, and
	// a wheel user for sudo when sudo asks wheel users for one.
	desktop := m.Has("desktop")
	sudoAsks := nx.bool("security.sudo.enable", true) && nx.bool("security.sudo.wheelNeedsPassword", true)
	for _, r := range spec.Users {
		u := v.rf.Spec.User(r.Value)
		if u == nil || u.LoginPassword() || nx.rawCanLogInByPassword(u.Name) {
			continue
		}
		wheel := slices.ContainsFunc(u.Groups, func(g fleet.Ref) bool { return g.Value == "wheel" })
		var needs []string
		if desktop {
			needs = append(needs, "log in at the display manager")
		}
		if wheel && sudoAsks {
			needs = append(needs, "use sudo (security.sudo.wheelNeedsPassword is true)")
		}
		if len(needs) == 0 {
			continue
		}
		hint := fmt.Sprintf("add hashed_password to [users.%s] (run `mkpasswd -m yescrypt` and paste the $y$... line it prints), or password_file = \"/var/lib/shoal/secrets/%s-password\" holding such a hash", u.Name, u.Name)
		if mutable {
			hint += fmt.Sprintf("; or set one by hand on the machine with `passwd %s` (users are mutable there)", u.Name)
		}
		v.diags.Warnf(diag.CodeNoLogin, v.file, r.Path, "%s has no password on %s, so they cannot %s", u.Name, spec.Name, strings.Join(needs, " or ")).
			Hintf("%s", hint).
			Relate(v.file, u.Path, "user %s", u.Name)
	}
}

// nixosView reads NixOS option values a machine gets from its features'
// option blocks and its raw nixos."…" settings, for the few options the
// login rules need. A raw setting wins over a feature's value.
type nixosView struct{ m *resolve.Machine }

func (nx nixosView) value(option string) (any, string, bool) {
	for _, raw := range nx.m.Spec.NixOS {
		if raw.Option == option {
			return raw.Value.Value(), "", true
		}
	}
	for _, f := range nx.m.Features {
		for _, blk := range f.Def.NixOS {
			for _, o := range blk.Options {
				if o.Option != option {
					continue
				}
				// The condition is asked only of a block that sets the
				// option: most do not.
				if len(blk.When) > 0 && !nx.m.Holds(blk.When) {
					break
				}
				if ref, ok := o.Value.(catalog.SettingRef); ok {
					val := f.Value(ref.Setting)
					if val == nil || val.Value == nil {
						continue
					}
					return val.Value, f.Name(), true
				}
				return o.Value, f.Name(), true
			}
		}
	}
	return nil, "", false
}

func (nx nixosView) bool(option string, def bool) bool {
	if v, _, ok := nx.value(option); ok {
		if b, ok := v.(bool); ok {
			return b
		}
	}
	return def
}

// setBy names the feature that sets option, or "".
func (nx nixosView) setBy(option string) string {
	_, f, _ := nx.value(option)
	return f
}

// rawUser collects a machine's raw settings under users.users.NAME, as
// option paths below the user (["hashedPassword"], ["openssh",
// "authorizedKeys", "keys"]) and their values, tables flattened.
func (nx nixosView) rawUser(name string) map[string]any {
	out := map[string]any{}
	for _, raw := range nx.m.Spec.NixOS {
		p, err := nixopts.SplitPath(raw.Option)
		if err != nil || len(p) < 2 || p[0] != "users" || p[1] != "users" {
			continue
		}
		flatten(p[2:], raw.Value.Value(), func(q []string, v any) {
			if len(q) >= 2 && q[0] == name {
				out[strings.Join(q[1:], ".")] = v
			}
		})
	}
	return out
}

func flatten(prefix []string, v any, fn func([]string, any)) {
	if m, ok := v.(map[string]any); ok {
		for k, x := range m {
			sub, err := nixopts.SplitPath(k)
			if err != nil {
				sub = []string{k}
			}
			flatten(append(slices.Clone(prefix), sub...), x, fn)
		}
		return
	}
	fn(prefix, v)
}

// rawUsers lists the user names raw settings mention, sorted.
func (nx nixosView) rawUsers() []string {
	var names []string
	for _, raw := range nx.m.Spec.NixOS {
		p, err := nixopts.SplitPath(raw.Option)
		if err != nil || len(p) < 2 || p[0] != "users" || p[1] != "users" {
			continue
		}
		flatten(p[2:], raw.Value.Value(), func(q []string, _ any) {
			if len(q) >= 1 {
				names = append(names, q[0])
			}
		})
	}
	slices.Sort(names)
	return slices.Compact(names)
}

func (nx nixosView) rawWheel(name string) bool {
	u := nx.rawUser(name)
	if u["group"] == "wheel" {
		return true
	}
	groups, _ := u["extraGroups"].([]any)
	return slices.Contains(groups, any("wheel"))
}

// rawCanLogIn mirrors users-groups.nix's test of one user, on the raw
// settings: a usable hashedPassword, a password, a hashedPasswordFile, or
// SSH keys; with immutable users the initial passwords count too.
func (nx nixosView) rawCanLogIn(name string) bool {
	u := nx.rawUser(name)
	for _, k := range []string{"openssh.authorizedKeys.keys", "openssh.authorizedKeys.keyFiles"} {
		if l, ok := u[k].([]any); ok && len(l) > 0 {
			return true
		}
	}
	return nx.rawCanLogInByPassword(name)
}

func (nx nixosView) rawCanLogInByPassword(name string) bool {
	u := nx.rawUser(name)
	mutable := nx.bool("users.mutableUsers", true)
	hash, hasHash := u["hashedPassword"].(string)
	if !hasHash && !mutable {
		hash, hasHash = u["initialHashedPassword"].(string)
	}
	if hasHash && (hash == "" || !slices.Contains([]string{"!", "!!", "*"}, hash)) {
		return true
	}
	for _, k := range []string{"password", "hashedPasswordFile", "passwordFile"} {
		if _, ok := u[k].(string); ok {
			return true
		}
	}
	if _, ok := u["initialPassword"].(string); ok && !mutable {
		return true
	}
	return false
}
