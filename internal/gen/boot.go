package gen

import (
	"fmt"
	"slices"

	"github.com/shoal-nix/shoal/internal/fleet"
	"github.com/shoal-nix/shoal/internal/layout"
	"github.com/shoal-nix/shoal/internal/nixlit"
	"github.com/shoal-nix/shoal/internal/resolve"
)

// How a machine boots and where its file systems are.
//
// A disk layout in shoal.toml becomes two things: machines/NAME/disko.nix,
// the layout for disko, which partitions and formats the disk (nixos-anywhere
// runs it at installation); and, in machines/NAME/default.nix, the
// fileSystems, swapDevices, LUKS devices and boot loader that the layout
// implies, written by shoal with disko.enableConfig = false. disko would
// set the same options itself from the layout; shoal writes them so that
// the machine module says in plain NixOS what it mounts and how it boots,
// and so that `shoal check` and an evaluation without disko (the offline
// NixOS module check) see them. Partitions carry explicit GPT labels, so
// the by-partlabel names both sides use are pinned here, not by disko's
// defaults.

// diskName is the name of the disk in disko.devices.disk, as in disko's
// and nixos-anywhere's examples; partition labels derive from it.
const diskName = "main"

// diskLayout is what a disk layout puts where.
type diskLayout struct {
	disk       *fleet.Disk
	espLabel   string // "" on BIOS
	biosLabel  string // the 1 MiB BIOS boot partition GRUB embeds into; "" on UEFI
	swapLabel  string // "" without swap
	rootLabel  string // the partition holding the root file system or its LUKS container
	luksName   string // "" without LUKS
	rootDevice string // what fileSystems."/" mounts
}

func layoutOf(d *fleet.Disk) diskLayout {
	l := diskLayout{disk: d, rootLabel: partLabel("root")}
	if d.UEFI() {
		l.espLabel = partLabel("ESP")
	} else {
		l.biosLabel = partLabel("boot")
	}
	if d.Swap > 0 {
		l.swapLabel = partLabel("swap")
	}
	l.rootDevice = byPartLabel(l.rootLabel)
	if d.LUKS {
		l.rootLabel = partLabel("luks")
		l.luksName = "cryptroot"
		l.rootDevice = "/dev/mapper/" + l.luksName
	}
	return l
}

// partLabel is disko's default label of a partition of the main disk
// ("disk-main-ESP"), which shoal also writes out explicitly.
func partLabel(part string) string { return "disk-" + diskName + "-" + part }

func byPartLabel(label string) string { return "/dev/disk/by-partlabel/" + label }

// btrfsSubvolumes are the subvolumes of a btrfs root and where they mount.
var btrfsSubvolumes = []struct{ name, mountpoint string }{
	{"/root", "/"}, {"/home", "/home"}, {"/nix", "/nix"},
}

var btrfsOptions = []any{"compress=zstd", "noatime"}

// diskoSize renders a size the way disko (sgdisk) takes it: binary units.
func diskoSize(s fleet.Size) string {
	for _, u := range []struct {
		suffix string
		size   int64
	}{{"T", 1 << 40}, {"G", 1 << 30}} {
		if int64(s)%u.size == 0 {
			return fmt.Sprintf("%d%s", int64(s)/u.size, u.suffix)
		}
	}
	mib := (int64(s) + 1<<20 - 1) >> 20
	return fmt.Sprintf("%dM", mib)
}

