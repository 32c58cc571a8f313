package selector

import (
	"errors"
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/shoal-nix/shoal/internal/diag"
	"github.com/shoal-nix/shoal/internal/fleet"
)

// Error is a selector that selects no machine, or is not a valid pattern.
type Error struct {
	Selector string
	Reason   string // what is wrong, for the message
	Hint     string // "did you mean ...?", or ""
}

func (e *Error) Error() string {
	msg := fmt.Sprintf("selector %q %s", e.Selector, e.Reason)
	if e.Hint != "" {
		msg += "; " + e.Hint
	}
	return msg
}

// ErrNoMachines is returned when the fleet has no machines to select.
var ErrNoMachines = errors.New("the fleet has no machines")

// Match returns the names of the machines of f that the selectors select,
// in the fleet file's order. No selectors (or only empty ones) select every
// machine. Each argument may hold several selectors separated by commas.
// The error is an *Error for the first selector that selects nothing or is
// malformed; all such selectors are reported, joined.
func Match(f *fleet.Fleet, selectors []string) ([]string, error) {
	names := f.MachineNames()
	if len(names) == 0 {
		return nil, ErrNoMachines
	}
	var sels []string
	for _, arg := range selectors {
		for s := range strings.SplitSeq(arg, ",") {
			if s = strings.TrimSpace(s); s != "" {
				sels = append(sels, s)
			}
		}
	}
	if len(sels) == 0 {
		return names, nil
	}
	chosen := map[string]bool{}
	var errs []error
	for _, s := range sels {
		got, err := one(f, s)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		for _, n := range got {
			chosen[n] = true
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	out := make([]string, 0, len(chosen))
	for _, n := range names {
		if chosen[n] {
			out = append(out, n)
		}
	}
	return out, nil
}

// one is what the single selector s selects.
func one(f *fleet.Fleet, s string) ([]string, error) {
	tag, isTag := strings.CutPrefix(s, "@")
	pattern := s
	if isTag {
		pattern = tag
		if tag == "" {
			return nil, &Error{Selector: s, Reason: "names no tag", Hint: "write @TAG, e.g. @" + firstOr(f.Tags(), "web")}
		}
	}
	if _, err := path.Match(pattern, ""); err != nil {
		return nil, &Error{Selector: s, Reason: "is not a valid glob (" + err.Error() + ")", Hint: "globs use *, ? and [a-z]"}
	}
	var out []string
	for _, m := range f.Machines {
		if isTag {
			if slices.ContainsFunc(m.Tags, func(t fleet.Ref) bool { ok, _ := path.Match(pattern, t.Value); return ok }) {
				out = append(out, m.Name)
			}
			continue
		}
		if ok, _ := path.Match(pattern, m.Name); ok {
			out = append(out, m.Name)
		}
	}
	if len(out) > 0 {
		return out, nil
	}
	if isTag {
		tags := f.Tags()
		hint := diag.DidYouMean(tag, tags)
		if hint != "" {
			hint = "did you mean \"@" + diag.Suggest(tag, tags) + "\"?"
		} else if len(tags) > 0 {
			hint = "the tags are " + list(atAll(tags))
		} else {
			hint = "no machine has a tag"
		}
		return nil, &Error{Selector: s, Reason: "matches no machine: no machine has that tag", Hint: hint}
	}
	var hint string
	switch {
	case slices.Contains(f.Tags(), pattern):
		hint = "\"" + pattern + "\" is a tag: select its machines with @" + pattern
	case diag.Suggest(pattern, f.MachineNames()) != "":
		hint = diag.DidYouMean(pattern, f.MachineNames())
	default:
		hint = "the machines are " + list(f.MachineNames())
	}
	return nil, &Error{Selector: s, Reason: "matches no machine", Hint: hint}
}

func atAll(tags []string) []string {
	out := make([]string, len(tags))
	for i, t := range tags {
		out[i] = "@" + t
	}
	return out
}

// listMax is how many names a hint lists.
const listMax = 8

// list joins names for a hint, at most listMax of them.
func list(names []string) string {
	if len(names) > listMax {
		return strings.Join(names[:listMax], ", ") + fmt.Sprintf(" and %d more", len(names)-listMax)
	}
	return strings.Join(names, ", ")
}

func firstOr(s []string, def string) string {
	if len(s) > 0 {
		return s[0]
	}
	return def
}
