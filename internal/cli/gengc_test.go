package cli

import "testing"

func TestGenHeapLimit(t *testing.T) {
	tests := []struct {
		name       string
		used, live uint64
		want       int64
	}{
		{"small fleet: the floor", 30 << 20, 15 << 20, genHeapFloor},
		{"the tree let go: what the check took", 280 << 20, 123 << 20, 280 << 20},
		{"little let go: half the live heap more", 200 << 20, 180 << 20, 270 << 20},
	}
	for _, tt := range tests {
		if got := genHeapLimit(tt.used, tt.live); got != tt.want {
			t.Errorf("%s: genHeapLimit(%d, %d) = %d, want %d", tt.name, tt.used, tt.live, got, tt.want)
		}
	}
}
