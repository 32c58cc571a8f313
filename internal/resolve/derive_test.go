package resolve_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/shoal-nix/shoal/internal/catalog"
	"github.com/shoal-nix/shoal/internal/fleet"
	"github.com/shoal-nix/shoal/internal/resolve"
)

// TestDeriveFromHardware resolves settings the built-in catalog derives
// from hardware facts, ranges of integers included, and checks the value
// and the fact shown as its origin; a machine's own setting still wins.
func TestDeriveFromHardware(t *testing.T) {
	cases := []struct {
		hardware, extra string
		key             string // feature.setting
		want            any
		origin          string // Origin.Detail, or "" for a non-hardware origin
	}{
		{`{ memory = "2GiB" }`, "", "zram.memory_percent", int64(100), "hardware.memory_gib = 2"},
		{`{ memory = "8GiB" }`, "", "zram.memory_percent", int64(100), "hardware.memory_gib = 8"},
		{`{ memory = "12GiB" }`, "", "zram.memory_percent", int64(50), "hardware.memory_gib = 12"},
		{`{ memory = "64GiB" }`, "", "zram.memory_percent", int64(12), "hardware.memory_gib = 64"},
		{`{ memory = "64GiB" }`, "settings.zram.memory_percent = 30\n", "zram.memory_percent", int64(30), ""},
		{`{ }`, "", "zram.memory_percent", int64(50), ""},
		{`{ cores = 1 }`, "", "nix.max_jobs", int64(1), "hardware.cores = 1"},
		{`{ cores = 16 }`, "", "nix.max_jobs", int64(4), "hardware.cores = 16"},
		{`{ cores = 16 }`, "", "nix.build_cores", int64(4), "hardware.cores = 16"},
		{`{ cores = 64 }`, "", "nix.max_jobs", int64(8), "hardware.cores = 64"},
		{`{ }`, "", "nix.max_jobs", nil, ""},
		{`{ cpu = "amd" }`, "", "core.microcode", "amd", "hardware.cpu = amd"},
		{`{ cpu = "arm" }`, "", "core.microcode", "none", ""},
		{`{ form = "server" }`, "", "core.cpu_governor", "performance", "hardware.form = server"},
		{`{ form = "vm" }`, "", "core.firmware", false, "hardware.form = vm"},
		{`{ gpu = ["intel", "nvidia"] }`, "", "docker.nvidia", true, "hardware.gpu = [intel, nvidia]"},
	}
	cat, diags := catalog.Builtin()
	if len(diags) > 0 {
		t.Fatal(diags)
	}
	for _, c := range cases {
		src := fmt.Sprintf(`[fleet]
name = "t"
nixos = "26.05"

[machines.m]
profile = "developer"
features = ["zram"]
hardware = %s
%s`, c.hardware, c.extra)
		f, diags := fleet.Parse("shoal.toml", []byte(src))
		if diags.HasErrors() {
			t.Fatalf("%s: %v", c.hardware, diags)
		}
		rf, _ := resolve.Resolve(f, cat)
		m := rf.Machine("m")
		feature, setting, _ := strings.Cut(c.key, ".")
		v := m.Feature(feature).Value(setting)
		if fmt.Sprint(v.Value) != fmt.Sprint(c.want) {
			t.Errorf("%s: %s = %v, want %v", c.hardware, c.key, v.Value, c.want)
		}
		switch {
		case c.origin != "" && (v.Origin.Kind != resolve.FromHardware || v.Origin.Detail != c.origin):
			t.Errorf("%s: %s comes from %s %q, want hardware %q", c.hardware, c.key, v.Origin.Kind, v.Origin.Detail, c.origin)
		case c.origin == "" && v.Origin.Kind == resolve.FromHardware:
			t.Errorf("%s: %s comes from hardware %q, want another origin", c.hardware, c.key, v.Origin.Detail)
		}
	}
}
