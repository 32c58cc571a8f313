package selector_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/shoal-nix/shoal/internal/fleet"
	"github.com/shoal-nix/shoal/internal/selector"
)

const testFleet = `
[fleet]
name = "t"
nixos = "26.05"

[machines.web-1]
tags = ["web", "rack-a"]
[machines.web-2]
tags = ["web", "rack-b"]
[machines.db]
tags = ["rack-a"]
[machines.laptop]
`

func parse(t *testing.T, src string) *fleet.Fleet {
	t.Helper()
	f, diags := fleet.Parse("shoal.toml", []byte(src))
	if diags.HasErrors() {
		t.Fatalf("test fleet: %v", diags)
	}
	return f
}

func TestMatch(t *testing.T) {
	f := parse(t, testFleet)
	for _, tc := range []struct {
		sel  []string
		want []string
	}{
		{nil, []string{"web-1", "web-2", "db", "laptop"}},
		{[]string{""}, []string{"web-1", "web-2", "db", "laptop"}},
		{[]string{"db"}, []string{"db"}},
		{[]string{"web-*"}, []string{"web-1", "web-2"}},
		{[]string{"web-?"}, []string{"web-1", "web-2"}},
		{[]string{"@web"}, []string{"web-1", "web-2"}},
		{[]string{"@rack-*"}, []string{"web-1", "web-2", "db"}},
		{[]string{"@rack-a"}, []string{"web-1", "db"}},
		// The union, in file order, each machine once.
		{[]string{"laptop", "@rack-a", "db"}, []string{"web-1", "db", "laptop"}},
		{[]string{"laptop,@web"}, []string{"web-1", "web-2", "laptop"}},
		{[]string{" db , laptop "}, []string{"db", "laptop"}},
		{[]string{"*"}, []string{"web-1", "web-2", "db", "laptop"}},
		{[]string{"[dl]*"}, []string{"db", "laptop"}},
	} {
		got, err := selector.Match(f, tc.sel)
		if err != nil {
			t.Errorf("Match(%q): %v", tc.sel, err)
			continue
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("Match(%q) = %q, want %q", tc.sel, got, tc.want)
		}
	}
}

func TestMatchErrors(t *testing.T) {
	f := parse(t, testFleet)
	for _, tc := range []struct {
		sel  []string
		want []string // substrings of the message, in order
	}{
		{[]string{"dbb"}, []string{`selector "dbb" matches no machine; did you mean "db"?`}},
		{[]string{"nas"}, []string{`selector "nas" matches no machine; the machines are web-1, web-2, db, laptop`}},
		{[]string{"web"}, []string{`selector "web" matches no machine; "web" is a tag: select its machines with @web`}},
		{[]string{"@wbe"}, []string{`selector "@wbe" matches no machine: no machine has that tag; did you mean "@web"?`}},
		{[]string{"@gpu"}, []string{`selector "@gpu" matches no machine: no machine has that tag; the tags are @rack-a, @rack-b, @web`}},
		{[]string{"@"}, []string{`selector "@" names no tag; write @TAG, e.g. @rack-a`}},
		{[]string{"web-["}, []string{`selector "web-[" is not a valid glob`}},
		{[]string{"zz-*"}, []string{`selector "zz-*" matches no machine`}},
		// Every bad selector is reported, not only the first.
		{[]string{"db", "x1", "@y1"}, []string{`"x1"`, `"@y1"`}},
	} {
		got, err := selector.Match(f, tc.sel)
		if err == nil {
			t.Errorf("Match(%q) = %q, want an error", tc.sel, got)
			continue
		}
		var se *selector.Error
		if !errors.As(err, &se) {
			t.Errorf("Match(%q): %v is not a *selector.Error", tc.sel, err)
		}
		msg := err.Error()
		for _, w := range tc.want {
			i := strings.Index(msg, w)
			if i < 0 {
				t.Errorf("Match(%q): %q does not say %q", tc.sel, msg, w)
				break
			}
			msg = msg[i+len(w):]
		}
	}
}

func TestMatchNoMachines(t *testing.T) {
	f := parse(t, "[fleet]\nname = \"t\"\nnixos = \"26.05\"\n")
	if _, err := selector.Match(f, nil); !errors.Is(err, selector.ErrNoMachines) {
		t.Errorf("Match on a fleet without machines: %v, want ErrNoMachines", err)
	}
}

func TestMatchManyMachinesHint(t *testing.T) {
	var b strings.Builder
	b.WriteString("[fleet]\nname = \"t\"\nnixos = \"26.05\"\n")
	for _, n := range []string{"a1", "a2", "a3", "a4", "a5", "a6", "a7", "a8", "a9", "b1"} {
		b.WriteString("[machines." + n + "]\n")
	}
	_, err := selector.Match(parse(t, b.String()), []string{"zzzzz"})
	if err == nil || !strings.HasSuffix(err.Error(), "the machines are a1, a2, a3, a4, a5, a6, a7, a8 and 2 more") {
		t.Errorf("Match = %v, want a hint listing 8 machines and how many more", err)
	}
}
