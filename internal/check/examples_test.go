package check

import (
	"os"
	"testing"
)

// TestExampleHomelabIsClean keeps the bundled example, which `shoal demo`
// shows to every new user, free of errors and warnings.
func TestExampleHomelabIsClean(t *testing.T) {
	res, err := Run(os.DirFS("../../examples/homelab"), ".", "")
	if err != nil {
		t.Fatal(err)
	}
	if f := res.Diags.Findings(); len(f) > 0 {
		t.Errorf("examples/homelab has %d errors and warnings, want none:\n%s", len(f), detail(f))
	}
	if res.Resolved == nil || len(res.Resolved.Machines) != 5 {
		t.Errorf("examples/homelab did not resolve its five machines")
	}
}
