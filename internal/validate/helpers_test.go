package validate

import (
	"slices"
	"testing"

	"github.com/shoal-nix/shoal/internal/tomltree"
)

func TestWithArticle(t *testing.T) {
	for word, want := range map[string]string{
		"intel":         "an intel",
		"amd":           "an amd",
		"nvidia":        "an nvidia", // said "en-vidia"
		"nvidia or amd": "an nvidia or amd",
		"laptop":        "a laptop",
		"desktop":       "a desktop",
		"Arm":           "an Arm",
	} {
		if got := withArticle(word); got != want {
			t.Errorf("withArticle(%q) = %q, want %q", word, got, want)
		}
	}
}

func TestJoins(t *testing.T) {
	for _, c := range []struct {
		items   []string
		or, and string
	}{
		{nil, "", ""},
		{[]string{"a"}, "a", "a"},
		{[]string{"a", "b"}, "a or b", "a and b"},
		{[]string{"a", "b", "c"}, "a, b or c", "a, b and c"},
	} {
		if got := joinOr(c.items); got != c.or {
			t.Errorf("joinOr(%q) = %q, want %q", c.items, got, c.or)
		}
		if got := joinAnd(c.items); got != c.and {
			t.Errorf("joinAnd(%q) = %q, want %q", c.items, got, c.and)
		}
	}
	if plural(1, "wants", "want") != "wants" || plural(2, "wants", "want") != "want" || plural(0, "is", "are") != "are" {
		t.Error("plural picks the wrong form")
	}
}

func TestFirstWords(t *testing.T) {
	for s, want := range map[string]string{
		"A headless machine that serves others: base, hardened": "A headless machine that serves others",
		"Sound. With PipeWire": "Sound",
		"no stop at all":       "no stop at all",
		":leading colon":       ":leading colon", // nothing before it: keep all
	} {
		if got := firstWords(s); got != want {
			t.Errorf("firstWords(%q) = %q, want %q", s, got, want)
		}
	}
}

func TestReleaseOr(t *testing.T) {
	for r, want := range map[string]string{"25.11": "25.11", "unstable": "26.05", "": "26.05"} {
		if got := releaseOr(r); got != want {
			t.Errorf("releaseOr(%q) = %q, want %q", r, got, want)
		}
	}
}

func TestFirstN(t *testing.T) {
	s := []string{"a", "b", "c"}
	if got := firstN(s, 3); !slices.Equal(got, s) {
		t.Errorf("firstN(3 of 3) = %q", got)
	}
	got := firstN(s, 2)
	if !slices.Equal(got, []string{"a", "b", "…"}) {
		t.Errorf("firstN(2 of 3) = %q", got)
	}
	if s[2] != "c" {
		t.Errorf("firstN wrote into its argument: %q", s)
	}
	if got := quoteAll([]string{"a.b", "c"}); !slices.Equal(got, []string{`"a.b"`, `"c"`}) {
		t.Errorf("quoteAll = %q", got)
	}
}

// TestOverlaps pins when two raw nixos settings define the same option:
// one path is the other's prefix, and the shorter one's value either is no
// table (so it sets everything below it) or holds the longer one's rest.
func TestOverlaps(t *testing.T) {
	table := func(src string) *tomltree.Node {
		doc, diags := tomltree.Parse("x.toml", []byte("v = "+src+"\n"))
		if len(diags) > 0 {
			t.Fatal(diags)
		}
		return doc.Root.Get("v")
	}
	p := func(s ...string) []string { return s }
	for _, c := range []struct {
		name    string
		a       []string
		av      string
		b       []string
		bv      string
		overlap bool
	}{
		{"the same path", p("x", "y"), "1", p("x", "y"), "2", true},
		{"siblings", p("x", "y"), "1", p("x", "z"), "2", false},
		{"a scalar parent sets all below", p("x"), "1", p("x", "y", "z"), "2", true},
		{"a table parent without the key", p("x"), "{ a = 1 }", p("x", "y"), "2", false},
		{"a table parent with the key", p("x"), "{ y = 1 }", p("x", "y"), "2", true},
		{"a table parent with a scalar on the way", p("x"), "{ y = 1 }", p("x", "y", "z"), "2", true},
		{"a table parent with a table on the way, without the key", p("x"), "{ y = { w = 1 } }", p("x", "y", "z"), "2", false},
		{"longer path first", p("x", "y"), "2", p("x"), "{ y = 1 }", true},
		{"a common prefix is not a parent", p("x", "a"), "{ y = 1 }", p("x", "b", "y"), "2", false},
	} {
		if got := overlaps(c.a, table(c.av), c.b, table(c.bv)); got != c.overlap {
			t.Errorf("%s: overlaps(%q = %s, %q = %s) = %v, want %v", c.name, c.a, c.av, c.b, c.bv, got, c.overlap)
		}
	}
	if !isPrefix(nil, p("x")) || !isPrefix(p("x"), p("x")) || isPrefix(p("x", "y"), p("x")) || isPrefix(p("y"), p("x", "y")) {
		t.Error("isPrefix is wrong")
	}
}
