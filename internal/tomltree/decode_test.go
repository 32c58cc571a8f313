package tomltree

import (
	"slices"
	"testing"

	"github.com/shoal-nix/shoal/internal/diag"
)

// TestPathsShared checks the paths a decoder with Paths hands out: each
// is its own value whether or not it shares elements with the path it
// extends, and appending to one changes no other.
func TestPathsShared(t *testing.T) {
	d := Decoder{Paths: &Paths{}}
	root := d.Key(nil, "machines")
	web := d.Key(root, "web")
	first := d.Key(web, "profile") // shares web's elements
	second := d.Key(web, "tags")   // cannot: a copy
	elem := d.Index(second, 0)     // shares second's
	longer := append(first, "more")
	other := append(web, "x")
	for _, tt := range []struct {
		got  diag.Path
		want []string
	}{
		{root, []string{"machines"}},
		{web, []string{"machines", "web"}},
		{first, []string{"machines", "web", "profile"}},
		{second, []string{"machines", "web", "tags"}},
		{elem, []string{"machines", "web", "tags", "0"}},
		{longer, []string{"machines", "web", "profile", "more"}},
		{other, []string{"machines", "web", "x"}},
	} {
		if !slices.Equal(tt.got, tt.want) {
			t.Errorf("got %v, want %v", tt.got, tt.want)
		}
	}
	if &first[0] != &web[0] {
		t.Error("a table's first key's path copies the table's path")
	}
}

// TestTransientFields checks the paths TransientFields lends: each key's
// is right while fn runs, also with a call inside fn, and what fn makes
// from one with Key or Index, or reports at, outlives it.
func TestTransientFields(t *testing.T) {
	doc, diags := Parse("x.toml", []byte("[hw]\ncpu = \"amd\"\ndisk = { fs = \"xfs\", size = 1 }\ngpu = [\"nvidia\"]\nbad = 1\n"))
	if len(diags) > 0 {
		t.Fatalf("diagnostics: %v", diags)
	}
	var reported diag.List
	d := Decoder{File: "x.toml", Diags: &reported, Paths: &Paths{}}
	var seen []string
	var kept []diag.Path
	base := d.Key(nil, "hw")
	d.TransientFields(doc.Root.Get("hw"), base, "hw", []string{"cpu", "disk", "gpu"}, func(key string, v *Node, p diag.Path) {
		seen = append(seen, p.String())
		if key == "disk" {
			d.TransientFields(v, p, "disk", []string{"fs"}, func(_ string, _ *Node, q diag.Path) {
				seen = append(seen, q.String())
			})
			seen = append(seen, p.String())
		}
		if key == "gpu" {
			for _, it := range d.Strings(v, p, "gpu") {
				kept = append(kept, it.Path)
			}
		}
	})
	want := []string{"$.hw.cpu", "$.hw.disk", "$.hw.disk.fs", "$.hw.disk", "$.hw.gpu"}
	if !slices.Equal(seen, want) {
		t.Errorf("paths seen: %v, want %v", seen, want)
	}
	if len(kept) != 1 || kept[0].String() != "$.hw.gpu.0" {
		t.Errorf("kept %v, want [$.hw.gpu.0]", kept)
	}
	var at []string
	for _, r := range reported {
		at = append(at, r.Path.String())
	}
	if !slices.Equal(at, []string{"$.hw.disk.size", "$.hw.bad"}) {
		t.Errorf("unknown keys reported at %v, want [$.hw.disk.size $.hw.bad]", at)
	}
	if !slices.Equal(base, diag.Path{"hw"}) {
		t.Errorf("the table's path became %v", base)
	}
}
