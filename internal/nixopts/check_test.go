package nixopts

import (
	"errors"
	"slices"
	"testing"
)

func TestCheck(t *testing.T) {
	const port = "16 bit unsigned integer; between 0 and 65535 (both inclusive)"
	list := func(v ...any) []any { return v }
	type attrs = map[string]any
	tests := []struct {
		typ  string
		v    any
		want string // the error; "" when the value fits
	}{
		{"boolean", true, ""},
		{"boolean", "yes", `expected boolean, got string "yes"`},
		{"boolean", int64(1), "expected boolean, got integer 1"},

		{"signed integer", int64(-5), ""},
		{"signed integer", 5, ""}, // Go ints are taken as int64
		{"signed integer", 1.5, "expected signed integer, got floating point number 1.5"},
		{"signed integer", "5", `expected signed integer, got string "5"`},
		{port, int64(22), ""},
		{port, int64(0), ""},
		{port, int64(65535), ""},
		{port, int64(70000), "expected " + port + ", got 70000"},
		{port, int64(-1), "expected " + port + ", got -1"},
		{"integer between 1 and 100 (both inclusive)", int64(100), ""},
		{"integer between 1 and 100 (both inclusive)", int64(0), "expected integer between 1 and 100 (both inclusive), got 0"},
		{"unsigned integer, meaning >=0", int64(0), ""},
		{"unsigned integer, meaning >=0", int64(-3), "expected unsigned integer, meaning >=0, got -3"},
		{"positive integer, meaning >0", int64(0), "expected positive integer, meaning >0, got 0"},
		{"floating point number", 0.5, ""},
		{"floating point number", int64(1), "expected floating point number, got integer 1"},
		{"nonnegative integer or floating point number, meaning >=0", int64(2), ""},
		{"nonnegative integer or floating point number, meaning >=0", -0.5, "expected nonnegative integer or floating point number, meaning >=0, got -0.5"},

		{"string", "", ""},
		{"string", int64(3), "expected string, got integer 3"},
		{"non-empty string", " \t", `expected non-empty string, got " \t"`},
		{"(optionally newline-terminated) single-line string", "ssh-ed25519 AAAA alice\n", ""},
		{"(optionally newline-terminated) single-line string", "a\nb", `expected (optionally newline-terminated) single-line string, got "a\nb"`},
		{"string matching the pattern [0-7]{1,5}", "0755", ""},
		{"string matching the pattern [0-7]{1,5}", "0785", `expected string matching the pattern [0-7]{1,5}, got "0785"`},
		{"string matching the pattern [[:digit:]]{2}:[[:digit:]]{2}", "04:30", ""},
		{"string matching the pattern [[:digit:]]{2}:[[:digit:]]{2}", "4:30", `expected string matching the pattern [[:digit:]]{2}:[[:digit:]]{2}, got "4:30"`},
		{"string matching the pattern ^$|^[[:alnum:]]([[:alnum:]_-]{0,61}[[:alnum:]])?$", "", ""},
		{"string matching the pattern ^$|^[[:alnum:]]([[:alnum:]_-]{0,61}[[:alnum:]])?$", "-x", `expected string matching the pattern ^$|^[[:alnum:]]([[:alnum:]_-]{0,61}[[:alnum:]])?$, got "-x"`},
		// A POSIX bracket expression takes a backslash literally.
		{`list of string matching the pattern [a-zA-Z0-9@%:_.\\-]+[.](service|socket|device|mount|automount|swap|target|path|timer|scope|slice)`, list("network-online.target", `foo\x2dbar.service`), ""},
		{`list of string matching the pattern [a-zA-Z0-9@%:_.\\-]+[.](service|socket|device|mount|automount|swap|target|path|timer|scope|slice)`, list("sshd"), `element 0: expected string matching the pattern [a-zA-Z0-9@%:_.\\-]+[.](service|socket|device|mount|automount|swap|target|path|timer|scope|slice), got "sshd"`},
		// A pattern Go cannot read accepts any string.
		{"string matching the pattern a(?<x", "anything", ""},
		{`strings concatenated with "\n"`, "a\nb", ""},
		{"string, not containing newlines or colons", "alice", ""},
		{"string, not containing newlines or colons", "a:b", `expected string, not containing newlines or colons, got "a:b"`},
		{"string (with check: non-empty without trailing slash)", "/srv/", `expected string (with check: non-empty without trailing slash), got "/srv/"`},
		{"string (with check: non-empty without trailing slash)", "/srv", ""},

		{`one of "a", "b"`, "b", ""},
		{`one of "a", "b"`, "c", `expected one of "a", "b", got "c"`},
		{`one of "a", "b"`, true, `expected one of "a", "b", got boolean true`},
		{`one of false, true, "lock"`, false, ""},
		{`one of false, true, "lock"`, "lock", ""},
		{"one of 6, 7, 8", int64(7), ""},
		{"one of 6, 7, 8", int64(9), "expected one of 6, 7, 8, got 9"},
		{`null or one of "yes", "without-password", "prohibit-password", "forced-commands-only", "no"`, "prohibit-password", ""},
		{`null or one of "yes", "without-password", "prohibit-password", "forced-commands-only", "no"`, "maybe",
			`expected one of "yes", "without-password", "prohibit-password", "forced-commands-only", "no", got "maybe"`},

		{"list of string", list("a", "b"), ""},
		{"list of string", list(), ""},
		{"list of string", "x", `expected list of string, got string "x"`},
		{"list of string", list("a", "b", int64(3)), "element 2: expected string, got integer 3"},
		{"list of " + port, list(int64(22), int64(70000)), "element 1: expected " + port + ", got 70000"},
		{"non-empty (list of string)", list(), "expected non-empty (list of string), got empty list"},
		{"list of (submodule)", list(attrs{"addr": "::"}), ""},
		{"list of (submodule)", list("::"), `element 0: expected submodule, got string "::"`},

		{"attribute set of string", attrs{"a": "x"}, ""},
		{"attribute set of string", attrs{"a": "x", "b": false}, `attribute "b": expected string, got boolean false`},
		{"attribute set of string", list("x"), "expected attribute set of string, got list"},
		{"attribute set of list of string", attrs{"k": list("x", int64(1))}, `attribute "k": element 1: expected string, got integer 1`},
		{"attribute set", attrs{"anything": list(int64(1))}, ""},
		{"lazy attribute set of (null or boolean)", attrs{"x": true}, ""},

		{"null or string", "x", ""},
		{"null or (list of string)", list(int64(1)), "element 0: expected string, got integer 1"},
		{"null or absolute path", "relative", `expected absolute path, got "relative"`},

		{"boolean or string", "x", ""},
		{"boolean or string", true, ""},
		{"boolean or string", int64(1), "expected boolean or string, got integer 1"},
		// The alternative of the value's shape gives the precise error.
		{"string or list of string", list("a", int64(2)), "element 1: expected string, got integer 2"},
		{"signed integer or string matching the pattern [0-9]+%", "50%", ""},
		{"signed integer or string matching the pattern [0-9]+%", int64(50), ""},
		{"signed integer or string matching the pattern [0-9]+%", "half", `expected string matching the pattern [0-9]+%, got "half"`},
		{`strings concatenated with "\n" or (list of string) convertible to it`, list("a"), ""},
		{`strings concatenated with "\n" or (list of string) convertible to it`, "a", ""},
		{`strings concatenated with "\n" or (list of string) convertible to it`, int64(1),
			`expected strings concatenated with "\n" or (list of string) convertible to it, got integer 1`},

		{"submodule", attrs{"enable": true}, ""},
		{"submodule", true, "expected submodule, got boolean true"},
		{"open submodule of attribute set of (atom (null, bool, int, float or string))", attrs{"X11Forwarding": false}, ""},

		{"package", "hello", ""},
		{"package", "pkgs.python3Packages.requests", ""},
		{"package", "", `expected package, got ""`},
		{"package", attrs{}, "expected package, got attribute set"},
		{"list of package", list("git", "curl"), ""},

		{"absolute path", "/etc/ssh/sshd_config", ""},
		{"absolute path", "etc/ssh", `expected absolute path, got "etc/ssh"`},
		{"path", "relative/ok", ""},
		{"path in the Nix store", "/nix/store/abc-hello", ""},
		{"path in the Nix store", "/usr/bin/hello", `expected path in the Nix store, got "/usr/bin/hello"`},

		{"function that evaluates to a(n) list of package", list("git"), "expected function that evaluates to a(n) list of package, got list"},
		{"anything", list(attrs{"a": 1.5}), ""},
		{"raw value", "x", ""},

		// Named types check in their own words.
		{"JSON value", attrs{"a": list(int64(1), "b")}, ""},
		{"systemd option", list("a", int64(1)), ""},
		{"systemd option", attrs{"a": "b"}, "expected systemd option, got attribute set"},
		{"attribute set of (systemd option)", attrs{"ExecStart": list(attrs{})}, `attribute "ExecStart": element 0: expected boolean or signed integer or floating point number or string, got attribute set`},
		{"file mode string", "u+rx,g+x,o+x", ""},
		{"file mode string", "0755", ""},
		{"file mode string", "rwx", `expected file mode string, got "rwx"`},
		{"null or printable string without spaces, # and /", "Office_Printer", ""},
		{"null or printable string without spaces, # and /", "Office #2", `expected printable string without spaces, # and /, got "Office #2"`},
		{"null or string without spaces", "Europe/Berlin", ""},
		{"null or string without spaces", "Europe Berlin", `expected string without spaces, got "Europe Berlin"`},
		{"list of string, with spaces inside double quotes", list(`quiet`, `dyndbg="file foo.c +p"`), ""},
		{"list of string, with spaces inside double quotes", list(`a b`), `element 0: expected string, with spaces inside double quotes, got "a b"`},
		{"Network prefix in CIDR notation", "64:ff9b::/96", ""},
		{"nixpkgs overlay", "final: prev: { }", `expected nixpkgs overlay, got string "final: prev: { }"`},
		{"attribute set of section of an INI file (attrs of INI atom (null, bool, int, float or string))",
			attrs{"main": attrs{"a": int64(1), "b": "x", "c": true, "d": 0.5}}, ""},
		{"attribute set of section of an INI file (attrs of INI atom (null, bool, int, float or string))",
			attrs{"main": attrs{"a": list()}}, `attribute "main": attribute "a": expected INI atom (null, bool, int, float or string), got empty list`},
	}
	for _, tt := range tests {
		typ, err := ParseType(tt.typ)
		if err != nil {
			t.Errorf("ParseType: %v", err)
			continue
		}
		err = typ.Check(tt.v)
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("%s: Check(%#v) = %v, want nil", tt.typ, tt.v, err)
		case tt.want != "" && err == nil:
			t.Errorf("%s: Check(%#v) = nil, want %s", tt.typ, tt.v, tt.want)
		case tt.want != "" && err.Error() != tt.want:
			t.Errorf("%s: Check(%#v)\n got %s\nwant %s", tt.typ, tt.v, err, tt.want)
		}
	}
}

