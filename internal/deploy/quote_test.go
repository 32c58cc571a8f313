package deploy

import (
	"os/exec"
	"strings"
	"testing"
)

func TestQuoteRoundTripsThroughSh(t *testing.T) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh")
	}
	words := []string{
		"plain", "", " ", "two words", "it's", "'", "''", `"double"`, `back\slash`, "$HOME", "`id`",
		"$(id)", "a;b", "a|b&c", "new\nline", "tab\there", "*", "?", "[a]", "~", "#hash", "é ü 字",
		"-n", "--", "x=y z", "!bang", "{a,b}", "\\'", "'\\''",
	}
	// printf '%s\0' prints each argument it got, NUL-terminated.
	out, err := exec.Command(sh, "-c", "printf '%s\\0' "+Quote(words...)).Output()
	if err != nil {
		t.Fatalf("sh -c: %v", err)
	}
	got := strings.Split(strings.TrimSuffix(string(out), "\x00"), "\x00")
	if len(got) != len(words) {
		t.Fatalf("sh parsed %d words, want %d: %q", len(got), len(words), got)
	}
	for i := range words {
		if got[i] != words[i] {
			t.Errorf("word %d: sh got %q, want %q", i, got[i], words[i])
		}
	}
}

func TestQuoteLeavesSafeWordsBare(t *testing.T) {
	if got := Quote("nix-env", "-p", "/nix/var/nix/profiles/system", "--set", "/nix/store/abc-x"); got != "nix-env -p /nix/var/nix/profiles/system --set /nix/store/abc-x" {
		t.Errorf("Quote = %q", got)
	}
	if got := Quote("a b", "it's"); got != `'a b' 'it'\''s'` {
		t.Errorf("Quote = %q", got)
	}
}
