package nixlit

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// nastyNames are attribute names that break naive quoting; all distinct.
var nastyNames = []string{
	"if", "then", "else", "assert", "with", "let", "in", "rec", "inherit", "or",
	"true", "false", "null", "__curPos", "import", "builtins",
	"a", "A_b-c'", "_", "a'", "a-", "x''", "enable", "web1",
	"-x", "'a", "1abc", "1", "0x1", "a.b", "a b", "", `"`, "${x}", "$${x}", "$", `\`,
	"'", "a\nb", "\t", "Grüße", "🐚", "a=b", "a;b", "#", "/*", "a:b", "./x", "a/b",
	"i\x00nul", "bad\xffutf8",
}

func TestAttrName(t *testing.T) {
	tests := []struct{ in, want string }{
		{"enable", "enable"},
		{"web-1", "web-1"},
		{"a'", "a'"},
		{"_private", "_private"},
		{"true", "true"},
		{"__curPos", "__curPos"},
		{"inherit", `"inherit"`},
		{"or", `"or"`},
		{"in", `"in"`},
		{"iff", "iff"},
		{"1abc", `"1abc"`},
		{"-x", `"-x"`},
		{"a.b", `"a.b"`},
		{"a b", `"a b"`},
		{"", `""`},
		{"${x}", `"\${x}"`},
		{"Grüße", `"Grüße"`},
	}
	for _, tt := range tests {
		if got := AttrName(tt.in); got != tt.want {
			t.Errorf("AttrName(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

func TestAttrPath(t *testing.T) {
	tests := []struct {
		in   []string
		want string
	}{
		{nil, ""},
		{[]string{"networking", "hostName"}, "networking.hostName"},
		{[]string{"services", "nginx", "virtualHosts", "a.example"}, `services.nginx.virtualHosts."a.example"`},
		{[]string{"users", "users", "with"}, `users.users."with"`},
		{[]string{""}, `""`},
	}
	for _, tt := range tests {
		if got := AttrPath(tt.in...); got != tt.want {
			t.Errorf("AttrPath(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

// TestAttrRoundTripNix has real Nix build one set with every name bound by
// AttrName and select each back with AttrName, and nested sets bound and
// selected with AttrPath; the JSON of the sets shows the names Nix saw.
func TestAttrRoundTripNix(t *testing.T) {
	requireNix(t)
	paths := [][]string{{"networking", "hostName"}, {"a.b", "c"}, {"with", "or", "in"}, {"", ""}, {"${x}", "$", "🐚"}}
	for _, n := range nastyNames {
		paths = append(paths, []string{n, "x"})
	}
	var expr strings.Builder
	expr.WriteString("let\n  names = {\n")
	for i, n := range nastyNames {
		fmt.Fprintf(&expr, "    %s = %d;\n", AttrName(n), i)
	}
	expr.WriteString("  };\n  paths = {\n")
	for i, p := range paths {
		fmt.Fprintf(&expr, "    %s = %d;\n", AttrPath(append([]string{fmt.Sprint("p", i)}, p...)...), i)
	}
	expr.WriteString("  };\nin\n{\n  inherit names paths;\n  selectedNames = [\n")
	for _, n := range nastyNames {
		fmt.Fprintf(&expr, "    names.%s\n", AttrName(n))
	}
	expr.WriteString("  ];\n  selectedPaths = [\n")
	for i, p := range paths {
		fmt.Fprintf(&expr, "    paths.%s\n", AttrPath(append([]string{fmt.Sprint("p", i)}, p...)...))
	}
	expr.WriteString("  ];\n}\n")

	var got struct {
		Names         map[string]int
		Paths         map[string]json.RawMessage
		SelectedNames []int
		SelectedPaths []int
	}
	nixEval(t, t.TempDir(), expr.String(), &got)

	if len(got.Names) != len(nastyNames) {
		t.Errorf("Nix sees %d names, want %d: %v", len(got.Names), len(nastyNames), got.Names)
	}
	for i, n := range nastyNames {
		if v, ok := got.Names[coerce(n)]; !ok || v != i {
			t.Errorf("{ %s = %d; }: Nix has %q = %d (present %v)", AttrName(n), i, coerce(n), v, ok)
		}
		if i < len(got.SelectedNames) && got.SelectedNames[i] != i {
			t.Errorf("names.%s selects %d, want %d", AttrName(n), got.SelectedNames[i], i)
		}
	}
	for i, p := range paths {
		raw := got.Paths[fmt.Sprint("p", i)]
		for _, name := range p {
			var m map[string]json.RawMessage
			if err := json.Unmarshal(raw, &m); err != nil {
				t.Fatalf("path %q: %s is not a set: %v", p, raw, err)
			}
			raw = m[coerce(name)]
		}
		if string(raw) != fmt.Sprint(i) {
			t.Errorf("%s = %d: Nix has %s at %q", AttrPath(p...), i, raw, p)
		}
		if i < len(got.SelectedPaths) && got.SelectedPaths[i] != i {
			t.Errorf("paths.%s selects %d, want %d", AttrPath(p...), got.SelectedPaths[i], i)
		}
	}
	if len(got.SelectedNames) != len(nastyNames) || len(got.SelectedPaths) != len(paths) {
		t.Errorf("Nix selected %d names and %d paths, want %d and %d",
			len(got.SelectedNames), len(got.SelectedPaths), len(nastyNames), len(paths))
	}
}
