package runner

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// printArgvEnv makes the test binary print its arguments instead of
// running tests: each argument followed by a NUL byte. The quoting tests
// run it through sh -c to see the argv a shell really hands a program.
const printArgvEnv = "SHOAL_RUNNER_PRINT_ARGV"

func TestMain(m *testing.M) {
	if os.Getenv(printArgvEnv) == "1" {
		var b bytes.Buffer
		for _, a := range os.Args[1:] {
			b.WriteString(a)
			b.WriteByte(0)
		}
		os.Stdout.Write(b.Bytes())
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// argvThroughShell runs Quote(helper, words...) with sh -c and returns the
// arguments the helper received.
func argvThroughShell(t *testing.T, words []string) []string {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	line := Quote(append([]string{exe}, words...))
	cmd := exec.CommandContext(context.Background(), "sh", "-c", line)
	cmd.Env = append(os.Environ(), printArgvEnv+"=1")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("sh -c %q: %v", line, err)
	}
	if len(out) == 0 {
		return []string{}
	}
	if out[len(out)-1] != 0 {
		t.Fatalf("sh -c %q: output %q does not end in NUL", line, out)
	}
	return strings.Split(string(out[:len(out)-1]), "\x00")
}

func sameArgv(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestQuoteThroughShell(t *testing.T) {
	for _, words := range [][]string{
		{},
		{""},
		{"plain", "two words", "it's", `"double"`, `back\slash`},
		{"$HOME", "${x:-y}", "`id`", "$(id)", "a;b", "a&&b", "a|b", "a>b", "<a"},
		{"*", "?", "[a]", "~", "~root", "#comment", "a#b", "!", "{a,b}"},
		{"-n", "--", "-e", "x=y", "tab\there", "new\nline", "\r", "\xff\xfe", "ünï"},
		{"'", "''", `'\''`, `\`, " ", "  lead", "trail  "},
	} {
		if got := argvThroughShell(t, words); !sameArgv(got, words) {
			t.Errorf("sh -c %s\ngave  %q\nwant  %q", Quote(words), got, words)
		}
	}
}

// TestQuoteFirstWordAssignment checks that a command name with "=" is not
// taken by the shell as a variable assignment.
func TestQuoteFirstWordAssignment(t *testing.T) {
	if got := Quote([]string{"a=b", "c=d"}); got != "'a=b' c=d" {
		t.Errorf("Quote = %s, want 'a=b' c=d", got)
	}
}

// FuzzQuoteThroughShell checks that sh -c parses Quote's output back into
// exactly the words it was given. Words cannot hold a NUL byte: no program
// can receive one in its argv, and Quote's callers refuse such input.
func FuzzQuoteThroughShell(f *testing.F) {
	for _, s := range [][3]string{
		{"", "", ""},
		{"a b", "it's", "$x"},
		{"`id`", "a;b", "\n"},
		{"-", "--", "~"},
		{"x=y", "*", "\\"},
		{"'\\''", "\"", "\xff"},
	} {
		f.Add(s[0], s[1], s[2])
	}
	f.Fuzz(func(t *testing.T, a, b, c string) {
		words := []string{a, b, c}
		for _, w := range words {
			if strings.IndexByte(w, 0) >= 0 {
				t.Skip("an argv word cannot hold NUL")
			}
		}
		if got := argvThroughShell(t, words); !sameArgv(got, words) {
			t.Errorf("sh -c %s\ngave  %q\nwant  %q", Quote(words), got, words)
		}
	})
}
