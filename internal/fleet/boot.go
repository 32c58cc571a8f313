package fleet

import (
	"path"
	"regexp"
	"slices"
	"strings"

	"github.com/shoal-nix/shoal/internal/diag"
	"github.com/shoal-nix/shoal/internal/tomltree"
)

// Boot loaders a machine may name in [machines.NAME.boot].
var (
	BootLoaders = []string{"grub", "modules", "systemd-boot"}
	BootModes   = []string{"bios", "uefi"}
	FileSystems = []string{"btrfs", "ext4", "xfs"}
)

// Boot says how a machine boots when shoal does not lay out its disk
// itself, or which loader it uses on the disk it lays out.
type Boot struct {
	Path diag.Path
	// Loader is systemd-boot (UEFI), grub, or "modules": a module of the
	// machine sets the boot loader and shoal leaves it alone. "" when not told.
	Loader string
	// GrubDevice is GRUB's install device: a disk for BIOS booting, or
	// "nodev" for GRUB on UEFI (boot.loader.grub.device).
	GrubDevice string
	// HardwareModule is a module, relative to the fleet directory, that
	// defines the machine's file systems: the hardware-configuration.nix
	// that nixos-generate-config writes. shoal imports it.
	HardwareModule Ref
	// FacterReport is a nixos-facter report (facter.json), relative to the
	// fleet directory: hardware.facter.reportPath. It tells NixOS the
	// machine's hardware (kernel modules, firmware), not its file systems.
	FacterReport Ref
}

// Disk is a declarative disk layout: one disk, partitioned and formatted
// by disko, whose file systems and boot loader shoal writes itself.
type Disk struct {
	Path   diag.Path
	Device string // the disk, e.g. /dev/disk/by-id/nvme-... or /dev/sda
	Boot   string // uefi | bios
	FS     string // ext4 | btrfs | xfs
	LUKS   bool   // the root file system (and swap) encrypted
	Swap   Size   // a swap partition of this size; 0: none
}

// UEFI reports whether the machine's firmware boots it by UEFI.
func (d *Disk) UEFI() bool { return d.Boot == "uefi" }

func (p *parser) boot(m *Machine, v *tomltree.Node, at diag.Path) {
	b := &Boot{Path: at}
	keys := []string{"loader", "grub_device", "hardware_module", "facter_report"}
	if !p.d.Fields(v, at, "boot", keys, func(key string, v *tomltree.Node, at diag.Path) {
		switch key {
		case "loader":
			if s, ok := p.d.String(v, at, "boot.loader"); ok && p.oneOf(s, BootLoaders, at, "boot loader") {
				b.Loader = s
			}
		case "grub_device":
			if s, ok := p.d.String(v, at, "boot.grub_device"); ok {
				if s != "nodev" && !isAbsPath(s) {
					p.d.Diags.Errorf(diag.CodeInvalidValue, p.f.File, at, "boot.grub_device %q is neither a device path nor \"nodev\"", s).
						Hintf("write the disk GRUB installs to for BIOS booting, e.g. \"/dev/sda\" or \"/dev/disk/by-id/...\", or \"nodev\" for GRUB on UEFI")
				}
				b.GrubDevice = s
			}
		case "hardware_module":
			if s, ok := p.d.String(v, at, "boot.hardware_module"); ok {
				r := Ref{Value: s, Path: at}
				if p.relativeNix(r, "hardware module") {
					b.HardwareModule = r
				}
			}
		case "facter_report":
			if s, ok := p.d.String(v, at, "boot.facter_report"); ok {
				r := Ref{Value: s, Path: at}
				if p.relativeNix(r, "facter report") {
					b.FacterReport = r
				}
			}
		}
	}) {
		return
	}
	m.Boot = b
}

