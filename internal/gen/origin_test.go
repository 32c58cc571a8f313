package gen_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/shoal-nix/shoal/internal/check"
	"github.com/shoal-nix/shoal/internal/gen"
	"github.com/shoal-nix/shoal/internal/layout"
)

// TestOrigins checks, for every golden fleet, that each generated file
// says where its content comes from, that the place exists in the files
// the check read, and that the file is where layout puts that origin.
func TestOrigins(t *testing.T) {
	for _, name := range goldenFleets(t) {
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join(goldenDir, name, "fleet")
			res, err := check.Run(os.DirFS(dir), ".", "fleet")
			if err != nil || res.Resolved == nil {
				t.Fatalf("check %s: %v %v", dir, err, res.Diags)
			}
			files, err := gen.Generate(res.Resolved, gen.Options{})
			if err != nil {
				t.Fatal(err)
			}
			kinds := map[gen.Source]int{}
			for _, f := range files {
				o := f.Origin
				kinds[o.Kind]++
				if !layout.Owned(f.Path) {
					t.Errorf("%s: generated where layout.Owned says shoal does not own", f.Path)
				}
				// Where each kind of origin must put its file.
				var want []string
				switch o.Kind {
				case gen.FromMachine:
					want = []string{layout.Machine(o.Name), layout.MachineDisko(o.Name)}
				case gen.FromFeature:
					want = []string{layout.Feature(o.Name), layout.FeatureModule(o.Name)}
				case gen.FromProfile:
					want = []string{layout.Profile(o.Name), layout.Test(o.Name)}
				case gen.FromServices:
					want = []string{layout.Services}
					if strings.HasPrefix(f.Path, layout.MonitoringDir+"/") {
						want = []string{f.Path}
					}
					// A service's VM test and the wiring beside it come from that service.
					if svc := o.Path.String()[strings.LastIndex(o.Path.String(), ".")+1:]; f.Path == layout.ServiceTest(svc) || strings.HasPrefix(f.Path, layout.ServiceTestDir(svc)+"/") {
						want = []string{f.Path}
					}
				case gen.FromFleet, gen.FromCatalog, gen.FromShoal:
					if o.Name != "" {
						t.Errorf("%s: origin %s names %q", f.Path, o.Kind, o.Name)
					}
					continue
				default:
					t.Errorf("%s: origin kind %q", f.Path, o.Kind)
					continue
				}
				if !slices.Contains(want, f.Path) {
					t.Errorf("%s: origin %+v belongs in %v", f.Path, o, want)
				}
				doc := res.Docs[o.File]
				if doc == nil {
					t.Errorf("%s: origin file %q is not a file the check read", f.Path, o.File)
					continue
				}
				if _, exact := doc.Locate(o.Path); !exact {
					t.Errorf("%s: origin path %s is not in %s", f.Path, o.Path, o.File)
				}
				if o.Kind == gen.FromMachine && o.File != res.Fleet.File {
					t.Errorf("%s: a machine's origin is %s, not the fleet file", f.Path, o.File)
				}
				if o.Kind == gen.FromFeature && res.Catalog.Features[o.Name].Local && !strings.HasPrefix(o.File, "fleet/features/") {
					t.Errorf("%s: a local feature's origin is %s", f.Path, o.File)
				}
			}
			for _, k := range []gen.Source{gen.FromFleet, gen.FromMachine, gen.FromFeature, gen.FromCatalog, gen.FromShoal} {
				if kinds[k] == 0 {
					t.Errorf("no file comes from %s", k)
				}
			}
		})
	}
}

// TestReferences lists the fleet's own files the flake imports.
func TestReferences(t *testing.T) {
	for _, c := range []struct {
		fleet string
		want  []string
	}{
		{"base-only", []string{"machines/pi/hardware-configuration.nix"}},
		{"homelab", []string{"machines/laptop/hardware-configuration.nix"}},
		{"local-features", []string{"features/website/module.nix"}},
		{"raw-options", []string{"hosts/common.nix", "machines/web/disks.nix"}},
		{"services", []string{"overlays/default.nix", "overlays/pinned.nix"}},
	} {
		res, err := check.Run(os.DirFS(filepath.Join(goldenDir, c.fleet, "fleet")), ".", "")
		if err != nil || res.Resolved == nil {
			t.Fatalf("check %s: %v", c.fleet, err)
		}
		if got := gen.References(res.Resolved); !slices.Equal(got, c.want) {
			t.Errorf("%s: References = %q, want %q", c.fleet, got, c.want)
		}
	}
}
