package catalog

import (
	_ "embed"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/shoal-nix/shoal/internal/diag"
)

// Duration flavours: which program reads a duration setting, and so which
// syntax it takes.
const (
	// FlavourPrometheus is Prometheus's duration, also Loki's: integers
	// with units, largest first, each at most once: "15s", "1h30m", "30d".
	FlavourPrometheus = "prometheus"
	// FlavourNixAge is the age nix-collect-garbage --delete-older-than
	// takes: a number of days, "30d".
	FlavourNixAge = "nix-age"
	// FlavourRestic is restic's --keep-within duration: "1y5m7d2h".
	FlavourRestic = "restic"
	// FlavourGo is Go's time.ParseDuration, read by Grafana Alloy: "12h",
	// "1h30m", "1.5h"; no days.
	FlavourGo = "go"
	// FlavourHAProxy is an HAProxy time: one number with us, ms, s, m, h
	// or d; a bare number is milliseconds.
	FlavourHAProxy = "haproxy"
	// FlavourFail2ban is a fail2ban time: "1h", "10m", "1d 12h", or
	// seconds.
	FlavourFail2ban = "fail2ban"
)

var durationFlavours = []string{FlavourFail2ban, FlavourGo, FlavourHAProxy, FlavourNixAge, FlavourPrometheus, FlavourRestic}

var (
	prometheusDuration = lazyRegexp(`^(\d+y)?(\d+w)?(\d+d)?(\d+h)?(\d+m)?(\d+s)?(\d+ms)?$`)
	nixAge             = lazyRegexp(`^\d+d$`)
	resticDuration     = lazyRegexp(`^(\d+y)?(\d+m)?(\d+d)?(\d+h)?$`)
	goDuration         = lazyRegexp(`^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$`)
	haproxyTime        = lazyRegexp(`^\d+(us|ms|s|m|h|d)?$`)
	fail2banTime       = lazyRegexp(`^\s*(\d+(\.\d+)?\s*(ms|s|sec|secs|seconds?|m|min|mins|minutes?|h|hours?|d|days?|w|weeks?|mo|months?|y|years?)?\s*)+$`)
	// looseDuration reads what people write instead: "30 days", "1.5h",
	// "2 weeks"; it finds the number and the unit for a hint.
	looseDuration = lazyRegexp(`^\s*(\d+)\s*([A-Za-z]+)\s*$`)
)

// checkDuration returns what is wrong with a duration of a flavour, and a
// hint, or "" when it is fine.
func checkDuration(flavour, s string) (problem, hint string) {
	switch flavour {
	case FlavourNixAge:
		if nixAge().MatchString(s) {
			return "", ""
		}
		return fmt.Sprintf("%q is not an age nix-collect-garbage takes", s),
			fmt.Sprintf("write a number of days, e.g. %q (--delete-older-than knows only days)", suggestDays(s))
	case FlavourRestic:
		if s != "" && resticDuration().MatchString(s) {
			return "", ""
		}
		return fmt.Sprintf("%q is not a restic duration", s), `write numbers with units y, m (months), d, h, largest first, e.g. "1y6m" or "14d"`
	case FlavourGo:
		if s == "0" || goDuration().MatchString(s) {
			return "", ""
		}
		hint = `write numbers with units h, m, s, ms, e.g. "12h" or "1h30m" (no days: "48h" for two)`
		if m := looseDuration().FindStringSubmatch(s); m != nil && promUnit(m[2]) == "d" {
			var n int
			fmt.Sscan(m[1], &n)
			hint = fmt.Sprintf("write %q: Go durations have no days", fmt.Sprintf("%dh", 24*n))
		}
		return fmt.Sprintf("%q is not a Go duration", s), hint
	case FlavourHAProxy:
		if haproxyTime().MatchString(s) {
			return "", ""
		}
		return fmt.Sprintf("%q is not an HAProxy time", s), `write one number with a unit us, ms, s, m, h or d, e.g. "30s"`
	case FlavourFail2ban:
		if strings.TrimSpace(s) != "" && fail2banTime().MatchString(s) {
			return "", ""
		}
		return fmt.Sprintf("%q is not a fail2ban time", s), `write e.g. "10m", "1h", "1d 12h" or a number of seconds`
	}
	if s == "0" || s != "" && prometheusDuration().MatchString(s) {
		return "", ""
	}
	hint = `write integers with units y, w, d, h, m, s, ms, largest first, e.g. "15s", "1h30m" or "30d"`
	if m := looseDuration().FindStringSubmatch(s); m != nil {
		if u := promUnit(m[2]); u != "" {
			hint = fmt.Sprintf("write %q", m[1]+u)
		}
	} else if looseDuration().MatchString(strings.ReplaceAll(s, " ", "")) || strings.Contains(s, " ") {
		hint = fmt.Sprintf("write it without spaces: %q", strings.ReplaceAll(s, " ", ""))
	}
	if allDigits(s) {
		hint = fmt.Sprintf("a duration needs a unit, e.g. %q or %q", s+"s", s+"d")
	}
	return fmt.Sprintf("%q is not a Prometheus duration", s), hint
}