func (p *parser) disk(m *Machine, v *tomltree.Node, at diag.Path) {
	d := &Disk{Path: at, FS: "ext4"}
	keys := []string{"device", "boot", "fs", "luks", "swap"}
	// The keys' paths are only reported at.
	if !p.d.TransientFields(v, at, "disk", keys, func(key string, v *tomltree.Node, at diag.Path) {
		switch key {
		case "device":
			if s, ok := p.d.String(v, at, "disk.device"); ok {
				if !isAbsPath(s) || !strings.HasPrefix(s, "/dev/") {
					p.d.Diags.Errorf(diag.CodeInvalidValue, p.f.File, at, "disk.device %q is not a device path", s).
						Hintf("name the whole disk under /dev, best by a stable name: \"/dev/disk/by-id/nvme-...\" (ls -l /dev/disk/by-id on the machine), or \"/dev/sda\", \"/dev/nvme0n1\"")
				}
				d.Device = s
			}
		case "boot":
			if s, ok := p.d.String(v, at, "disk.boot"); ok && p.oneOf(s, BootModes, at, "disk.boot") {
				d.Boot = s
			}
		case "fs":
			if s, ok := p.d.String(v, at, "disk.fs"); ok && p.oneOf(s, FileSystems, at, "disk.fs") {
				d.FS = s
			}
		case "luks":
			d.LUKS, _ = p.d.Bool(v, at, "disk.luks")
		case "swap":
			d.Swap = p.size(v, at, "disk.swap")
			if d.Swap > 0 && d.Swap < 1<<20 {
				p.d.Diags.Errorf(diag.CodeInvalidValue, p.f.File, at, "disk.swap %s is smaller than 1MiB", d.Swap).
					Hintf("write a size with a unit, e.g. \"8GiB\", or leave swap out")
			}
		}
	}) {
		return
	}
	if v.Get("device") == nil {
		p.d.Diags.Errorf(diag.CodeMissing, p.f.File, at, "disk has no device").
			Hintf("add device = \"/dev/disk/by-id/...\": the disk to partition (its contents are erased when disko formats it)")
	}
	if v.Get("boot") == nil {
		p.d.Diags.Errorf(diag.CodeMissing, p.f.File, at, "disk does not say how the machine boots").
			Hintf("add boot = \"uefi\" (an EFI system partition and systemd-boot) or boot = \"bios\" (legacy boot: GRUB on the disk)")
	}
	m.Disk = d
}

// isAbsPath reports whether s is a clean absolute path without spaces.
func isAbsPath(s string) bool {
	return strings.HasPrefix(s, "/") && path.Clean(s) == s && !strings.ContainsAny(s, " \t\r\n\"\\") && s != "/"
}

// CryptSchemes are the crypt(3) schemes of NixOS's libxcrypt
// (pkgs.libxcrypt.enabledCryptSchemeIds: the "strong" hashes), which
// NixOS's users-groups.nix also checks hashedPassword against. A hash of
// another scheme ($1$ md5crypt, $5$ sha256crypt, DES) cannot log in.
var CryptSchemes = map[string]string{
	"y": "yescrypt", "gy": "gost-yescrypt", "sm3y": "sm3-yescrypt", "7": "scrypt",
	"2b": "bcrypt", "2y": "bcrypt", "2a": "bcrypt", "6": "sha512crypt",
}

// retiredSchemes are crypt schemes libxcrypt knows but NixOS builds without.
var retiredSchemes = map[string]string{
	"1": "md5crypt", "5": "sha256crypt", "3": "NT hash", "md5": "Sun md5crypt", "sha1": "sha1crypt", "_": "BSDi DES",
}

// mcf is the Modular Crypt Format as NixOS's users-groups.nix matches
// hashedPassword (with the scheme id checked separately).
var mcf = regexp.MustCompile(`^\$([a-z0-9]+)(\$[a-z0-9-]+(=[a-zA-Z0-9/+.-]+)?(,[a-z0-9-]+=[a-zA-Z0-9/+.-]+)*)?\$[a-zA-Z0-9./]+\$[a-zA-Z0-9./]+(\$[a-zA-Z0-9./]+)?$`)

