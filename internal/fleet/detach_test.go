package fleet

import (
	"reflect"
	"testing"

	"github.com/shoal-nix/shoal/internal/tomltree"
)

func TestDetach(t *testing.T) {
	src := `
[fleet]
name = "f"
nixos = "26.05"

[defaults]
state_version = "26.05"

[defaults.settings.development]
editors = ["helix"]

[machines.a]
settings.monitoring-agent.port = 9101
settings.backup-client.schedule = { on = "hourly", jitter = [1, 2] }
nixos."services.x.settings" = { y = [1, 2] }

[services.backup]
server = "a"
`
	f, diags := Parse("shoal.toml", []byte(src))
	if diags.HasErrors() {
		t.Fatalf("diagnostics: %v", diags)
	}
	// Every node the model keeps, by a name that survives the copy, with
	// the values before Detach.
	kept := func() map[string]*tomltree.Node {
		m := map[string]*tomltree.Node{}
		for _, s := range f.Defaults {
			m["defaults "+s.Feature+"."+s.Name] = s.Value
		}
		for _, mc := range f.Machines {
			for _, s := range mc.Settings {
				m[mc.Name+" "+s.Feature+"."+s.Name] = s.Value
			}
			for _, o := range mc.NixOS {
				m[mc.Name+" nixos "+o.Option] = o.Value
			}
		}
		for _, s := range f.Services {
			m["service "+s.Kind] = s.Table
		}
		return m
	}
	before := kept()
	if len(before) < 5 {
		t.Fatalf("the test fleet keeps %d nodes, want defaults, settings, a raw option and a service", len(before))
	}
	tree := map[*tomltree.Node]bool{}
	var collect func(*tomltree.Node)
	collect = func(n *tomltree.Node) {
		tree[n] = true
		for _, it := range n.Items {
			collect(it)
		}
	}
	collect(f.Doc.Root)

	f.Detach()
	if f.Doc != nil {
		t.Error("Detach kept the document")
	}
	after := kept()
	for name, n := range after {
		if !reflect.DeepEqual(n.Value(), before[name].Value()) {
			t.Errorf("%s: value %v after Detach, want %v", name, n.Value(), before[name].Value())
		}
		var walk func(*tomltree.Node)
		walk = func(n *tomltree.Node) {
			if tree[n] {
				t.Errorf("%s: still holds a node of the fleet file's tree", name)
			}
			for _, it := range n.Items {
				walk(it)
			}
		}
		walk(n)
	}
}
