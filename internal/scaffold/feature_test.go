package scaffold_test

import (
	"strings"
	"testing"
	"testing/fstest"

	"github.com/shoal-nix/shoal/internal/catalog"
	"github.com/shoal-nix/shoal/internal/check"
	"github.com/shoal-nix/shoal/internal/diag"
	"github.com/shoal-nix/shoal/internal/scaffold"
)

const fleetFile = `[fleet]
name = "t"
nixos = "26.05"
admin_keys = ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExampleAdminKeyExample admin@example"]

[defaults]
state_version = "26.05"

[machines.web]
profile = "server"
features = FEATURES

[machines.web.disk]
device = "/dev/vda"
boot = "uefi"
`

func checkWith(t *testing.T, files map[string][]byte, features string) diag.List {
	t.Helper()
	fsys := fstest.MapFS{"shoal.toml": {Data: []byte(strings.Replace(fleetFile, "FEATURES", features, 1))}}
	for p, data := range files {
		fsys[p] = &fstest.MapFile{Data: data}
	}
	res, err := check.Run(fsys, ".", "")
	if err != nil {
		t.Fatal(err)
	}
	return res.Diags
}

// TestTemplateChecksClean: the template of shoal new feature checks clean
// as it is written, also on a machine, and names every key a feature file
// takes.
func TestTemplateChecksClean(t *testing.T) {
	files := scaffold.FeatureFiles("my-thing")
	if d := checkWith(t, files, `["my-thing"]`); len(d) > 0 {
		t.Errorf("the template does not check clean on a machine: %v", d)
	}
	text := string(files["features/my-thing/feature.toml"])
	for _, key := range []string{"description", "lifecycle", "replacement", "requires", "conflicts", "provides", "collections", "packages", "hardware", "resources", "settings", "derive", "ports", "health", "nixos", "nixos_when"} {
		if !strings.Contains(text, key) {
			t.Errorf("the template does not mention %s", key)
		}
	}
	if !strings.Contains(string(files["features/my-thing/module.nix"]), "cfg = config.shoal.features.my-thing;") {
		t.Errorf("module.nix does not read the feature's options")
	}
}

// TestCopiesCheckClean: a copy of every built-in feature checks clean.
func TestCopiesCheckClean(t *testing.T) {
	c, _ := catalog.Builtin()
	for _, name := range c.FeatureNames() {
		f := c.Features[name]
		var module []byte
		if f.Module != "" {
			module = []byte(f.Module)
		}
		files := scaffold.FeatureFrom("copy-"+name, name, c.Docs[f.File].Src, module)
		for _, d := range checkWith(t, files, "[]") {
			t.Errorf("a copy of %s: %s", name, d.Error())
		}
		if module != nil && strings.Contains(string(files["features/copy-"+name+"/module.nix"]), "config.shoal.features."+name+".") {
			t.Errorf("a copy of %s still reads %s's options", name, name)
		}
	}
}
