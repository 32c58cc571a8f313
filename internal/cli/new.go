package cli

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/shoal-nix/shoal/internal/check"
	"github.com/shoal-nix/shoal/internal/diag"
	"github.com/shoal-nix/shoal/internal/fleet"
	"github.com/shoal-nix/shoal/internal/scaffold"
)

func newNewCommand(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "new KIND NAME",
		Short: "Add a machine to shoal.toml, or a feature of the fleet's own",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return cmd.Help()
		},
	}
	cmd.AddCommand(newNewMachineCommand(g), newNewFeatureCommand(g))
	return cmd
}

type newMachineOptions struct {
	profile  string
	address  string
	tags     []string
	features []string
	disk     string
	bios     bool
}

func newNewMachineCommand(g *globals) *cobra.Command {
	var o newMachineOptions
	cmd := &cobra.Command{
		Use:   "machine NAME [FLEET] --profile PROFILE",
		Short: "Add a machine to shoal.toml and create machines/NAME/",
		Long: `New machine appends a [machines.NAME] table to shoal.toml, after the last
machine, keeping every comment and the layout of the rest of the file, then
creates machines/NAME/ with a README saying how to produce the machine's
hardware configuration, and checks the fleet. --disk names the disk disko
partitions and formats when the machine is installed (ls -l /dev/disk/by-id/
on the machine; --bios for BIOS firmware); without it the machine gets the
placeholder /dev/disk/by-id/CHANGE-ME, which check warns about.

Exit status: 0 added and the fleet checks clean, 3 added but the fleet has
errors, 2 usage (an unknown profile, a name that is taken), 1 failure.`,
		Example: "  shoal new machine nas --profile server --address nas.home.arpa --tag storage --disk /dev/disk/by-id/nvme-Samsung_SSD_980_1TB_S64ANS0T123456\n  shoal new machine laptop --profile developer --feature laptop --disk /dev/nvme0n1\n  shoal new machine old --profile server --disk /dev/sda --bios",
		Args:    cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runNewMachine(cmd.Context(), g, o, args[0], argOr(args, 1))
		},
	}
	cmd.Flags().StringVar(&o.profile, "profile", "", "the machine's profile: base, desktop, developer, server (required)")
	cmd.Flags().StringVar(&o.address, "address", "", "how deploy reaches it: a host name or an IP address")
	cmd.Flags().StringSliceVar(&o.tags, "tag", nil, "a tag (repeat for more)")
	cmd.Flags().StringSliceVar(&o.features, "feature", nil, "a feature beyond the profile's (repeat for more; shoal features lists them)")
	_ = cmd.RegisterFlagCompletionFunc("feature", completeNames(catalogFeatures))
	cmd.Flags().StringVar(&o.disk, "disk", "", "the disk disko lays out at installation, e.g. /dev/disk/by-id/nvme-... (UEFI)")
	cmd.Flags().BoolVar(&o.bios, "bios", false, "with --disk: the machine boots the disk by BIOS, not UEFI")
	_ = cmd.RegisterFlagCompletionFunc("profile", completeNames(catalogProfiles))
	_ = cmd.RegisterFlagCompletionFunc("tag", completeNames(fleetTags))
	cmd.ValidArgsFunction = func(cmd *cobra.Command, args []string, _ string) ([]string, cobra.ShellCompDirective) {
		if len(args) == 1 {
			return nil, cobra.ShellCompDirectiveFilterDirs
		}
		return nil, cobra.ShellCompDirectiveNoFileComp // a new name
	}
	return cmd
}

