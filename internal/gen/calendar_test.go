package gen

import (
	"testing"
	"time"
)

func TestCalendarPeriod(t *testing.T) {
	const day = 24 * time.Hour
	for _, c := range []struct {
		calendar string
		want     time.Duration
	}{
		{"hourly", time.Hour},
		{"daily", day},
		{"weekly", 7 * day},
		{"*-*-* 01:30:00", day},
		{"02:30", day},
		{"Sun *-*-* 05:00:00", 7 * day},
		{"Mon..Fri 09:00", 7 * day},
		{"*-*-01 03:00:00", 31 * day},
		{"*-*-1,15 03:00:00", 31 * day},
		{"*-01-01 00:00:00", 366 * day},
		{"*-*-* *:00:00", time.Hour},
		{"*:0/15", time.Hour},
		{"something else", day},
		{"Sat,Sun 04:00", 7 * day},
	} {
		if got := calendarPeriod(c.calendar); got != c.want {
			t.Errorf("calendarPeriod(%q) = %v, want %v", c.calendar, got, c.want)
		}
	}
}
