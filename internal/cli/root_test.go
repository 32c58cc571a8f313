package cli

import "testing"

// TestColorMode pins when diagnostics get colour and snippets: the
// scripts write into pipes, so only here does auto meet a terminal.
func TestColorMode(t *testing.T) {
	for _, c := range []struct {
		mode     colorMode
		terminal bool
		noColor  string
		want     bool
	}{
		{colorAuto, true, "", true},
		{colorAuto, true, "1", false}, // NO_COLOR wins over auto
		{colorAuto, false, "", false},
		{colorAlways, false, "", true},
		{colorAlways, true, "1", true}, // an explicit flag wins over NO_COLOR
		{colorNever, true, "", false},
	} {
		if got := c.mode.on(c.terminal, c.noColor); got != c.want {
			t.Errorf("--color=%s, terminal %v, NO_COLOR=%q: colour %v, want %v", c.mode, c.terminal, c.noColor, got, c.want)
		}
	}
}
