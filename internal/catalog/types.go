package catalog

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/shoal-nix/shoal/internal/fleet"
	"github.com/shoal-nix/shoal/internal/tomltree"
)

// Kinds of setting.
const (
	KindBool   = "bool"
	KindInt    = "int"
	KindString = "string"
	KindEnum   = "enum"
	KindList   = "list" // of strings, or of Values when given
	KindPort   = "port"
	KindSize   = "size"
	// KindDuration is a string of a duration, in the syntax of the program
	// that reads it: Type.Flavour names which.
	KindDuration = "duration"
	// KindCalendar is a systemd calendar event (systemd.time(7)): "daily",
	// "Mon..Fri 02:00".
	KindCalendar = "calendar"
	// KindTimezone is an IANA time zone name: "Europe/Berlin".
	KindTimezone = "timezone"
	// KindRelease is a NixOS release: "24.05".
	KindRelease = "release"
)

var settingKinds = []string{KindBool, KindCalendar, KindDuration, KindEnum, KindInt, KindList, KindPort, KindRelease, KindSize, KindString, KindTimezone}

// Type is the type of a setting.
type Type struct {
	Kind     string
	Values   []string // enum values, or allowed list elements
	Min, Max *int64
	Pattern  *Pattern // a string must match it
	// Flavour is the syntax of a duration: FlavourPrometheus,
	// FlavourNixAge or FlavourRestic.
	Flavour string
}

// Pattern is a regular expression a string setting must match, for a value
// the generator writes into a configuration file of its own syntax (a URL
// path into HAProxy's).
type Pattern struct {
	Regexp *regexp.Regexp
	// Description completes "VALUE is not ...": "a URL path the load
	// balancer can check".
	Description string
	Hint        string // how to write a value that fits
}

// String describes the type for users: "one of gnome, plasma, hyprland".
func (t Type) String() string {
	switch t.Kind {
	case KindEnum:
		return "one of " + strings.Join(t.Values, ", ")
	case KindList:
		if len(t.Values) > 0 {
			return "a list of " + strings.Join(t.Values, ", ")
		}
		return "a list of strings"
	case KindInt:
		switch {
		case t.Min != nil && t.Max != nil:
			return fmt.Sprintf("an integer from %d to %d", *t.Min, *t.Max)
		case t.Min != nil:
			return fmt.Sprintf("an integer of at least %d", *t.Min)
		}
		return "an integer"
	case KindPort:
		return "a port number (1-65535)"
	case KindSize:
		return "a size such as \"8GiB\""
	case KindBool:
		return "true or false"
	case KindDuration:
		switch t.Flavour {
		case FlavourNixAge:
			return "a number of days such as \"30d\""
		case FlavourRestic:
			return "a restic duration such as \"1y6m\""
		}
		return "a duration such as \"15s\" or \"30d\""
	case KindCalendar:
		return "a systemd calendar event such as \"daily\""
	case KindTimezone:
		return "a time zone such as \"Europe/Berlin\""
	case KindRelease:
		return "a NixOS release such as \"24.05\""
	}
	return "a string"
}

