package gen

import (
	"testing"

	"github.com/shoal-nix/shoal/internal/catalog"
)

// TestEveryPromiseHasACheck: every promise of a built-in profile is
// either "everything NAME promises" of a profile it extends, or has a
// check that writes at least one line of the test script.
func TestEveryPromiseHasACheck(t *testing.T) {
	cat, diags := catalog.Builtin()
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	for _, name := range cat.ProfileNames() {
		p := cat.Profiles[name]
		for _, promise := range p.Promises {
			if parent, ok := everything(promise); ok {
				if p.Extends != parent {
					t.Errorf("profile %s promises %q but does not extend %s", name, promise, parent)
				}
				continue
			}
			if promiseChecks[promise] == nil {
				t.Errorf("profile %s promises %q, which promiseChecks has no check of", name, promise)
			}
		}
	}
}
