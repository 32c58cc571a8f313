package cli

import (
	"fmt"
	"strings"
	"testing"
)

func TestBuildProgress(t *testing.T) {
	var term, out strings.Builder
	p := &buildProgress{w: &term, live: true, total: 3}
	p.start("a")
	p.start("b")
	p.finish("a", func() { fmt.Fprintln(&term, "a done") })
	p.start("c")
	p.finish("b", func() { fmt.Fprintln(&term, "b done") })
	p.finish("c", func() { fmt.Fprintln(&term, "c done") })
	p.end()
	const clear = "\r\033[K"
	want := "building a (0 of 3 done)" + clear + "building a, b (0 of 3 done)" + clear + "a done\n" +
		"building b (1 of 3 done)" + clear + "building b, c (1 of 3 done)" + clear + "b done\n" +
		"building c (2 of 3 done)" + clear + "c done\n"
	if got := term.String(); got != want {
		t.Errorf("on a terminal:\n got %q\nwant %q", got, want)
	}

	// Off a terminal: only the lines.
	p = &buildProgress{w: &out, live: false, total: 1}
	p.start("a")
	p.finish("a", func() { fmt.Fprintln(&out, "a done") })
	p.end()
	if got := out.String(); got != "a done\n" {
		t.Errorf("off a terminal: %q, want the result line alone", got)
	}
}