func runNewMachine(_ context.Context, g *globals, o newMachineOptions, name, fleetArg string) error {
	if o.profile == "" {
		return usageError("new machine needs --profile; profiles are: base, desktop, developer, server (shoal show profile NAME)")
	}
	res, dir, err := loadFleetDir(fleetArg)
	if err != nil {
		return err
	}
	if res.Catalog.Profiles[o.profile] == nil {
		return unknownName("profile", o.profile, res.Catalog.ProfileNames())
	}
	for _, f := range o.features {
		if res.Catalog.Features[f] == nil {
			return unknownName("feature", f, res.Catalog.FeatureNames())
		}
	}
	file := filepath.Join(dir, check.FleetFile)
	src, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	out, err := scaffold.AppendMachine(res.Fleet.File, src, scaffold.Machine{Name: name, Profile: o.profile, Address: o.address, Tags: o.tags, Features: o.features, Disk: o.disk, DiskBoot: diskBoot(o.bios)})
	if err != nil {
		var l diag.List
		if errors.As(err, &l) {
			g.diagRenderer(g.stderr, nil).render(l)
			return &exitError{code: ExitUsage, err: fmt.Errorf("machine %q not added", name)}
		}
		if errors.Is(err, scaffold.ErrMachineExists) {
			return usageError("%v", err)
		}
		return err
	}
	if err := replaceFile(file, out); err != nil {
		return err
	}
	fmt.Fprintf(g.stdout, "added [machines.%s] to %s\n", name, file)
	files := map[string][]byte{"machines/" + name + "/README.md": []byte(machineReadme(name))}
	written, _, err := writeNewFiles(dir, files)
	for _, p := range written {
		fmt.Fprintf(g.stdout, "created %s\n", filepath.Join(dir, p))
	}
	if err != nil {
		return err
	}
	return recheck(g, fleetArg)
}

func diskBoot(bios bool) string {
	if bios {
		return "bios"
	}
	return "uefi"
}

// recheck checks the fleet after a change and reports it as shoal check
// does.
func recheck(g *globals, fleetArg string) error {
	res, err := loadFleet(fleetArg)
	if err != nil {
		return err
	}
	return reportCheck(g, checkOptions{}, res)
}

// replaceFile writes data to file through a temporary file in the same
// directory and a rename, keeping the file's mode: a crash leaves the old
// file or the new one, never half of it.
func replaceFile(file string, data []byte) error {
	info, err := os.Stat(file)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(file), ".shoal-*.toml")
	if err != nil {
		return fmt.Errorf("write %s: %w", file, err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", file, err)
	}
	if err := tmp.Chmod(info.Mode().Perm()); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", file, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", file, err)
	}
	if err := os.Rename(tmp.Name(), file); err != nil {
		return fmt.Errorf("write %s: %w", file, err)
	}
	return nil
}

func machineReadme(name string) string {
	return `# Machine ` + name + `

shoal generates ` + "`default.nix`" + ` (and, with a disk layout, ` + "`disko.nix`" + `) here from
` + "`[machines." + name + "]`" + ` in shoal.toml; do not edit those. What shoal cannot know is
the machine's hardware: which disk it boots from, its file systems and kernel
modules. Tell it one of two ways, under ` + "`[machines." + name + "]`" + `:

1. A disk layout that disko partitions and formats when the machine is
   installed (nixos-anywhere runs it); shoal writes the file systems and the
   boot loader:

       disk = { device = "/dev/disk/by-id/nvme-...", boot = "uefi" }

   Find the disk with ` + "`lsblk`" + ` or ` + "`ls -l /dev/disk/by-id`" + ` on the machine (or in its
   installer); ` + "`boot = \"bios\"`" + ` for old firmware; ` + "`fs`" + `, ` + "`luks`" + ` and ` + "`swap`" + `
   are optional. ` + "`shoal new machine " + name + " --disk DEVICE`" + ` writes this line.

2. The hardware configuration NixOS writes for an installed machine. On the
   machine (or in the installer, with its file systems mounted on /mnt and
   ` + "`--root /mnt`" + `), run

       nixos-generate-config --show-hardware-config > hardware-configuration.nix

   copy the file here, as ` + "`machines/" + name + "/hardware-configuration.nix`" + `, and add

       boot = { hardware_module = "machines/` + name + `/hardware-configuration.nix", loader = "systemd-boot" }

   (` + "`loader = \"grub\"`" + ` with ` + "`grub_device = \"/dev/sda\"`" + ` on BIOS machines).

Give shoal the hardware facts features use as well, e.g.

    hardware = { cpu = "amd", memory = "16GiB", disk = "512GB", cores = 8, form = "server" }

then ` + "`shoal check`" + ` and ` + "`shoal gen`" + `.
`
}

