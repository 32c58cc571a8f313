package runner

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
)

func TestQuote(t *testing.T) {
	got := Quote([]string{"nix-instantiate", "--parse", "a b.nix", "it's", ""})
	want := `nix-instantiate --parse 'a b.nix' 'it'\''s' ''`
	if got != want {
		t.Errorf("Quote = %s, want %s", got, want)
	}
}

func TestOutputTraceAndFailure(t *testing.T) {
	var trace bytes.Buffer
	r := &Runner{Trace: &trace}
	out, err := r.Output(context.Background(), "sh", "-c", "echo hi; echo oops >&2; exit 3")
	var e *Error
	if !errors.As(err, &e) || e.Stderr != "oops" || string(out) != "hi\n" {
		t.Fatalf("Output = %q, %v; want stdout hi and an *Error keeping stderr", out, err)
	}
	if !strings.HasPrefix(trace.String(), "+ sh -c ") {
		t.Errorf("trace = %q", trace.String())
	}
	if _, err := r.Output(context.Background(), "no-such-program-shoal"); err == nil || !strings.Contains(err.Error(), "not installed") {
		t.Errorf("missing program: %v", err)
	}
}
