package tomltree

import (
	"fmt"
	"strings"
	"testing"

	"github.com/shoal-nix/shoal/internal/diag"
)

func TestParseDefinitions(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want string // "" for no diagnostics, else "line:col code"
	}{
		{"dotted keys then subtable", "[a]\nb.c = 1\n[a.b.d]\n", ""},
		{"implicit then explicit", "[a.b]\n[a]\nx = 1\n", ""},
		{"array of tables", "[[m]]\nx = 1\n[[m]]\nx = 2\n[m.sub]\ny = 1\n", ""},
		{"duplicate key", "a = 1\na = 2\n", "2:1 SH002"},
		{"duplicate table", "[a]\n[a]\n", "2:2 SH002"},
		{"table over dotted keys", "[a]\nb.c = 1\n[a.b]\n", "3:4 SH002"},
		{"extend inline table", "a = {b = 1}\na.c = 2\n", "2:1 SH002"},
		{"table over value", "a = 1\n[a]\n", "2:2 SH002"},
		{"array table over table", "[a]\n[[a]]\n", "2:3 SH002"},
		{"dotted into header table", "[a.b]\n[a]\nb.c = 1\n", "3:1 SH002"},
		{"missing value", "a =\n", "1:4 SH001"},
		{"unterminated string", "a = \"x\n", "1:7 SH001"},
		{"int overflow", "a = 99999999999999999999\n", "1:5 SH001"},
		{"invalid utf-8", "a = \"\xff\"\n", "1:6 SH001"},
		{"nul byte", "\x00", "1:1 SH001"},
		{"nul escape in a string", "a = \"x\\u0000y\"\n", "1:5 SH001"},
		{"nul escape in a nested string", "a = [\"x\", {b = \"\\u0000\"}]\n", "1:16 SH001"},
		{"nul escape in a key", "a.\"b\\u0000\" = 1\n", "1:3 SH001"},
		{"nul escape in a table name", "[\"\\u0000\"]\n", "1:2 SH001"},
		{"nan", "a = nan\n", "1:5 SH001"},
		{"negative infinity", "a = [1.5, -inf]\n", "1:11 SH001"},
		{"subnormal float", "a = 5e-324\n", "1:5 SH001"},
		{"smallest normal float", "a = -2.2250738585072014e-308\nb = -0.0\nc = 1e-400\n", ""},
		{"too deep key", "[" + strings.Repeat("a.", 40) + "a]\n", "1:66 SH001"},
		{"deep arrays", "a = " + strings.Repeat("[", 5000) + strings.Repeat("]", 5000) + "\n", "SH001"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, diags := Parse("x.toml", []byte(tt.src))
			got := ""
			if len(diags) > 0 {
				d := diags[0]
				got = string(d.Code)
				if !strings.HasPrefix(tt.want, "SH") {
					got = fmt.Sprintf("%d:%d %s", d.Pos.Line, d.Pos.Col, d.Code)
				}
				if !d.Pos.Known() {
					t.Errorf("diagnostic without position: %v", d)
				}
			}
			if got != tt.want {
				t.Errorf("Parse(%q) = %q (%v), want %q", tt.src, got, diags, tt.want)
			}
		})
	}
}

func TestValuesAndLocate(t *testing.T) {
	src := "[machines.web]\nfeatures = [\"a\", \"b\"]\nsize = 0x10\nok = true\n\"quoted key\" = 1.5\n"
	doc, diags := Parse("x.toml", []byte(src))
	if len(diags) > 0 {
		t.Fatal(diags)
	}
	web := doc.Root.Get("machines").Get("web")
	if got := web.Get("size").Int; got != 16 {
		t.Errorf("size = %d, want 16", got)
	}
	if got := web.Get("quoted key").Float; got != 1.5 {
		t.Errorf("quoted key = %v, want 1.5", got)
	}
	for _, c := range []struct {
		path      diag.Path
		line, col int
		exact     bool
	}{
		{diag.P("machines", "web", "features", 1), 2, 18, true},
		{diag.P("machines", "web", "ok"), 4, 1, true},
		{diag.P("machines", "web", "quoted key"), 5, 1, true},
		{diag.P("machines", "web", "nope"), 1, 11, false},
	} {
		pos, exact := doc.Locate(c.path)
		if pos.Line != c.line || pos.Col != c.col || exact != c.exact {
			t.Errorf("Locate(%v) = %d:%d exact=%v, want %d:%d exact=%v", c.path, pos.Line, pos.Col, exact, c.line, c.col, c.exact)
		}
	}
}

// TestNULByte checks that a raw NUL byte, valid UTF-8 but never valid TOML,
// is reported at its place, and that a file of them is called binary.
func TestNULByte(t *testing.T) {
	for _, c := range []struct {
		name, src, pos, hint string
	}{
		{"one stray byte in text", "[fleet]\nname = \"a\x00b\"\n", "2:10", "remove it; an editor that shows control characters finds it"},
		{"a binary file", string(make([]byte, 4096)), "1:1", "TOML files are UTF-8 text; is this a binary file?"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, diags := Parse("x.toml", []byte(c.src))
			if len(diags) != 1 {
				t.Fatalf("got %d diagnostics, want 1: %v", len(diags), diags)
			}
			d := diags[0]
			if got := fmt.Sprintf("%d:%d", d.Pos.Line, d.Pos.Col); d.Code != diag.CodeSyntax || got != c.pos || d.Hint != c.hint {
				t.Errorf("got %s at %s, hint %q; want %s at %s, hint %q", d.Code, got, d.Hint, diag.CodeSyntax, c.pos, c.hint)
			}
		})
	}
}
