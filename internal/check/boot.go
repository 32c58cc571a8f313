package check

import (
	"io/fs"
	"path"
	"regexp"

	"github.com/shoal-nix/shoal/internal/diag"
	"github.com/shoal-nix/shoal/internal/fleet"
)

// rootFS finds a definition of the root file system in Nix text, the way
// nixos-generate-config writes it (fileSystems."/" = ...) or as a set
// (fileSystems = { "/" = ...).
var (
	rootFS      = regexp.MustCompile(`fileSystems\s*\.\s*"/"\s*=|fileSystems\s*=\s*\{[^}]*"/"\s*=`)
	anyFS       = regexp.MustCompile(`\bfileSystems\b`)
	nixComments = regexp.MustCompile(`(?m)#.*$|/\*(?s:.*?)\*/`)
)

// bootFiles checks the files a machine's boot table names: they must
// exist, and a hardware module must agree with the disk layout about who
// defines the root file system. shoal cannot evaluate Nix; it reads the
// module's text for a definition of fileSystems."/", which is how
// nixos-generate-config writes it.
func bootFiles(fsys fs.FS, dir string, f *fleet.Fleet) diag.List {
	var diags diag.List
	for _, m := range f.Machines {
		b := m.Boot
		if b == nil {
			continue
		}
		if r := b.FacterReport; r.Value != "" {
			if _, err := fs.Stat(fsys, path.Join(dir, r.Value)); err != nil {
				diags.Errorf(diag.CodeMissingModule, f.File, r.Path, "facter report %s does not exist", r.Value).
					Hintf("write it on the machine with `sudo nixos-facter -o facter.json` (or nixos-anywhere --generate-hardware-config nixos-facter %s) and copy it there; paths are relative to the directory of %s", r.Value, FleetFile)
			}
		}
		r := b.HardwareModule
		if r.Value == "" {
			continue
		}
		src, err := fs.ReadFile(fsys, path.Join(dir, r.Value))
		if err != nil {
			diags.Errorf(diag.CodeMissingModule, f.File, r.Path, "hardware module %s does not exist", r.Value).
				Hintf("run `nixos-generate-config --show-hardware-config > %s` on the machine and copy the file there; paths are relative to the directory of %s", path.Base(r.Value), FleetFile)
			continue
		}
		text := nixComments.ReplaceAllString(string(src), "")
		switch {
		case m.Disk != nil && rootFS.MatchString(text):
			diags.Errorf(diag.CodeBootConflict, f.File, r.Path, "hardware module %s defines fileSystems.\"/\", and so does the disk layout of %s", r.Value, m.Name).
				Hintf("NixOS would refuse the two definitions; write the module with `nixos-generate-config --no-filesystems --show-hardware-config`, or drop the disk table").
				Relate(f.File, m.Disk.Path, "the disk layout")
		case m.Disk == nil && !anyFS.MatchString(text):
			diags.Warnf(diag.CodeHardwareNoFS, f.File, r.Path, "hardware module %s defines no file systems, and %s has no disk layout", r.Value, m.Name).
				Hintf("NixOS refuses a machine without fileSystems.\"/\": write the module without --no-filesystems, or add a [machines.%s.disk] layout", m.Name)
		}
	}
	return diags
}
