package validate

import (
	"testing"

	"github.com/shoal-nix/shoal/internal/nixopts"
)

func TestBadAttrPath(t *testing.T) {
	for name, bad := range map[string]bool{
		"ripgrep": false, "python3Packages.requests": false, "7zz": false, "gtk+3": false,
		"nvtopPackages.full": false, "": true, "foo bar": true, "a..b": true, ".a": true,
		"a/b": true, "${x}": true, "a.b.": true,
	} {
		if got := badAttrPath(name) != ""; got != bad {
			t.Errorf("badAttrPath(%q) = %q, want bad = %v", name, badAttrPath(name), bad)
		}
	}
}

func TestNearPackage(t *testing.T) {
	known := []string{"fd", "htop", "jq", "ripgrep", "neovim"}
	for name, want := range map[string]string{
		"ripgrpe": "ripgrep", // a transposition: two edits, allowed from 7 letters
		"hotp":    "",        // two edits in a short name: too far
		"htoq":    "htop",
		"jj":      "", // short names are left alone
		"fx":      "",
		"neovim":  "", // known itself: not a near miss
		"emacs":   "",
	} {
		if got := nearPackage(name, known); got != want {
			t.Errorf("nearPackage(%q) = %q, want %q", name, got, want)
		}
	}
}

func TestBadHealthURL(t *testing.T) {
	for u, bad := range map[string]bool{
		"http://127.0.0.1:8080/health": false, "http://localhost/": false, "http://[::1]:9/x": false,
		"https://127.0.0.1/": true, "http://example.org/": true, "127.0.0.1:80": true, "http:///x": true,
	} {
		if got := badHealthURL(u) != ""; got != bad {
			t.Errorf("badHealthURL(%q) = %q, want bad = %v", u, badHealthURL(u), bad)
		}
	}
}

func TestHoldsOptions(t *testing.T) {
	sub := &nixopts.Type{Kind: nixopts.Submodule}
	str := &nixopts.Type{Kind: nixopts.Str}
	for _, c := range []struct {
		name string
		t    *nixopts.Type
		want bool
	}{
		{"a submodule", sub, true},
		{"null or a submodule", &nixopts.Type{Kind: nixopts.NullOr, Elem: sub}, true},
		{"an attribute set of submodules", &nixopts.Type{Kind: nixopts.AttrsOf, Elem: sub}, true},
		{"an attribute set of strings", &nixopts.Type{Kind: nixopts.AttrsOf, Elem: str}, false},
		{"a list of submodules", &nixopts.Type{Kind: nixopts.ListOf, Elem: sub}, false},
		{"a string", str, false},
		{"no type", nil, false},
	} {
		if got := holdsOptions(c.t); got != c.want {
			t.Errorf("%s: holdsOptions = %v, want %v", c.name, got, c.want)
		}
	}
}
