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
