package catalog

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/shoal-nix/shoal/internal/diag"
)

// calendarShorthands are the words systemd accepts for a whole calendar
// event (systemd.time(7)), with the normalized form each stands for.
var calendarShorthands = map[string]string{
	"minutely":     "*-*-* *:*:00",
	"hourly":       "*-*-* *:00:00",
	"daily":        "*-*-* 00:00:00",
	"monthly":      "*-*-01 00:00:00",
	"weekly":       "Mon *-*-* 00:00:00",
	"yearly":       "*-01-01 00:00:00",
	"annually":     "*-01-01 00:00:00",
	"quarterly":    "*-01,04,07,10-01 00:00:00",
	"semiannually": "*-01,07-01 00:00:00",
}

var weekdayNames = []string{"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"}

// CalendarError says why a string is no systemd calendar event, with a
// hint on how to write it.
type CalendarError struct {
	Problem string
	Hint    string
}

func (e *CalendarError) Error() string { return e.Problem }

// ParseCalendar checks a systemd calendar event as systemd.time(7)
// describes it: a shorthand (daily, weekly, ...), or an optional weekday
// list, an optional date (Y-M-D or M-D, the day after "~" counted from the
// month's end), an optional time (H:M or H:M:S, seconds with a fraction),
// and an optional time zone; each date and time component is "*", or a
// comma list of values, ranges (A..B) and repetitions (A/N). It returns
// the event's zone, "" when it names none, so that the caller can check it.
func ParseCalendar(s string) (zone string, err error) {
	if _, ok := calendarShorthands[s]; ok {
		return "", nil // the common case, without allocating
	}
	fields := strings.Fields(s)
	if len(fields) == 0 {
		return "", &CalendarError{Problem: "an empty calendar event", Hint: `write e.g. "daily", "Mon..Fri 02:00" or "*-*-01 03:00"`}
	}
	if _, ok := calendarShorthands[strings.ToLower(fields[0])]; ok {
		if len(fields) > 2 || len(fields) == 2 && (weekday(fields[1]) >= 0 || !isLetter(fields[1][0])) {
			return "", &CalendarError{Problem: fmt.Sprintf("%q: only a time zone may follow %q", s, fields[0]), Hint: fmt.Sprintf("write %q, or spell the event out, e.g. %q", fields[0], calendarShorthands[strings.ToLower(fields[0])])}
		}
		if len(fields) == 2 {
			return fields[1], nil
		}
		return "", nil
	}
	i := 0
	// The weekdays come first: a word that is no date or time. systemd
	// also takes "Wed, 17:48", a comma after the weekdays.
	if first := strings.TrimSuffix(fields[0], ","); isLetter(first[0]) {
		if err := parseWeekdays(first); err != nil {
			return "", err
		}
		i++
	}
	var date, clock string
	for ; i < len(fields); i++ {
		f := fields[i]
		switch {
		case strings.Contains(f, ":") && clock == "":
			clock = f
		case (strings.ContainsAny(f, "-~") && !isLetter(f[0])) && date == "" && clock == "":
			date = f
		case isLetter(f[0]) && i == len(fields)-1 && i > 0:
			zone = f
		default:
			return "", &CalendarError{Problem: fmt.Sprintf("%q is not a systemd calendar event: %q is out of place", s, f),
				Hint: `write [WEEKDAYS] [YEAR-MONTH-DAY] [HOUR:MINUTE[:SECOND]] [ZONE], e.g. "Mon..Fri *-*-* 02:00:00"`}
		}
	}
	if date != "" {
		if err := parseDate(s, date); err != nil {
			return "", err
		}
	}
	if clock != "" {
		if err := parseClock(s, clock); err != nil {
			return "", err
		}
	}
	return zone, nil
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// parseWeekdays reads "Mon", "Mon..Fri", "Sat,Sun", "monday,wed..fri".
func parseWeekdays(s string) error {
	bad := func(word string) error {
		names := make([]string, len(weekdayNames))
		for i, n := range weekdayNames {
			names[i] = strings.ToUpper(n[:1]) + n[1:3]
		}
		if !strings.Contains(s, "..") && !strings.Contains(s, ",") {
			// One word that is no weekday: most likely a shorthand misspelt.
			if h := diag.DidYouMean(strings.ToLower(word), shorthandNames()); h != "" {
				return &CalendarError{Problem: fmt.Sprintf("%q is not a systemd calendar event", word), Hint: h}
			}
		}
		return &CalendarError{Problem: fmt.Sprintf("%q is not a weekday", word), Hint: "weekdays are " + strings.Join(names, ", ") + ` (or spelled out); ranges "Mon..Fri", lists "Sat,Sun"`}
	}
	for item := range strings.SplitSeq(s, ",") {
		from, to, isRange := strings.Cut(item, "..")
		a := weekday(from)
		if a < 0 {
			return bad(from)
		}
		if isRange {
			b := weekday(to)
			if b < 0 {
				return bad(to)
			}
			if b < a {
				return &CalendarError{Problem: fmt.Sprintf("weekday range %q runs backwards", item), Hint: fmt.Sprintf("weeks start on Monday: write %s..Sun,Mon..%s", from, to)}
			}
		}
	}
	return nil
}

func shorthandNames() []string {
	return []string{"minutely", "hourly", "daily", "weekly", "monthly", "quarterly", "semiannually", "yearly", "annually"}
}

// weekday returns 0 for Monday .. 6 for Sunday, or -1. systemd takes the
// English names, abbreviated to three letters or whole, in any case.
func weekday(s string) int {
	l := strings.ToLower(s)
	for i, n := range weekdayNames {
		if l == n || l == n[:3] {
			return i
		}
	}
	return -1
}

// parseDate reads YEAR-MONTH-DAY or MONTH-DAY, the day separated by "~"
// when it counts from the end of the month.
func parseDate(event, date string) error {
	sep := strings.LastIndexAny(date, "-~")
	fromEnd := date[sep] == '~'
	head, day := date[:sep], date[sep+1:]
	parts := []string{"*", head}
	if y, m, ok := strings.Cut(head, "-"); ok {
		parts = []string{y, m}
	}
	bad := func(what, v, want string) error {
		return &CalendarError{Problem: fmt.Sprintf("%q: %s %q is not %s", event, what, v, want),
			Hint: `dates are YEAR-MONTH-DAY or MONTH-DAY, each "*" or numbers with "," lists, ".." ranges and "/" repetitions, e.g. "*-*-01" or "*-02~1" (the last day of February)`}
	}
	if err := component(parts[0], 1970, 2199, true, false); err != "" {
		return bad("year", parts[0], err)
	}
	if err := component(parts[1], 1, 12, false, false); err != "" {
		return bad("month", parts[1], err)
	}
	if err := component(day, 1, 31, false, false); err != "" {
		if fromEnd {
			return bad("day from the end of the month", day, err)
		}
		return bad("day", day, err)
	}
	return nil
}

// parseClock reads HOUR:MINUTE or HOUR:MINUTE:SECOND.
func parseClock(event, clock string) error {
	parts := strings.Split(clock, ":")
	if len(parts) < 2 || len(parts) > 3 {
		return &CalendarError{Problem: fmt.Sprintf("%q: %q is not a time", event, clock), Hint: `write HOUR:MINUTE or HOUR:MINUTE:SECOND, e.g. "02:30" or "*:0/15"`}
	}
	names := []string{"hour", "minute", "second"}
	limits := []int{23, 59, 59}
	for i, p := range parts {
		if err := component(p, 0, limits[i], false, i == 2); err != "" {
			return &CalendarError{Problem: fmt.Sprintf("%q: %s %q is not %s", event, names[i], p, err),
				Hint: `times are HOUR:MINUTE[:SECOND], each "*" or numbers with "," lists, ".." ranges and "/" repetitions, e.g. "02:00" or "*:0/15"`}
		}
	}
	return nil
}

// component checks one date or time component; it returns what is wrong,
// or "".
func component(s string, lo, hi int, year, fraction bool) string {
	if s == "" {
		return "a value"
	}
	if s == "*" {
		return ""
	}
	for item := range strings.SplitSeq(s, ",") {
		val, rep, hasRep := strings.Cut(item, "/")
		if hasRep {
			n, err := number(rep, fraction)
			if err != nil || n <= 0 {
				return "a repetition: the part after \"/\" must be a positive number"
			}
		}
		if val == "*" && hasRep {
			continue
		}
		from, to, isRange := strings.Cut(val, "..")
		a, msg := inRange(from, lo, hi, year, fraction)
		if msg != "" {
			return msg
		}
		if isRange {
			b, msg := inRange(to, lo, hi, year, fraction)
			if msg != "" {
				return msg
			}
			if b < a {
				return "a range: it runs backwards"
			}
		}
	}
	return ""
}

func inRange(s string, lo, hi int, year, fraction bool) (float64, string) {
	n, err := number(s, fraction)
	if err != nil {
		return 0, fmt.Sprintf("a number from %d to %d", lo, hi)
	}
	if year && len(s) == 2 {
		n += 2000 // systemd reads a two-digit year in this century
	}
	if n < float64(lo) || n > float64(hi) {
		return 0, fmt.Sprintf("in range: expected %d to %d", lo, hi)
	}
	return n, ""
}

// number parses decimal digits, with a fraction when allowed (seconds).
func number(s string, fraction bool) (float64, error) {
	digits, frac, dot := strings.Cut(s, ".")
	if !allDigits(digits) || dot && (!fraction || !allDigits(frac)) || len(s) > 12 {
		return 0, fmt.Errorf("%q is no number", s)
	}
	return strconv.ParseFloat(s, 64)
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
