package cli

import "testing"

func TestCheckHeapLimit(t *testing.T) {
	tests := []struct {
		size, want int64
	}{
		{0, checkHeapFloor},
		{100 << 10, checkHeapFloor},                 // a fleet of a few hundred machines
		{5 << 20, checkHeapPerByte * 5 << 20},       // 10,000 machines
		{100 << 20, checkHeapPerByte * (100 << 20)}, // far more than any fleet
	}
	for _, tt := range tests {
		if got := checkHeapLimit(tt.size); got != tt.want {
			t.Errorf("checkHeapLimit(%d) = %d, want %d", tt.size, got, tt.want)
		}
	}
}