// diskoFile writes machines/NAME/disko.nix for a machine with a disk layout.
func (g *generator) diskoFile(m *resolve.Machine) error {
	d := m.Spec.Disk
	l := layoutOf(d)
	file := layout.MachineDisko(m.Name())
	var b nodes
	// Bindings in the order people read a layout: the disk, then its
	// partitions from the first on the disk to the last.
	var a []nixlit.Binding
	add := func(v any, trailing string, p ...string) {
		bd := bind(b.data(v), append([]string{"disko", "devices", "disk", diskName}, p...)...)
		bd.Trailing = trailing
		a = append(a, bd)
	}
	part := func(name string, p ...string) []string { return append([]string{"content", "partitions", name}, p...) }
	add("disk", "", "type")
	add(d.Device, "", "device")
	add("gpt", "", "content", "type")
	if l.biosLabel != "" {
		add(l.biosLabel, "", part("boot", "label")...)
		add("1M", "", part("boot", "size")...)
		add("EF02", "BIOS boot partition: GRUB embeds itself here", part("boot", "type")...)
	}
	if l.espLabel != "" {
		add(l.espLabel, "", part("ESP", "label")...)
		add("1G", "", part("ESP", "size")...)
		add("EF00", "EFI system partition", part("ESP", "type")...)
		add("filesystem", "", part("ESP", "content", "type")...)
		add("vfat", "", part("ESP", "content", "format")...)
		add("/boot", "", part("ESP", "content", "mountpoint")...)
		add([]any{"umask=0077"}, "", part("ESP", "content", "mountOptions")...)
	}
	if l.swapLabel != "" {
		add(l.swapLabel, "", part("swap", "label")...)
		add(diskoSize(d.Swap), "", part("swap", "size")...)
		add("swap", "", part("swap", "content", "type")...)
		if d.LUKS {
			add(true, "a new random key at every boot", part("swap", "content", "randomEncryption")...)
		}
	}
	add(l.rootLabel, "", part("root", "label")...)
	add("100%", "the rest of the disk", part("root", "size")...)
	fs := part("root", "content")
	if d.LUKS {
		add("luks", "the passphrase is asked for when disko formats the disk", part("root", "content", "type")...)
		add(l.luksName, "", part("root", "content", "name")...)
		add(true, "", part("root", "content", "settings", "allowDiscards")...)
		fs = part("root", "content", "content")
	}
	at := func(p ...string) []string { return append(slices.Clone(fs), p...) }
	switch d.FS {
	case "btrfs":
		add("btrfs", "", at("type")...)
		add([]any{"-f"}, "", at("extraArgs")...)
		for _, s := range btrfsSubvolumes {
			add(map[string]any{"mountpoint": s.mountpoint, "mountOptions": btrfsOptions}, "", at("subvolumes", s.name)...)
		}
	default:
		add("filesystem", "", at("type")...)
		add(d.FS, "", at("format")...)
		add("/", "", at("mountpoint")...)
	}
	return g.write(file, nixFile(set(nixlit.Group(a)...),
		fmt.Sprintf("Disk layout of %s for disko, from shoal.toml: disko partitions and formats %s", m.Name(), d.Device),
		"(nixos-anywhere runs it when it installs the machine; formatting erases the disk).",
		"The file systems, swap and boot loader it implies are written in ./default.nix, where",
		"disko.enableConfig is false: disko partitions, NixOS mounts what default.nix says.",
	), Origin{Kind: FromMachine, Name: m.Name(), File: g.rf.Spec.File, Path: d.Path}, b.err)
}

// userPassword adds a user's password hash or password file.
func userPassword(b *nodes, a []nixlit.Binding, u *fleet.User, at func(...string) []string) []nixlit.Binding {
	if u.HashedPassword.Value != "" {
		a = append(a, bind(b.data(u.HashedPassword.Value), at("hashedPassword")...))
	}
	if u.PasswordFile.Value != "" {
		bd := bind(b.data(u.PasswordFile.Value), at("hashedPasswordFile")...)
		bd.Trailing = "read at activation"
		a = append(a, bd)
	}
	return a
}

// bootImport is an import a machine's boot settings bring, with the
// comment line before it.
type bootImport struct {
	comment string
	node    nixlit.Node
}

// bootImports lists what a machine's boot settings add to its imports:
// the hardware module (unless modules already lists it), the disk layout,
// and the QEMU guest profile for a virtual machine that has neither a
// hardware module nor a facter report to name its disk drivers.
func (g *generator) bootImports(file string, m *resolve.Machine) []bootImport {
	spec := m.Spec
	b, d := spec.Boot, spec.Disk
	if spec.Hardware.Form == "container" {
		return nil
	}
	var out []bootImport
	if b != nil && b.HardwareModule.Value != "" && !listed(spec.Modules, b.HardwareModule.Value) {
		out = append(out, bootImport{"The hardware module (nixos-generate-config): file systems, kernel modules.", rel(file, g.srcPath(b.HardwareModule.Value))})
	}
	if d != nil {
		out = append(out, bootImport{"The disk layout disko partitions.", rel(file, layout.MachineDisko(spec.Name))})
		if spec.Hardware.Form == "vm" && (b == nil || (b.HardwareModule.Value == "" && b.FacterReport.Value == "")) {
			out = append(out, bootImport{"A virtual machine without a hardware module: virtio disk and network drivers in the initrd.",
				&nixlit.Paren{X: nixlit.Binary(sel("modulesPath"), "+", nstr("/profiles/qemu-guest.nix"))}})
		}
	}
	return out
}

func listed(refs []fleet.Ref, p string) bool {
	for _, r := range refs {
		if r.Value == p {
			return true
		}
	}
	return false
}

