package diag

import "testing"

func TestDistance(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want int
	}{
		{"", "", 0},
		{"", "abc", 3},
		{"abc", "", 3},
		{"zram", "zram", 0},
		{"zrm", "zram", 1},      // insertion
		{"zraam", "zram", 1},    // deletion
		{"zrbm", "zram", 1},     // substitution
		{"enabel", "enable", 2}, // a transposition is two edits
		{"kitten", "sitting", 3},
		{"zräm", "zram", 1}, // counted in runes, not bytes
	} {
		if got := Distance(c.a, c.b); got != c.want {
			t.Errorf("Distance(%q, %q) = %d, want %d", c.a, c.b, got, c.want)
		}
		if got := Distance(c.b, c.a); got != c.want {
			t.Errorf("Distance(%q, %q) = %d, want %d (symmetric)", c.b, c.a, got, c.want)
		}
	}
}

func TestSuggest(t *testing.T) {
	features := []string{"docker", "podman", "zram", "desktop", "development", "laptop", "ssh"}
	for _, c := range []struct {
		name       string
		candidates []string
		want       string
	}{
		{"zrm", features, "zram"},
		{"dokcer", features, "docker"},
		{"DOCKER", features, "docker"}, // case does not count
		{"labtop", features, "laptop"},
		{"kubernetes", features, ""}, // nothing close
		{"x", features, ""},          // short names allow two edits, "ssh" is three
		{"sh", features, "ssh"},
		{"develop", features, ""},                                   // three edits from desktop, four from development: over the limit of 2
		{"ab", []string{"ad", "ac"}, "ac"},                          // ties go to the first in sort order
		{"ab", []string{"ac", "ad"}, "ac"},                          // whatever the order given
		{"anything", nil, ""},                                       // no candidates
		{"timezone", []string{"time_zone", "timezone"}, "timezone"}, // an exact match wins
	} {
		if got := Suggest(c.name, c.candidates); got != c.want {
			t.Errorf("Suggest(%q, %q) = %q, want %q", c.name, c.candidates, got, c.want)
		}
	}
}

func TestDidYouMean(t *testing.T) {
	if got := DidYouMean("prot", []string{"port", "address"}); got != `did you mean "port"?` {
		t.Errorf("DidYouMean = %s", got)
	}
	if got := DidYouMean("kubernetes", []string{"port"}); got != "" {
		t.Errorf("DidYouMean with nothing close = %q, want empty", got)
	}
}
