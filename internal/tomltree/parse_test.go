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
	if got := web.Get("quoted key").Float(); got != 1.5 {
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

// TestLargeTables covers tables past indexAbove keys, which look keys up
// through an index rather than one by one: every key is found, in source
// order, and a key or table given twice is still reported where the
// second one is.
func TestLargeTables(t *testing.T) {
	var b strings.Builder
	const n = 3 * indexAbove
	for i := range n {
		fmt.Fprintf(&b, "k%d = %d\n", i, i)
	}
	for i := range n {
		fmt.Fprintf(&b, "[t.m%d]\nx = \"m%d\"\n", i, i)
	}
	doc, diags := Parse("x.toml", []byte(b.String()))
	if len(diags) > 0 {
		t.Fatalf("diagnostics: %v", diags)
	}
	if got := doc.Root.Len(); got != n+1 {
		t.Fatalf("root has %d keys, want %d", got, n+1)
	}
	for i := range n {
		if v := doc.Root.Get(fmt.Sprintf("k%d", i)); v == nil || v.Int != int64(i) || doc.Root.Keys[i] != fmt.Sprintf("k%d", i) {
			t.Errorf("k%d: got %+v at key %q", i, v, doc.Root.Keys[i])
		}
		if v := doc.Root.Get("t").Get(fmt.Sprintf("m%d", i)).Get("x"); v == nil || v.Str != fmt.Sprintf("m%d", i) {
			t.Errorf("t.m%d.x: got %+v", i, v)
		}
	}
	if doc.Root.Get("k999") != nil || doc.Root.Get("t").Get("m999") != nil {
		t.Error("a key never written was found")
	}
	for _, tt := range []struct{ src, want string }{
		{"k40 = 1\n" + b.String(), "42:1 SH002"},
		{b.String() + "[t.m40]\n", fmt.Sprintf("%d:4 SH002", 3*n+1)},
	} {
		_, diags := Parse("x.toml", []byte(tt.src))
		if len(diags) != 1 || fmt.Sprintf("%d:%d %s", diags[0].Pos.Line, diags[0].Pos.Col, diags[0].Code) != tt.want {
			t.Errorf("got %v, want one diagnostic at %s", diags, tt.want)
		}
	}
}

// TestStringsFromTheSource checks strings and keys read as views of the
// source, and those with escapes, which are copies, against their text.
func TestStringsFromTheSource(t *testing.T) {
	doc, diags := Parse("x.toml", []byte("plain = \"web\"\n\"quoted key\" = 'lit'\nesc = \"a\\tb\"\nml = \"\"\"\nline\"\"\"\nempty = \"\"\n"))
	if len(diags) > 0 {
		t.Fatalf("diagnostics: %v", diags)
	}
	want := map[string]string{"plain": "web", "quoted key": "lit", "esc": "a\tb", "ml": "line", "empty": ""}
	for k, s := range want {
		if v := doc.Root.Get(k); v == nil || v.Str != s {
			t.Errorf("%s: got %+v, want %q", k, v, s)
		}
	}
}

// TestHeaderRoom checks that a [header]'s table is given room for the keys
// it ends up with, so that building it grows no slice: its key = value
// lines (dotted keys with one first part count once), and the tables
// named inside it by the headers that follow.
func TestHeaderRoom(t *testing.T) {
	src := `[machines.web]
profile = "server"
tags = [
  "a",
  "b",
]
# a comment
settings.ssh.port = 22
settings.nix.gc = "7d"
disk = { device = "/dev/sda" }

[machines.web.hardware]
cpu = "amd"
cores = 4

[machines.web.boot]
mode = "uefi"

[machines.db]
profile = "server"
`
	doc, diags := Parse("x.toml", []byte(src))
	if len(diags) > 0 {
		t.Fatalf("diagnostics: %v", diags)
	}
	for _, tt := range []struct {
		path []string
		keys int
	}{
		{[]string{"machines", "web"}, 6},
		{[]string{"machines", "web", "hardware"}, 2},
		{[]string{"machines", "web", "boot"}, 1},
		{[]string{"machines", "db"}, 1},
	} {
		n, ok := doc.Lookup(tt.path)
		if !ok {
			t.Fatalf("%v not found", tt.path)
		}
		if len(n.Keys) != tt.keys || cap(n.Keys) != tt.keys || cap(n.Items) != tt.keys {
			t.Errorf("%v: %d keys, room for %d keys and %d values; want %d", tt.path, len(n.Keys), cap(n.Keys), cap(n.Items), tt.keys)
		}
	}
}
