package tomltree

import "testing"

func TestUnquotedTextHint(t *testing.T) {
	for _, c := range []struct{ src, hint string }{
		{"address = 10.0.0.1\n", `write "10.0.0.1"`},
		{"nixos = 26.05.1\n", `write "26.05.1"`},
		{"path = /srv/data # where\n", `write "/srv/data"`},
	} {
		_, diags := Parse("x.toml", []byte(c.src))
		if len(diags) != 1 || diags[0].Summary != "text must be quoted" || diags[0].Hint != c.hint {
			t.Errorf("Parse(%q) = %v, want one \"text must be quoted\" with hint %q", c.src, diags, c.hint)
		}
	}
	for _, ok := range []string{"x = 1979-05-27T07:32:00Z\n", "n = 1_000\n", "y = -5\n", "f = 1.5\n"} {
		if _, diags := Parse("x.toml", []byte(ok)); len(diags) != 0 {
			t.Errorf("Parse(%q) = %v, want no diagnostics", ok, diags)
		}
	}
}
