package fleet

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

var (
	// machineName follows NixOS networking.hostName: a DNS label,
	// ^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$.
	machineName = NamePattern{First: "A-Za-z0-9", Rest: "A-Za-z0-9-", Last: "A-Za-z0-9", Max: 63}
	// userName is ^[a-z_][a-z0-9_-]{0,31}$.
	userName = NamePattern{First: "a-z_", Rest: "a-z0-9_-", Max: 32}
	// tagName is ^[a-z0-9][a-z0-9_-]*$.
	tagName = NamePattern{First: "a-z0-9", Rest: "a-z0-9_-"}
	// FeatureName is the form of feature, profile and collection names:
	// ^[a-z][a-z0-9-]*$.
	FeatureName = NamePattern{First: "a-z", Rest: "a-z0-9-"}
)

// NamePattern is the shape of a name: a first character from one set, the
// others from a second, the last (when there are two or more) also from a
// third, and at most Max bytes (0: no limit). It matches what the regular
// expression ^[First]([Rest]*[Last])?$ would, without compiling one: the
// bounded repetitions of name rules made regexp.MustCompile a noticeable
// share of every command's start-up.
//
// Sets are written like the inside of a bracket expression, ASCII only:
// "a-z0-9_-" (a "-" that ends the set is itself).
type NamePattern struct {
	First, Rest, Last string
	Max               int
}

// MatchString reports whether s has the pattern's shape.
func (p NamePattern) MatchString(s string) bool {
	if s == "" || p.Max > 0 && len(s) > p.Max || !inSet(p.First, s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		if !inSet(p.Rest, s[i]) {
			return false
		}
	}
	return len(s) == 1 || p.Last == "" || inSet(p.Last, s[len(s)-1])
}

// inSet reports whether c is in a bracket-expression-like set of ASCII
// characters and ranges.
func inSet(set string, c byte) bool {
	for i := 0; i < len(set); i++ {
		if i+2 < len(set) && set[i+1] == '-' {
			if set[i] <= c && c <= set[i+2] {
				return true
			}
			i += 2
			continue
		}
		if set[i] == c {
			return true
		}
	}
	return false
}

// nameProblem explains why s is not a valid name of the given kind, or
// returns "" when it is valid.
func nameProblem(s string, re NamePattern, rule string) string {
	if re.MatchString(s) {
		return ""
	}
	switch {
	case s == "":
		return "is empty"
	case !utf8.ValidString(s) || strings.IndexFunc(s, func(r rune) bool { return r > 127 }) >= 0:
		return "contains non-ASCII characters; " + rule
	case strings.ContainsAny(s, " \t"):
		return "contains spaces; " + rule
	case strings.Contains(s, ".."), strings.ContainsAny(s, "/\\"):
		return "contains a path separator or \"..\"; " + rule
	case s[0] == '-':
		return "starts with \"-\"; " + rule
	}
	// Every name pattern is a first character, then more from a wider set;
	// try each character in the middle of a name to find the one refused.
	for _, r := range s {
		if !re.MatchString("a" + string(r) + "a") {
			if unicode.IsUpper(r) {
				return "contains uppercase letters; " + rule
			}
			return fmt.Sprintf("contains %q; ", string(r)) + rule
		}
	}
	if first := s[:1]; !re.MatchString(first) && !re.MatchString(first+"a") {
		return fmt.Sprintf("starts with %q; ", first) + rule
	}
	if last := s[len(s)-1:]; !re.MatchString("a" + last) {
		return fmt.Sprintf("ends with %q; ", last) + rule
	}
	return fmt.Sprintf("is too long (%d characters); ", len(s)) + rule
}

const (
	machineRule = "a machine name is a host name: letters, digits and \"-\", at most 63, not starting or ending with \"-\""
	userRule    = "a user name is lowercase letters, digits, \"_\" and \"-\", starting with a letter or \"_\", at most 32"
	groupRule   = "a group name is lowercase letters, digits, \"_\" and \"-\", starting with a letter or \"_\", at most 32"
	tagRule     = "a tag is lowercase letters, digits, \"_\" and \"-\""
	featureRule = "a feature name is lowercase letters, digits and \"-\", starting with a letter"
)

// Size is an amount of bytes, written in the fleet file like "32GiB" or "1TB".
type Size int64

var sizeUnits = map[string]int64{
	"b": 1,
	"k": 1000, "kb": 1000, "m": 1000 * 1000, "mb": 1000 * 1000, "g": 1e9, "gb": 1e9, "t": 1e12, "tb": 1e12,
	"kib": 1 << 10, "mib": 1 << 20, "gib": 1 << 30, "tib": 1 << 40,
}

// ParseSize reads sizes such as "512MiB", "32GiB", "1TB", "1.5 TB".
func ParseSize(s string) (Size, error) {
	t := strings.TrimSpace(s)
	i := strings.IndexFunc(t, func(r rune) bool { return !(r >= '0' && r <= '9' || r == '.') })
	if i < 0 {
		i = len(t)
	}
	num, unit := t[:i], strings.ToLower(strings.TrimSpace(t[i:]))
	if num != "" && unit == "" {
		return 0, fmt.Errorf("%q has no unit; write %q (or \"%sMiB\", \"%sTB\")", s, num+"GiB", num, num)
	}
	mult, ok := sizeUnits[unit]
	if num == "" || !ok {
		return 0, fmt.Errorf("%q is not a size; write a number and a unit, like \"512MiB\", \"32GiB\" or \"1TB\"", s)
	}
	f, err := strconv.ParseFloat(num, 64)
	if err != nil || f < 0 || f*float64(mult) > 1<<62 {
		return 0, fmt.Errorf("%q is not a size; write a number and a unit, like \"512MiB\", \"32GiB\" or \"1TB\"", s)
	}
	return Size(f * float64(mult)), nil
}

// String renders the size the way people write it: in the largest binary
// or decimal unit it is a whole number of ("32GiB", "1TB"), else in binary
// units with one decimal.
func (s Size) String() string {
	for _, u := range []struct {
		name string
		size int64
	}{{"TiB", 1 << 40}, {"TB", 1e12}, {"GiB", 1 << 30}, {"GB", 1e9}, {"MiB", 1 << 20}, {"MB", 1e6}, {"KiB", 1 << 10}, {"KB", 1e3}} {
		if s >= Size(u.size) && int64(s)%u.size == 0 {
			return fmt.Sprintf("%d%s", int64(s)/u.size, u.name)
		}
	}
	units := []string{"B", "KiB", "MiB", "GiB", "TiB"}
	v, i := float64(s), 0
	for v >= 1024 && i < len(units)-1 {
		v /= 1024
		i++
	}
	if i == 0 {
		return fmt.Sprintf("%dB", int64(s))
	}
	return fmt.Sprintf("%.1f%s", v, units[i])
}