// promUnit maps a spelt-out unit to Prometheus's letter.
func promUnit(u string) string {
	switch strings.ToLower(u) {
	case "y", "year", "years", "yr":
		return "y"
	case "w", "week", "weeks", "wk":
		return "w"
	case "d", "day", "days":
		return "d"
	case "h", "hour", "hours", "hr", "hrs":
		return "h"
	case "min", "mins", "minute", "minutes":
		return "m"
	case "s", "sec", "secs", "second", "seconds":
		return "s"
	case "ms", "msec", "millisecond", "milliseconds":
		return "ms"
	}
	return ""
}

// suggestDays turns "2 weeks", "30" or "1m" into a number of days for a hint.
func suggestDays(s string) string {
	if allDigits(s) {
		return s + "d"
	}
	if m := looseDuration().FindStringSubmatch(s); m != nil {
		var n int
		fmt.Sscan(m[1], &n)
		switch promUnit(m[2]) {
		case "w":
			return fmt.Sprintf("%dd", n*7)
		case "d":
			return fmt.Sprintf("%dd", n)
		}
	}
	return "30d"
}

//go:embed zones.txt
var zoneList string

var zones = sync.OnceValue(func() []string {
	var out []string
	for line := range strings.Lines(zoneList) {
		if line = strings.TrimSpace(line); line != "" && line[0] != '#' {
			out = append(out, line)
		}
	}
	return out
})

// Zones returns the IANA time zone names shoal knows, sorted.
func Zones() []string { return zones() }

// checkZone returns what is wrong with a time zone name and a hint, or "".
func checkZone(s string) (problem, hint string) {
	all := zones()
	if _, ok := slices.BinarySearch(all, s); ok {
		return "", ""
	}
	problem = fmt.Sprintf("%q is not an IANA time zone", s)
	for _, z := range all {
		if strings.EqualFold(z, s) {
			return problem, fmt.Sprintf("time zone names are case-sensitive: did you mean %q?", z)
		}
	}
	// "Berlin" for "Europe/Berlin": a city without its region.
	city := strings.ReplaceAll(s, " ", "_")
	for _, z := range all {
		if i := strings.LastIndexByte(z, '/'); i > 0 && strings.EqualFold(z[i+1:], city) {
			return problem, fmt.Sprintf("did you mean %q?", z)
		}
	}
	if h := diag.DidYouMean(s, all); h != "" {
		return problem, h
	}
	return problem, `write REGION/CITY as in the tz database, e.g. "Europe/Berlin", "America/New_York" or "UTC"`
}

// Releases are the NixOS releases, oldest first: what system.stateVersion
// may name.
var Releases = []string{
	"13.10", "14.04", "14.12", "15.09", "16.03", "16.09", "17.03", "17.09", "18.03", "18.09", "19.03", "19.09", "20.03", "20.09",
	"21.05", "21.11", "22.05", "22.11", "23.05", "23.11", "24.05", "24.11", "25.05", "25.11", "26.05", "26.11",
}

// checkRelease returns what is wrong with a release name and a hint, or "".
func checkRelease(s string) (problem, hint string) {
	if slices.Contains(Releases, s) {
		return "", ""
	}
	problem = fmt.Sprintf("%q is not a NixOS release", s)
	if y, m, ok := strings.Cut(s, "."); ok && len(m) == 1 && slices.Contains(Releases, y+".0"+m) {
		return problem, fmt.Sprintf("did you mean %q?", y+".0"+m)
	}
	if h := diag.DidYouMean(s, Releases); h != "" {
		return problem, h + " state_version names the release the machine was installed with, e.g. \"24.05\""
	}
	return problem, fmt.Sprintf("state_version names the release the machine was installed with: one of %s ... %s", Releases[0], Releases[len(Releases)-1])
}

// checkCalendar returns what is wrong with a systemd calendar event and a
// hint, or "".
func checkCalendar(s string) (problem, hint string) {
	zone, err := ParseCalendar(s)
	if err != nil {
		ce := err.(*CalendarError)
		return ce.Problem, ce.Hint
	}
	if zone != "" && zone != "UTC" {
		if p, h := checkZone(zone); p != "" {
			return fmt.Sprintf("%q: the time zone of the calendar event: %s", s, p), h
		}
	}
	return "", ""
}

// lazyRegexp returns a function that compiles expr on its first call, so
// that start-up does not pay for expressions a command never uses.
func lazyRegexp(expr string) func() *regexp.Regexp {
	return sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(expr) })
}
