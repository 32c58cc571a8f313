package resolve

import (
	"net/netip"
	"testing"
)

func TestMeshPlanStable(t *testing.T) {
	subnet := netip.MustParsePrefix("10.77.0.0/16")
	before, clashes := MeshPlan(subnet, []string{"nas", "vps", "laptop"}, nil)
	if len(clashes) != 0 {
		t.Fatalf("clashes: %v", clashes)
	}
	// A machine added in the middle of the fleet moves no other.
	after, _ := MeshPlan(subnet, []string{"nas", "aaa", "vps", "laptop"}, nil)
	got := map[string]netip.Addr{}
	for _, a := range after {
		got[a.Machine] = a.Addr
	}
	for _, b := range before {
		if got[b.Machine] != b.Addr {
			t.Errorf("%s moved from %s to %s", b.Machine, b.Addr, got[b.Machine])
		}
		if !MeshUsable(subnet, b.Addr) {
			t.Errorf("%s got %s, not a host address of %s", b.Machine, b.Addr, subnet)
		}
	}
}

func TestMeshPlanFixedAndClash(t *testing.T) {
	subnet := netip.MustParsePrefix("10.77.0.0/16")
	plan, _ := MeshPlan(subnet, []string{"nas"}, nil)
	fixed := map[string]netip.Addr{"vps": plan[0].Addr}
	plan, clashes := MeshPlan(subnet, []string{"nas", "vps"}, fixed)
	if !plan[1].Fixed || plan[1].Addr != plan[0].Addr {
		t.Fatalf("plan = %v", plan)
	}
	if len(clashes) != 1 || clashes[0] != [2]string{"nas", "vps"} {
		t.Fatalf("clashes = %v, want nas and vps", clashes)
	}
}

func TestMeshPlanSmallAndIPv6(t *testing.T) {
	for _, c := range []string{"10.0.0.0/30", "192.168.7.0/24", "fd42::/64", "fd42::/120"} {
		subnet := netip.MustParsePrefix(c)
		for _, n := range []string{"a", "b", "c", "nas", "vps"} {
			plan, _ := MeshPlan(subnet, []string{n}, nil)
			if !MeshUsable(subnet, plan[0].Addr) {
				t.Errorf("%s in %s: %s is not a host address", n, c, plan[0].Addr)
			}
		}
	}
	if MeshUsable(netip.MustParsePrefix("10.0.0.0/24"), netip.MustParseAddr("10.0.0.255")) {
		t.Error("10.0.0.255 is the broadcast address of 10.0.0.0/24")
	}
	if MeshUsable(netip.MustParsePrefix("10.0.0.0/24"), netip.MustParseAddr("10.0.1.1")) {
		t.Error("10.0.1.1 is outside 10.0.0.0/24")
	}
}