// PasswordHashProblem says what is wrong with a hashed_password value, or
// returns "" when NixOS accepts it: a crypt hash of an enabled scheme, or
// "!", "!!", "*" (password login disabled).
func PasswordHashProblem(h string) string {
	switch {
	case h == "!" || h == "!!" || h == "*":
		return ""
	case h == "":
		return "is empty: NixOS would let the user log in at the console without a password"
	case strings.Contains(h, ":"):
		return "contains \":\", which would break /etc/shadow (NixOS refuses it)"
	case !strings.HasPrefix(h, "$"):
		return "looks like a plain-text password, not a crypt hash: anyone who can read shoal.toml or the Nix store could read it, and it would not let the user log in"
	}
	id, _, _ := strings.Cut(h[1:], "$")
	if name, ok := retiredSchemes[id]; ok {
		return "uses " + name + " ($" + id + "$), a scheme NixOS's libxcrypt no longer accepts: the user could not log in"
	}
	if _, ok := CryptSchemes[id]; !ok {
		return "uses an unknown crypt scheme $" + id + "$"
	}
	if !mcf.MatchString(h) {
		return "is not a well-formed crypt hash (NixOS warns that the user may be locked out)"
	}
	return ""
}

func (p *parser) hashedPassword(u *User, v *tomltree.Node, at diag.Path) {
	s, ok := p.d.String(v, at, "hashed_password")
	if !ok {
		return
	}
	if problem := PasswordHashProblem(s); problem != "" {
		e := p.d.Diags.Errorf(diag.CodePasswordHash, p.f.File, at, "hashed_password of %s %s", u.Name, problem)
		e.Hintf("run `mkpasswd -m yescrypt` and paste the line it prints (it starts with $y$), or use password_file")
		return
	}
	u.HashedPassword = Ref{Value: s, Path: at}
}

func (p *parser) passwordFile(u *User, v *tomltree.Node, at diag.Path) {
	if v.Kind == tomltree.Table {
		// password_file = { secret = "NAME" }: a [secrets.NAME] file,
		// wherever that secret goes (passwordSecrets).
		if e := v.Get("secret"); e != nil && v.Len() == 1 && e.Kind == tomltree.String && e.Str != "" {
			u.PasswordSecret = Ref{Value: e.Str, Path: at.Child("secret")}
			return
		}
		p.d.Diags.Errorf(diag.CodeInvalidValue, p.f.File, at, "password_file of %s is a table, but not { secret = \"NAME\" }", u.Name).
			Hintf("write password_file = { secret = \"%s-password\" } for a secret of [secrets], or an absolute path on the machine", u.Name)
		return
	}
	s, ok := p.d.String(v, at, "password_file")
	if !ok {
		return
	}
	if !isAbsPath(s) || strings.HasPrefix(s, "/nix/store/") {
		p.d.Diags.Errorf(diag.CodeInvalidValue, p.f.File, at, "password_file %q is not an absolute path on the machine outside the Nix store", s).
			Hintf("name the file on the machine that holds the user's password hash, e.g. \"/var/lib/shoal/secrets/%s-password\"", u.Name)
		return
	}
	u.PasswordFile = Ref{Value: s, Path: at}
}

// passwordSecrets points each user whose password_file names a secret at
// that secret's destination; shoal check reports the secrets that are not
// declared.
func (p *parser) passwordSecrets() {
	for _, u := range p.f.Users {
		if s := p.f.Secret(u.PasswordSecret.Value); s != nil {
			u.PasswordFile = Ref{Value: s.Dest(), Path: u.PasswordSecret.Path}
		}
	}
}

// LoginPassword reports whether the user has a password NixOS would let
// them log in with: a usable hash, or a password file (a secret's too).
func (u *User) LoginPassword() bool {
	return u.PasswordFile.Value != "" || u.PasswordSecret.Value != "" || (u.HashedPassword.Value != "" && !slices.Contains([]string{"!", "!!", "*"}, u.HashedPassword.Value))
}
