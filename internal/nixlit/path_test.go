package nixlit

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
)

func TestPath(t *testing.T) {
	tests := []struct{ in, want string }{
		{"machines/laptop/hardware-configuration.nix", "./machines/laptop/hardware-configuration.nix"},
		{"./machines/laptop/hardware-configuration.nix", "./machines/laptop/hardware-configuration.nix"},
		{"modules/", "./modules"},
		{"a/./b//c", "./a/b/c"},
		{"a/../b", "./b"},
		{".", "./."},
		{"./", "./."},
		{"..", "./.."},
		{"../shared/x.nix", "../shared/x.nix"},
		{"x+y_z-1.2", "./x+y_z-1.2"},
		{"/etc/nixos/configuration.nix", "/etc/nixos/configuration.nix"},
		{"/", "/."},
		{"dir with space/x.nix", `(./. + "/dir with space/x.nix")`},
		{"../a b", `(./. + "/../a b")`},
		{"/srv/a b", `(/. + "/srv/a b")`},
		{"${x}/y", `(./. + "/\${x}/y")`},
		{"~/x", `(./. + "/~/x")`},
		{"Grüße.nix", `(./. + "/Grüße.nix")`},
		{"http:x", `(./. + "/http:x")`},
	}
	for _, tt := range tests {
		got, err := Path(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("Path(%q) = %s, %v; want %s", tt.in, got, err, tt.want)
		}
	}
}

func TestPathErrors(t *testing.T) {
	tests := []struct {
		in   string
		want error
	}{
		{"", nil},
		{"a\x00b", ErrNUL},
		{"a\xffb", ErrInvalidUTF8},
	}
	for _, tt := range tests {
		got, err := Path(tt.in)
		if err == nil || (tt.want != nil && !errors.Is(err, tt.want)) {
			t.Errorf("Path(%q) = %s, %v; want an error wrapping %v", tt.in, got, err, tt.want)
		}
	}
}

// TestPathRoundTripNix has real Nix turn each path expression, written in a
// file in a temporary directory, into a string, which must be the path
// resolved against that directory.
func TestPathRoundTripNix(t *testing.T) {
	requireNix(t)
	cases := []string{
		"hardware-configuration.nix", "machines/laptop/hardware-configuration.nix", "./a/./b//c/",
		"a/../b", ".", "..", "../up/x.nix", "x+y_z-1.2", "-x", "+x", ".hidden", "...", "a/...",
		"/etc/nixos/configuration.nix", "/", "/a/../b",
		"dir with space/x.nix", "../a b", "/srv/a b", "${x}/y", "$${x}", `a\b`, `a"b`, "a'b",
		"a;b", "a#b", "~/x", "~", "a:b", "http://x", "Grüße/🐚.nix", "a\nb", "a\tb", "<nixpkgs>",
	}
	dir := t.TempDir()
	var expr strings.Builder
	expr.WriteString("[\n")
	for _, p := range cases {
		lit, err := Path(p)
		if err != nil {
			t.Fatalf("Path(%q): %v", p, err)
		}
		expr.WriteString("  (toString " + lit + ")\n")
	}
	expr.WriteString("]\n")
	var got []string
	nixEval(t, dir, expr.String(), &got)
	if len(got) != len(cases) {
		t.Fatalf("Nix returned %d paths for %d cases", len(got), len(cases))
	}
	for i, p := range cases {
		want := filepath.Clean(p)
		if !filepath.IsAbs(p) {
			want = filepath.Join(dir, p)
		}
		if got[i] != want {
			lit, _ := Path(p)
			t.Errorf("Path(%q) = %s: Nix reads %q, want %q", p, lit, got[i], want)
		}
	}
}
