package fleet

import "testing"

func TestSize(t *testing.T) {
	for _, c := range []struct {
		in   string
		want string
	}{
		{"32GiB", "32GiB"}, {"16GB", "16GB"}, {"1TB", "1TB"}, {"512MiB", "512MiB"}, {"1.5 TB", "1500GB"},
		{"1500", "1.5KiB"}, {"2000", "2KB"}, {"8gib", "8GiB"}, {"0.3GiB", "307.2MiB"},
	} {
		s, err := ParseSize(c.in)
		if err != nil {
			t.Errorf("ParseSize(%q): %v", c.in, err)
			continue
		}
		if got := s.String(); got != c.want {
			t.Errorf("ParseSize(%q).String() = %q, want %q", c.in, got, c.want)
		}
	}
	for _, bad := range []string{"", "GiB", "32 gigs", "-1GB", "1e3GB", "99999999TB"} {
		if _, err := ParseSize(bad); err == nil {
			t.Errorf("ParseSize(%q) succeeded, want an error", bad)
		}
	}
}
