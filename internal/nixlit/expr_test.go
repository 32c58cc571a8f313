package nixlit

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// printCase is a tree, how Print writes it, and the same expression
// written plainly by hand: Nix must parse both to the same syntax tree.
type printCase struct {
	name  string
	tree  Node
	want  string
	plain string
}

func mustPath(t *testing.T, p string) *Leaf {
	t.Helper()
	l, err := PathLit(p)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func mustData(t *testing.T, v any) Node {
	t.Helper()
	n, err := Data(v)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func printCases(t *testing.T) []printCase {
	cfg := Var("config", "shoal", "features", "web-1")
	block := &Set{Bindings: Group([]Binding{
		Bind(Bool(true), "services", "openssh", "enable"),
		Bind(mustData(t, []any{22, -1}), "services", "openssh", "ports"),
		Bind(Str("a.example"), "networking", "domain"),
		{Path: []string{"services", "nginx", "virtualHosts", "a.example", "root"}, Value: Str("/srv"), Trailing: "from\nshoal.toml"},
	})}
	return []printCase{
		{"select quotes names", Var("config", "users", "users", "with", "a.b"), `config.users.users."with"."a.b"`, `config.users.users."with"."a.b"`},
		{"empty list and set", &List{Items: []Node{&List{}, &Set{}}}, "[\n  [ ]\n  { }\n]", "[ [] {} ]"},
		{"inline list", &List{Items: []Node{Int(-3)}, Inline: true}, "[ (-3) ]", "[ (-3) ]"},
		{"inline list of a multi-line element breaks", &List{Items: []Node{&Set{Bindings: []Binding{Bind(Int(1), "a")}}}, Inline: true}, "[\n  {\n    a = 1;\n  }\n]", "[ { a = 1; } ]"},
		{"inline set with inherit", &Set{Bindings: []Binding{{Inherit: []string{"inputs", "pkgs"}}}, Inline: true}, "{ inherit inputs pkgs; }", "{ inherit inputs pkgs; }"},
		{"negative binding needs no parentheses", &Set{Bindings: []Binding{Bind(Int(-1), "a")}}, "{\n  a = -1;\n}", "{ a = -1; }"},
		{"grouped bindings with a trailing comment", block,
			"{\n  services = {\n    openssh = {\n      enable = true;\n      ports = [\n        22\n        (-1)\n      ];\n    };\n    nginx.virtualHosts.\"a.example\".root = \"/srv\"; # from shoal.toml\n  };\n  networking.domain = \"a.example\";\n}",
			`{ services.openssh.enable = true; services.openssh.ports = [ 22 (-1) ]; services.nginx.virtualHosts."a.example".root = "/srv"; networking.domain = "a.example"; }`},
		{"comments and blank lines", &Set{Bindings: []Binding{
			{Path: []string{"a"}, Value: Int(1), Blank: true, Comments: []string{"first ${x}"}},
			{Path: []string{"b"}, Value: Int(2), Blank: true, Comments: []string{"two\nlines\r\nhere  "}},
		}}, "{\n  # first ${x}\n  a = 1;\n\n  # two\n  # lines\n  # here\n  b = 2;\n}", "{ a = 1; b = 2; }"},
		{"module function", Func("args", &Let{
			Bindings: []Binding{Bind(cfg, "cfg"), {Inherit: []string{"lib"}}},
			Body: &Set{Bindings: []Binding{Bind(MkIf(Var("cfg", "enable"), MkMerge(
				&Comment{Lines: []string{"when on"}, X: MkIf(&Paren{X: Binary(Var("cfg", "port"), "==", Int(80))}, &Set{Bindings: []Binding{Bind(Var("pkgs", "hello"), "x")}})},
				Call(Var("import"), mustPath(t, "module.nix"), Var("args")),
			)), "config")}},
		}),
			"{ config, lib, pkgs, ... }@args:\nlet\n  cfg = config.shoal.features.web-1;\n  inherit lib;\nin\n{\n  config = lib.mkIf cfg.enable (\n    lib.mkMerge [\n      # when on\n      (lib.mkIf (cfg.port == 80) {\n        x = pkgs.hello;\n      })\n      (import ./module.nix args)\n    ]\n  );\n}",
			"{ config, lib, pkgs, ... }@args: let cfg = config.shoal.features.web-1; inherit lib; in { config = lib.mkIf cfg.enable (lib.mkMerge [ (lib.mkIf (cfg.port == 80) { x = pkgs.hello; }) (import ./module.nix args) ]); }"},
		{"function with nothing to take", Func("", &Set{}), "{ ... }: { }", "{ ... }: {}"},
		{"curried function, short body", &Lambda{Param: "_inputs", Body: &Lambda{Param: "pkgs", Body: Var("pkgs", "nixfmt")}}, "_inputs: pkgs: pkgs.nixfmt", "_inputs: pkgs: pkgs.nixfmt"},
		{"function bound, long body", &Set{Bindings: []Binding{
			Bind(&Lambda{Param: "m", Body: &Lambda{Param: "s", Body: Call(Var("f"), &Set{Bindings: []Binding{Bind(Var("s"), "system")}})}}, "machine"),
			Bind(&Lambda{Param: "f", Body: Call(Var("map"), &Lambda{Param: "x", Body: Call(Var("f"), Var("x"))}, Var("xs"))}, "each"),
		}}, "{\n  machine =\n    m: s:\n    f {\n      system = s;\n    };\n  each = f: map (x: f x) xs;\n}",
			"{ machine = m: s: f { system = s; }; each = f: map (x: f x) xs; }"},
		{"operators, not, if", &Op{Op: "->", Args: []Node{
			&Op{Op: "&&", Args: []Node{Var("f", "a", "enable"), Binary(Var("hw", "cpu"), "!=", Null())}},
			&Paren{X: &Op{Op: "||", Args: []Node{&Not{X: Var("f", "b", "on")}, &Not{X: &Paren{X: &If{Cond: Bool(true), Then: Int(-1), Else: Int(2)}}}}}},
		}}, "f.a.enable && hw.cpu != null -> (!f.b.on || !(if true then -1 else 2))",
			"(f.a.enable && (hw.cpu != null)) -> ((!f.b.on) || (!(if true then (-1) else 2)))"},
		{"mkOverride and mkDefault", &List{Items: []Node{MkOverride(1200, Int(-2)), MkDefault(Str("x"))}},
			"[\n  (lib.mkOverride 1200 (-2))\n  (lib.mkDefault \"x\")\n]", `[ (lib.mkOverride 1200 (-2)) (lib.mkDefault "x") ]`},
		{"hugging parentheses", Call(Var("lib", "types", "nullOr"), &Paren{X: Call(Var("lib", "types", "enum"), &List{Items: []Node{Str("a"), Str("b")}})}),
			"lib.types.nullOr (lib.types.enum [\n  \"a\"\n  \"b\"\n])", `lib.types.nullOr (lib.types.enum [ "a" "b" ])`},
		{"indented string", &Set{Bindings: []Binding{Bind(&Set{Bindings: []Binding{Bind(IndentedStr("echo ${HOME}\n\nit's ''\n"), "script")}}, "x")}},
			"{\n  x = {\n    script = ''\n      echo ''${HOME}\n\n      it's '''\n    '';\n  };\n}",
			"{ x = { script = ''\n echo ''${HOME}\n\n it's '''\n''; }; }"},
		{"raw text", &List{Items: []Node{&Raw{Text: "(a\n  b)", Uses: []string{"a", "b"}}}}, "[\n  (a\n    b)\n]", "[ (a b) ]"},
		{"interpolation", &Interp{Parts: []any{"  bind *:", Call(Var("toString"), Var("cfg", "port")), " cost $", Var("x"), " ${y}\"\\", Var("z"), "$"}},
			`"  bind *:${toString cfg.port} cost \$${x} \${y}\"\\${z}$"`,
			`"  bind *:${toString (cfg.port)} cost \$${ x } \${y}\"\\${z}$"`},
		{"operator after a block starts a line", &Set{Bindings: []Binding{Bind(Call(Var("lib", "concatLines"), Binary(&List{Items: []Node{Str("a"), Str("b")}}, "++", Call(Var("lib", "optional"), Var("c"), Str("d")))), "x")}},
			"{\n  x = lib.concatLines (\n    [\n      \"a\"\n      \"b\"\n    ]\n    ++ lib.optional c \"d\"\n  );\n}",
			`{ x = lib.concatLines ([ "a" "b" ] ++ lib.optional c "d"); }`},
		{"trailing comment lines in a list", &List{Items: []Node{Int(1), &Comment{Lines: []string{"nothing more"}}}}, "[\n  1\n  # nothing more\n]", "[ 1 ]"},
		{"operator chain with a block", &Set{Bindings: []Binding{Bind(&Op{Op: "++", Args: []Node{Var("common", "cli"), &List{Items: []Node{Var("pkgs", "a"), Var("pkgs", "b")}}}}, "p")}},
			"{\n  p = common.cli ++ [\n    pkgs.a\n    pkgs.b\n  ];\n}", "{ p = common.cli ++ [ pkgs.a pkgs.b ]; }"},
	}
}

func TestPrint(t *testing.T) {
	for _, tt := range printCases(t) {
		if got := Print(tt.tree); got != tt.want {
			t.Errorf("%s: Print =\n%s\nwant\n%s", tt.name, got, tt.want)
		}
	}
}

func TestFilePrint(t *testing.T) {
	f := &File{Comments: []string{"generated", "two\nlines"}, Body: &Lambda{Param: "_", Body: &Set{}}}
	want := "# generated\n# two\n# lines\n_: { }\n"
	if got := string(f.Print()); got != want {
		t.Errorf("File.Print = %q, want %q", got, want)
	}
}

// TestPrintParsesNix has real Nix parse each printed tree and the same
// expression written plainly: the two syntax trees must be equal.
func TestPrintParsesNix(t *testing.T) {
	cases := printCases(t)
	dir := t.TempDir()
	// One run of Nix for all printed trees and one for all plain forms;
	// only when they differ, one run per case finds which.
	var printed, plain strings.Builder
	for i, tt := range cases {
		fmt.Fprintf(&printed, "c%d = %s;\n", i, Print(tt.tree))
		fmt.Fprintf(&plain, "c%d = %s;\n", i, tt.plain)
	}
	if nixParse(t, dir, "printed", "{\n"+printed.String()+"}") == nixParse(t, dir, "plain", "{\n"+plain.String()+"}") {
		return
	}
	for i, tt := range cases {
		got := nixParse(t, dir, fmt.Sprint("p", i), Print(tt.tree))
		want := nixParse(t, dir, fmt.Sprint("w", i), tt.plain)
		if got != want {
			t.Errorf("%s: Nix parses\n%s\nas %s\nbut the plain form as %s", tt.name, Print(tt.tree), got, want)
		}
	}
}

// nixParse writes expr to NAME.nix in dir and returns what
// nix-instantiate --parse makes of it. The expression is put under
// with { };, so that Nix accepts variables nothing binds.
func nixParse(t *testing.T, dir, name, expr string) string {
	t.Helper()
	bin := requireNix(t)
	file := filepath.Join(dir, name+".nix")
	if err := os.WriteFile(file, []byte("with { };\n"+expr+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "--store", "dummy://", "--parse", file)
	home := filepath.Join(dir, "home")
	cmd.Env = append(os.Environ(), "HOME="+home, "XDG_CACHE_HOME="+filepath.Join(home, "cache"))
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("nix-instantiate --parse %s: %v\n%s\n%s", name, err, expr, tail(stderr.Bytes(), 2000))
	}
	return strings.TrimSpace(stdout.String())
}

func TestFreeVars(t *testing.T) {
	tests := []struct {
		name string
		n    Node
		want []string
	}{
		{"select", Var("config", "a"), []string{"config"}},
		{"globals left out", Call(Var("builtins", "elem"), Call(Var("import"), Var("toString")), Var("x")), []string{"x"}},
		{"let binds, values see the let", &Let{
			Bindings: []Binding{Bind(Var("config", "x"), "cfg"), Bind(Var("cfg", "y"), "f")},
			Body:     Var("f", "z"),
		}, []string{"config"}},
		{"let inherit comes from outside", &Let{Bindings: []Binding{{Inherit: []string{"lib"}}}, Body: Var("lib", "mkIf")}, []string{"lib"}},
		{"function binds its argument and at", &Lambda{Formals: []string{"a"}, At: "args", Body: &List{Items: []Node{Var("a"), Var("args"), Var("b")}}}, []string{"b"}},
		{"one-argument function", &Lambda{Param: "system", Body: Call(Var("f"), Var("system"))}, []string{"f"}},
		{"set values and inherits", &Set{Bindings: []Binding{Bind(Var("pkgs", "hello"), "a"), {Inherit: []string{"inputs"}}}}, []string{"inputs", "pkgs"}},
		{"raw declares its uses", &Raw{Text: "lib.x", Uses: []string{"lib"}}, []string{"lib"}},
		{"interpolations are uses", &Interp{Parts: []any{"a", Var("b"), "c"}}, []string{"b"}},
		{"operators, if, not, comment", &Comment{Lines: []string{"c"}, X: &Op{Op: "&&", Args: []Node{&Not{X: Var("a")}, &If{Cond: Var("b"), Then: Var("c"), Else: &Paren{X: Var("d")}}}}}, []string{"a", "b", "c", "d"}},
		{"strings are not uses", &List{Items: []Node{Str("lib.x pkgs.y"), IndentedStr("config.z\n")}}, []string{}},
	}
	for _, tt := range tests {
		if got := FreeVars(tt.n); !slices.Equal(got, tt.want) {
			t.Errorf("%s: FreeVars = %q, want %q", tt.name, got, tt.want)
		}
	}
	if !Uses(Var("lib", "x"), "lib") || Uses(Var("lib", "x"), "pkgs") {
		t.Error("Uses(lib.x) is wrong")
	}
}

func TestFunc(t *testing.T) {
	body := &Let{Bindings: []Binding{Bind(Var("config", "a"), "cfg")}, Body: Call(Var("import"), Var("args"), Var("pkgs"), Var("cfg"))}
	if got := Print(Func("args", body)); !strings.HasPrefix(got, "{ config, pkgs, ... }@args:\n") {
		t.Errorf("Func = %s", got)
	}
}

func TestGroup(t *testing.T) {
	got := Group([]Binding{
		{Path: []string{"a", "b", "c"}, Value: Int(1), Comments: []string{"on a"}, Blank: true},
		Bind(Int(2), "d"),
		Bind(Int(3), "a", "b", "e"),
		Bind(Int(4), "x", "y"),
	})
	want := "{\n  d = 0;\n\n  # on a\n  a.b = {\n    c = 1;\n    e = 3;\n  };\n  d = 2;\n  x.y = 4;\n}"
	all := &Set{Bindings: append([]Binding{Bind(Int(0), "d")}, got...)}
	if s := Print(all); s != want {
		t.Errorf("Group printed\n%s\nwant\n%s", s, want)
	}
	if !Overlap(got, []Binding{Bind(Int(1), "a", "b", "c", "d")}) || !Overlap(got, []Binding{Bind(Int(1), "x")}) {
		t.Error("Overlap misses a binding inside another")
	}
	if Overlap(got, []Binding{Bind(Int(1), "a", "c")}) {
		t.Error("Overlap sees a.c in a.b")
	}
}