type newFeatureOptions struct {
	from string
}

func newNewFeatureCommand(g *globals) *cobra.Command {
	var o newFeatureOptions
	cmd := &cobra.Command{
		Use:   "feature NAME [FLEET]",
		Short: "Create features/NAME/ from the feature template, or from an existing feature",
		Long: `New feature creates a feature of the fleet's own in features/NAME/:
feature.toml with every field present and commented with an example, and
module.nix, a NixOS module skeleton for what typed settings cannot say. The
new feature checks clean at once; a machine gets it with features = ["NAME"].

With --from EXISTING, feature.toml (and module.nix) are copies of another
feature's, built in or local, to adapt.`,
		Example: "  shoal new feature website\n  shoal new feature my-laptop --from laptop",
		Args:    cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runNewFeature(cmd.Context(), g, o, args[0], argOr(args, 1))
		},
	}
	cmd.Flags().StringVar(&o.from, "from", "", "copy this feature (built in or local) instead of the template")
	_ = cmd.RegisterFlagCompletionFunc("from", completeNames(catalogFeatures))
	cmd.ValidArgsFunction = func(cmd *cobra.Command, args []string, _ string) ([]string, cobra.ShellCompDirective) {
		if len(args) == 1 {
			return nil, cobra.ShellCompDirectiveFilterDirs
		}
		return nil, cobra.ShellCompDirectiveNoFileComp // a new name
	}
	return cmd
}

func runNewFeature(_ context.Context, g *globals, o newFeatureOptions, name, fleetArg string) error {
	if !fleet.FeatureName.MatchString(name) {
		return usageError("invalid feature name %q: lowercase letters, digits and \"-\", starting with a letter", name)
	}
	res, dir, err := loadFleetDir(fleetArg)
	if err != nil {
		return err
	}
	if f := res.Catalog.Features[name]; f != nil {
		if f.Local {
			return usageError("feature %q exists: %s", name, f.File)
		}
		return usageError("%q is a built-in feature; give yours another name, such as %q, or set the built-in one's settings (shoal show feature %s)", name, "my-"+name, name)
	}
	if _, err := os.Stat(filepath.Join(dir, "features", name)); err == nil {
		return usageError("%s exists; give the feature another name", filepath.Join(dir, "features", name))
	} else if !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	files := scaffold.FeatureFiles(name)
	if o.from != "" {
		from := res.Catalog.Features[o.from]
		if from == nil {
			return unknownName("feature", o.from, res.Catalog.FeatureNames())
		}
		doc := res.Catalog.Docs[from.File]
		if doc == nil {
			return fmt.Errorf("feature %s: its feature.toml was not read", o.from)
		}
		var module []byte
		if from.Module != "" {
			module = []byte(from.Module)
		}
		files = scaffold.FeatureFrom(name, o.from, doc.Src, module)
	}
	written, _, err := writeNewFiles(dir, files)
	for _, p := range written {
		fmt.Fprintf(g.stdout, "created %s\n", filepath.Join(dir, p))
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(g.stdout, "a machine gets it with features = [%q]; shoal show feature %s shows it\n", name, name)
	res, err = loadFleet(fleetArg)
	if err != nil {
		return err
	}
	if ok, err := refreshSchema(dir, res.Catalog); err != nil {
		return err
	} else if ok {
		fmt.Fprintf(g.stdout, "updated %s\n", filepath.Join(dir, scaffold.SchemaFile))
	}
	return reportCheck(g, checkOptions{}, res)
}