func TestCheckErrorPath(t *testing.T) {
	typ, err := ParseType("attribute set of list of string")
	if err != nil {
		t.Fatal(err)
	}
	err = typ.Check(map[string]any{"ok": []any{"a"}, "bad": []any{"a", "b", false}})
	var ce *CheckError
	if !errors.As(err, &ce) {
		t.Fatalf("Check = %v, want a *CheckError", err)
	}
	if want := []Step{{Index: -1, Key: "bad"}, {Index: 2}}; !slices.Equal(ce.Path, want) {
		t.Errorf("Path = %v, want %v", ce.Path, want)
	}
	if want := []string{"bad", "2"}; !slices.Equal(ce.Keys(), want) {
		t.Errorf("Keys() = %q, want %q", ce.Keys(), want)
	}
	if ce.Expected.Kind != Str {
		t.Errorf("Expected = %s, want string", ce.Expected)
	}
}

func TestPosixToRE2(t *testing.T) {
	tests := []struct{ posix, re2 string }{
		{`[a-z]+`, `[a-z]+`},
		{`[[:digit:]]{2}`, `[[:digit:]]{2}`},
		{`[a\-]`, `[a\\-]`},
		{`[]a]`, `[\]a]`},
		{`[^]a]`, `[^\]a]`},
		{`\.x[.]`, `\.x[.]`},
		{`[a[b]`, `[a\[b]`},
	}
	for _, tt := range tests {
		if got := posixToRE2(tt.posix); got != tt.re2 {
			t.Errorf("posixToRE2(%q) = %q, want %q", tt.posix, got, tt.re2)
		}
	}
}
