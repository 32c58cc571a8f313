package gen

import "testing"

// TestPyName follows pythonizeName of nixos/lib/testing/driver.nix: the
// test script names a node web-1 as web_1.
func TestPyName(t *testing.T) {
	for in, want := range map[string]string{
		"nas": "nas", "web-1": "web_1", "1st": "_st", "a.b": "a_b", "Node_2": "Node_2", "x9": "x9",
	} {
		if got := pyName(in); got != want {
			t.Errorf("pyName(%q) = %q, want %q", in, got, want)
		}
	}
}
