package nixlit

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// nastyStrings are inputs that break naive quoting. The round-trip tests
// run each through real Nix.
var nastyStrings = []string{
	"", "plain", "with space",
	"${", "${x}", "$${x}", "$$${x}", `\${x}`, `\\${x}`, "${x", "}", "{", "${}",
	"$", "$$", "a$", "$a", "$\\", "$\"", "$'", "'$", "$\n", "a${b}c${d}",
	"''", "'''", "''''", "'", "x'", "'x", "''$", "''${x}", "''\\", "''\\n", "'${x}", "'''${x}",
	`"`, `\`, `a\`, `\\`, `\n`, `\"`, `"${x}"`,
	"\n", "\n\n", "a\n", "\na", "line one\nline two\n", "\r", "\r\n", "a\rb", "\t", "\ta\n\tb",
	" ", "  ", "  leading", "trailing  ", "  a\n  b", "  a\n  b\n", "a\n  ", "  \n  ", "a\n \nb", " \n",
	"Grüße 🐚", "日本語", "\u00a0nbsp", "\u2028", "\x01\x1b[31mred\x7f",
	"#{x}", "@{x}", "%s", "a'${b}'c", "/* c */", "# c", "x'''", "y''",
}

func TestString(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", `""`},
		{"web1", `"web1"`},
		{`say "hi"`, `"say \"hi\""`},
		{`C:\dir\`, `"C:\\dir\\"`},
		{"${pkgs.hello}", `"\${pkgs.hello}"`},
		{"$${x}", `"$\${x}"`},
		{`\${x}`, `"\\\${x}"`},
		{"$HOME and $", `"$HOME and $"`},
		{"a\nb\r\n\tc", `"a\nb\r\n\tc"`},
		{"'' is fine here", `"'' is fine here"`},
		{"Grüße 🐚", `"Grüße 🐚"`},
		{"\x1b[0m", "\"\x1b[0m\""},
		{"a\x00b", "\"a\uFFFDb\""},
		{"bad \xff utf8", "\"bad \uFFFD utf8\""},
	}
	for _, tt := range tests {
		if got := String(tt.in); got != tt.want {
			t.Errorf("String(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

func TestStringHasNoRawLineBreak(t *testing.T) {
	for _, s := range nastyStrings {
		if got := String(s); strings.ContainsAny(got, "\n\r") {
			t.Errorf("String(%q) = %q holds a raw line break", s, got)
		}
	}
}

func TestCheckString(t *testing.T) {
	tests := []struct {
		in   string
		want error
		at   string
	}{
		{"", nil, ""},
		{"Grüße 🐚 ${x}\n", nil, ""},
		{"ab\x00", ErrNUL, "at byte 2"},
		{"a\xffb", ErrInvalidUTF8, "at byte 1"},
		{"é\xc3", ErrInvalidUTF8, "at byte 2"}, // truncated sequence
		{"\ufffd", nil, ""},                    // a real U+FFFD is text
	}
	for _, tt := range tests {
		err := CheckString(tt.in)
		if !errors.Is(err, tt.want) || (err == nil) != (tt.want == nil) {
			t.Errorf("CheckString(%q) = %v, want %v", tt.in, err, tt.want)
			continue
		}
		if err != nil && !strings.Contains(err.Error(), tt.at) {
			t.Errorf("CheckString(%q) = %q, want it to say %q", tt.in, err, tt.at)
		}
	}
}

func TestIndentedString(t *testing.T) {
	tests := []struct {
		in     string
		indent int
		want   string
	}{
		{"", 0, `""`},
		{"echo hi\n", 0, "''\n  echo hi\n''"},
		{"a\nb\n", 4, "''\n      a\n      b\n    ''"},
		{"no newline at end", 0, "''\n  no newline at end''"},
		{"a\n\nb\n", 0, "''\n  a\n\n  b\n''"},
		{"\nstarts empty\n", 0, "''\n\n  starts empty\n''"},
		{"echo ${HOME} $HOME $$\n", 0, "''\n  echo ''${HOME} $HOME $$\n''"},
		{"$${x}", 0, "''\n  $''${x}''"},
		{"a '' b ''' c\n", 0, "''\n  a ''' b '''' c\n''"},
		{"ends in a quote'", 0, "''\n  ends in a quote''\\'''"},
		{"'${x}", 0, "''\n  ''\\'''${x}''"},
		{"it's\n", 0, "''\n  it's\n''"},
		{"crlf\r\n", 0, "''\n  crlf''\\r\n''"},
		{"\ttab\n", 0, "''\n  \ttab\n''"},
		{"  every line\n  indented\n", 0, "''\n  ''\\  every line\n    indented\n''"},
		{"  a\nb\n", 0, "''\n    a\n  b\n''"},
		{"a\n   \n", 0, "''\n  a\n     \n''"},
		{"a\n  ", 0, "''\n  a\n  ''\\  ''"},
		{"\x00", 0, "''\n  \uFFFD''"},
	}
	for _, tt := range tests {
		if got := IndentedString(tt.in, tt.indent); got != tt.want {
			t.Errorf("IndentedString(%q, %d) =\n%s\nwant\n%s", tt.in, tt.indent, got, tt.want)
		}
	}
}

// TestStringRoundTripNix has real Nix read back the literal String writes
// for the nasty corpus and for every string of up to four characters over
// the characters that matter in a double-quoted string.
func TestStringRoundTripNix(t *testing.T) {
	requireNix(t)
	cases := append(append([]string{}, nastyStrings...), "nul\x00byte", "bad\xffutf8")
	cases = append(cases, exhaustive("$\\{}\"\n\r\ta'", 4)...)
	var expr strings.Builder
	expr.WriteString("[\n")
	for _, s := range cases {
		expr.WriteString(String(s))
		expr.WriteString("\n")
	}
	expr.WriteString("]\n")
	var got []string
	nixEval(t, t.TempDir(), expr.String(), &got)
	compareStrings(t, "String", cases, got, func(s string) string { return String(s) })
}

// TestIndentedStringRoundTripNix does the same for IndentedString, at two
// indentations, adding random longer strings over the characters that
// matter in an indented string.
func TestIndentedStringRoundTripNix(t *testing.T) {
	requireNix(t)
	const alphabet = " '$\\{}\n\r\ta"
	cases := append(append([]string{}, nastyStrings...), "nul\x00byte", "bad\xffutf8")
	cases = append(cases, exhaustive(alphabet, 4)...)
	r := rand.New(rand.NewPCG(1, 2)) // fixed seed: the same cases every run
	for range 3000 {
		b := make([]byte, 5+r.IntN(16))
		for i := range b {
			b[i] = alphabet[r.IntN(len(alphabet))]
		}
		cases = append(cases, string(b))
	}
	for _, indent := range []int{0, 6} {
		t.Run(fmt.Sprintf("indent%d", indent), func(t *testing.T) {
			var expr strings.Builder
			expr.WriteString("[\n")
			for _, s := range cases {
				expr.WriteString(IndentedString(s, indent))
				expr.WriteString("\n")
			}
			expr.WriteString("]\n")
			var got []string
			nixEval(t, t.TempDir(), expr.String(), &got)
			compareStrings(t, "IndentedString", cases, got, func(s string) string { return IndentedString(s, indent) })
		})
	}
	t.Logf("%d strings at each indentation", len(cases))
}

// compareStrings checks that Nix read each case back as the case itself,
// after the documented replacement of NUL and invalid UTF-8.
func compareStrings(t *testing.T, name string, cases, got []string, literal func(string) string) {
	t.Helper()
	if len(got) != len(cases) {
		t.Fatalf("Nix returned %d strings for %d cases", len(got), len(cases))
	}
	bad := 0
	for i, s := range cases {
		if want := coerce(s); got[i] != want {
			bad++
			if bad <= 10 {
				t.Errorf("%s(%q) = %s: Nix reads %q", name, s, literal(s), got[i])
			}
		}
	}
	if bad > 0 {
		t.Errorf("%d of %d cases wrong", bad, len(cases))
	}
}