// bootConfig adds a machine's boot loader, file systems and swap.
func (g *generator) bootConfig(b *nodes, a []nixlit.Binding, m *resolve.Machine) []nixlit.Binding {
	spec := m.Spec
	bt, d := spec.Boot, spec.Disk
	add := func(v any, trailing string, p ...string) {
		var n nixlit.Node
		if node, ok := v.(nixlit.Node); ok {
			n = node
		} else {
			n = b.data(v)
		}
		bd := bind(n, p...)
		bd.Trailing = trailing
		a = append(a, bd)
	}
	if spec.Hardware.Form == "container" {
		add(true, "hardware.form = \"container\": no boot loader, no file systems of its own", "boot", "isContainer")
		return a
	}
	if bt != nil && bt.FacterReport.Value != "" {
		add(rel(layout.Machine(spec.Name), g.srcPath(bt.FacterReport.Value)), "nixos-facter's hardware report", "hardware", "facter", "reportPath")
	}
	systemdBoot := func() {
		add(true, "UEFI", "boot", "loader", "systemd-boot", "enable")
		add(true, "", "boot", "loader", "efi", "canTouchEfiVariables")
	}
	grubEFI := func() {
		add("nodev", "GRUB on UEFI: installed to the EFI system partition", "boot", "loader", "grub", "device")
		add(true, "", "boot", "loader", "grub", "efiSupport")
		add(true, "", "boot", "loader", "efi", "canTouchEfiVariables")
	}
	loader := ""
	if bt != nil {
		loader = bt.Loader
	}
	if d == nil {
		switch {
		case loader == "systemd-boot":
			systemdBoot()
		case loader == "grub" && bt.GrubDevice == "nodev":
			grubEFI()
		case loader == "grub" && bt.GrubDevice != "":
			add([]any{bt.GrubDevice}, "BIOS boot", "boot", "loader", "grub", "devices")
		}
		return a
	}
	l := layoutOf(d)
	if loader == "" {
		loader = "systemd-boot"
		if !d.UEFI() {
			loader = "grub"
		}
	}
	switch {
	case loader == "systemd-boot":
		systemdBoot()
	case loader == "grub" && d.UEFI():
		grubEFI()
	case loader == "grub":
		add([]any{d.Device}, "BIOS boot from the disk", "boot", "loader", "grub", "devices")
	}
	switch d.FS {
	case "btrfs":
		for _, s := range btrfsSubvolumes {
			add(map[string]any{
				"device": l.rootDevice, "fsType": "btrfs",
				"options": append(slices.Clone(btrfsOptions), "subvol="+s.name),
			}, "", "fileSystems", s.mountpoint)
		}
	default:
		add(map[string]any{"device": l.rootDevice, "fsType": d.FS}, "", "fileSystems", "/")
	}
	if l.espLabel != "" {
		add(map[string]any{"device": byPartLabel(l.espLabel), "fsType": "vfat", "options": []any{"umask=0077"}}, "", "fileSystems", "/boot")
	}
	if l.luksName != "" {
		add(byPartLabel(l.rootLabel), "unlocked in the initrd, which asks for the passphrase", "boot", "initrd", "luks", "devices", l.luksName, "device")
		add(true, "", "boot", "initrd", "luks", "devices", l.luksName, "allowDiscards")
	}
	if l.swapLabel != "" {
		sw := map[string]any{"device": byPartLabel(l.swapLabel)}
		if d.LUKS {
			sw["randomEncryption"] = map[string]any{"enable": true}
		}
		add([]any{sw}, "", "swapDevices")
	}
	add(false, "shoal writes the file systems above; disko partitions (./disko.nix)", "disko", "enableConfig")
	return a
}

// usesDisko reports whether a machine of the fleet has a disk layout.
func (g *generator) usesDisko() bool {
	for _, m := range g.rf.Spec.Machines {
		if m.Disk != nil {
			return true
		}
	}
	return false
}

// diskoInputs are flake.nix's input bindings for disko, following the
// fleet's nixpkgs; none when the fleet declares a disko input itself.
func (g *generator) diskoInputs() []nixlit.Binding {
	if !g.usesDisko() {
		return nil
	}
	for _, in := range g.rf.Spec.Inputs {
		if in.Name == "disko" {
			return nil
		}
	}
	return []nixlit.Binding{
		bind(nstr("github:nix-community/disko"), "disko", "url"),
		bind(nstr("nixpkgs"), "disko", "inputs", "nixpkgs", "follows"),
	}
}

// machineModule is how flake/nixos-configurations.nix passes a machine's
// module: its directory, plus disko's NixOS module when the machine has a
// disk layout.
func machineModule(m *fleet.Machine) nixlit.Node {
	dir := rel(layout.NixOSConfigurations, layout.MachineDir(m.Name))
	if m.Disk == nil {
		return dir
	}
	return &nixlit.Set{Inline: true, Bindings: []nixlit.Binding{
		bind(&nixlit.List{Inline: true, Items: []nixlit.Node{dir, sel("inputs", "disko", "nixosModules", "disko")}}, "imports"),
	}}
}