// Check converts a TOML value to the setting's Go value (bool, int64,
// string, []string, fleet.Size) or explains why it does not fit; when it
// does not fit, problem names what was expected and element is the index of
// the offending list element, or -1.
func (t Type) Check(n *tomltree.Node) (value any, problem string, element int) {
	bad := func(format string, args ...any) (any, string, int) {
		return nil, fmt.Sprintf(format, args...), -1
	}
	switch t.Kind {
	case KindBool:
		if n.Kind != tomltree.Bool {
			return bad("expected true or false, found %s", n.Describe())
		}
		return n.Bool, "", -1
	case KindInt, KindPort:
		if n.Kind != tomltree.Integer {
			return bad("expected %s, found %s", t, n.Describe())
		}
		lo, hi := t.Min, t.Max
		if t.Kind == KindPort {
			lo, hi = ptr(1), ptr(65535)
		}
		if lo != nil && n.Int < *lo || hi != nil && n.Int > *hi {
			return bad("%d is out of range: expected %s", n.Int, t)
		}
		return n.Int, "", -1
	case KindString, KindEnum:
		if n.Kind != tomltree.String {
			return bad("expected %s, found %s", t, n.Describe())
		}
		if t.Kind == KindEnum && !slices.Contains(t.Values, n.Str) {
			return bad("%q is not allowed: expected %s", n.Str, t)
		}
		if t.Pattern != nil && !t.Pattern.Regexp.MatchString(n.Str) {
			return bad("%q is not %s", n.Str, t.Pattern.Description)
		}
		return n.Str, "", -1
	case KindDuration, KindCalendar, KindTimezone, KindRelease:
		if n.Kind != tomltree.String {
			return bad("expected %s, found %s", t, n.Describe())
		}
		if problem, _ := t.meaning(n.Str); problem != "" {
			return bad("%s", problem)
		}
		return n.Str, "", -1
	case KindSize:
		if n.Kind != tomltree.String {
			return bad("expected %s, found %s", t, n.Describe())
		}
		size, err := fleet.ParseSize(n.Str)
		if err != nil {
			return bad("%v", err)
		}
		return size, "", -1
	case KindList:
		if n.Kind != tomltree.Array {
			return bad("expected %s, found %s", t, n.Describe())
		}
		out := make([]string, 0, len(n.Items))
		for i, it := range n.Items {
			if it.Kind != tomltree.String {
				return nil, fmt.Sprintf("expected a string, found %s", it.Describe()), i
			}
			if len(t.Values) > 0 && !slices.Contains(t.Values, it.Str) {
				return nil, fmt.Sprintf("%q is not allowed: expected one of %s", it.Str, strings.Join(t.Values, ", ")), i
			}
			out = append(out, it.Str)
		}
		return out, "", -1
	}
	return bad("setting has unknown type %q", t.Kind)
}

func ptr(i int64) *int64 { return &i }

// meaning checks a string of a kind whose syntax is another program's.
func (t Type) meaning(s string) (problem, hint string) {
	switch t.Kind {
	case KindDuration:
		return checkDuration(t.Flavour, s)
	case KindCalendar:
		return checkCalendar(s)
	case KindTimezone:
		return checkZone(s)
	case KindRelease:
		return checkRelease(s)
	}
	return "", ""
}

// Hint says how to write a value that fits, for a value Check refused; ""
// when the type has nothing to add.
func (t Type) Hint(n *tomltree.Node) string {
	switch {
	case n.Kind == tomltree.String:
		if _, hint := t.meaning(n.Str); hint != "" {
			return hint
		}
		if t.Kind == KindSize && allDigits(strings.TrimSpace(n.Str)) {
			return fmt.Sprintf("a size needs a unit: write %q", strings.TrimSpace(n.Str)+"GiB")
		}
	case n.Kind == tomltree.Integer && t.Kind == KindSize:
		return fmt.Sprintf("write the size as a string with a unit: %q", fmt.Sprintf("%dGiB", n.Int))
	case n.Kind == tomltree.Integer && t.Kind == KindDuration && t.Flavour != FlavourNixAge:
		return fmt.Sprintf("write the duration as a string with a unit: %q", fmt.Sprintf("%ds", n.Int))
	case n.Kind == tomltree.Integer && t.Kind == KindDuration:
		return fmt.Sprintf("write the age as a string: %q", fmt.Sprintf("%dd", n.Int))
	case n.Kind == tomltree.Float && t.Kind == KindRelease:
		return fmt.Sprintf("a release is a string: write %q, in quotes", fmt.Sprintf("%.2f", n.Float()))
	}
	if t.Pattern != nil {
		return t.Pattern.Hint
	}
	return ""
}

// Allowed lists the values a setting accepts, for "did you mean" hints.
func (t Type) Allowed() []string { return t.Values }
