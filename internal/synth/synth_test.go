package synth_test

import (
	"bytes"
	"testing"
	"testing/fstest"

	"github.com/shoal-nix/shoal/internal/check"
	"github.com/shoal-nix/shoal/internal/synth"
)

// TestFleetChecksClean holds the generator to its promise: what it writes is
// a fleet shoal check accepts without a single finding.
func TestFleetChecksClean(t *testing.T) {
	cases := []struct {
		n    int
		seed int64
	}{
		{100, 1}, {100, 2}, {100, 42}, {1, 1}, {2, 7}, {5, 3}, {1000, 1}, {10000, 1},
	}
	for _, c := range cases {
		src := synth.Fleet(c.n, c.seed)
		res := check.RunSource(fstest.MapFS{}, ".", "", src)
		if got := len(res.Fleet.Machines); got != c.n {
			t.Errorf("n=%d seed=%d: %d machines", c.n, c.seed, got)
		}
		for _, d := range res.Diags.Findings() {
			t.Errorf("n=%d seed=%d: %v", c.n, c.seed, d)
		}
	}
}

func TestFleetDeterministic(t *testing.T) {
	a, b := synth.Fleet(200, 9), synth.Fleet(200, 9)
	if !bytes.Equal(a, b) {
		t.Fatal("two fleets from the same seed differ")
	}
	if bytes.Equal(a, synth.Fleet(200, 10)) {
		t.Fatal("fleets from different seeds are the same")
	}
}

// TestFleetMix checks that the fleet looks like one: the profile shares,
// users, services and the hardware-bound features are all there.
func TestFleetMix(t *testing.T) {
	const n = 2000
	res := check.RunSource(fstest.MapFS{}, ".", "", synth.Fleet(n, 5))
	if res.Resolved == nil {
		t.Fatal("the fleet did not resolve")
	}
	profiles := map[string]int{}
	features := map[string]int{}
	for _, m := range res.Resolved.Machines {
		profiles[m.Profile.Name]++
		for _, f := range m.Features {
			features[f.Name()]++
		}
	}
	want := map[string]float64{"server": 0.50, "desktop": 0.25, "developer": 0.20, "base": 0.05}
	for p, share := range want {
		got := float64(profiles[p]) / n
		if got < share-0.04 || got > share+0.04 {
			t.Errorf("profile %s: %.2f of machines, want about %.2f", p, got, share)
		}
	}
	for _, f := range []string{"gpu-nvidia", "gpu-amd", "laptop", "gaming", "docker", "podman", "zram", "monitoring-server", "monitoring-agent", "backup-server", "backup-client",
		"gpu-intel", "tailscale", "virtualization", "wifi", "log-server", "log-shipper"} {
		if features[f] == 0 {
			t.Errorf("no machine has feature %s", f)
		}
	}
	if got := len(res.Fleet.Users); got != n/20 {
		t.Errorf("%d users, want %d", got, n/20)
	}
	if got := len(res.Fleet.Services); got != 3 {
		t.Errorf("%d services, want monitoring, logs and backup", got)
	}
}
