package catalog

import (
	"strings"
	"testing"

	"github.com/shoal-nix/shoal/internal/tomltree"
)

func TestParseCalendar(t *testing.T) {
	valid := []string{
		"daily", "hourly", "minutely", "weekly", "monthly", "yearly", "annually", "quarterly", "semiannually",
		"Daily", "daily UTC", "weekly Europe/Berlin",
		"04:40", "05:40", "08:05:40", "*:0/15", "*:2/3", "12..14:10,20,30", "12,14,13,12:20,10,30",
		"05:40:23.4200004/3.1700005",
		"Mon..Fri *-*-* 02:00:00", "Mon..Fri 02:00", "Sat,Sun 08:05:40", "Wed, 17:48", "monday *-12-* 17:00",
		"mon,fri *-1/2-1,3 *:30:45", "Mon,Fri *-*-3,1,2 *:30:45", "Mon", "Wed..Wed,Wed *-1",
		"*-*-01 03:00", "*-*-7 0:0:0", "10-15", "03-05 08:05:40", "2003-03-05 05:40", "2003-03-05",
		"2003-02..04-05", "2003-03-05 05:40 UTC", "Mon,Sun 12-*-* 2,1:23",
		"*-02~03", "Mon *-05~07/1", "*-*~1 04:00", "Sun *-*-* 04:00:00 Europe/Berlin",
	}
	for _, s := range valid {
		if _, err := ParseCalendar(s); err != nil {
			t.Errorf("ParseCalendar(%q): %v", s, err)
		}
	}
	invalid := []struct{ in, problem, hint string }{
		{"", "empty", "daily"},
		{"dialy", "not a systemd calendar event", `did you mean "daily"?`},
		{"weekly monday", "only a time zone", "Mon *-*-*"},
		{"Mon..Frx 02:00", `"Frx" is not a weekday`, "Mon, Tue"},
		{"Fri..Mon 02:00", "runs backwards", "Fri..Sun,Mon..Mon"},
		{"25:00", `hour "25" is not in range`, "HOUR:MINUTE"},
		{"02:60", `minute "60"`, ""},
		{"02", `"02" is out of place`, "WEEKDAYS"},
		{"*-13-01", `month "13"`, "YEAR-MONTH-DAY"},
		{"*-*-32 02:00", `day "32"`, ""},
		{"*-*-0", `day "0"`, ""},
		{"1969-01-01", `year "1969"`, ""},
		{"*:0/0", "repetition", ""},
		{"*-*-5..1", "runs backwards", ""},
		{"02:00 03:00", "out of place", ""},
		{"1:2:3:4", "not a time", "HOUR:MINUTE"},
		{"*-*-1x", `day "1x"`, ""},
		{"2:0.5", `minute "0.5"`, ""},
	}
	for _, c := range invalid {
		_, err := ParseCalendar(c.in)
		if err == nil {
			t.Errorf("ParseCalendar(%q) accepted it", c.in)
			continue
		}
		ce := err.(*CalendarError)
		if !strings.Contains(ce.Problem, c.problem) || !strings.Contains(ce.Hint, c.hint) {
			t.Errorf("ParseCalendar(%q) = %q, hint %q; want %q and hint with %q", c.in, ce.Problem, ce.Hint, c.problem, c.hint)
		}
	}
	if p, h := checkCalendar("daily Europe/Berln"); !strings.Contains(p, "time zone") || !strings.Contains(h, "Europe/Berlin") {
		t.Errorf("a calendar event's zone is not checked: %q %q", p, h)
	}
}

func TestDurations(t *testing.T) {
	cases := []struct {
		flavour, in string
		ok          bool
		hint        string
	}{
		{FlavourPrometheus, "15s", true, ""},
		{FlavourPrometheus, "1h30m", true, ""},
		{FlavourPrometheus, "30d", true, ""},
		{FlavourPrometheus, "744h", true, ""},
		{FlavourPrometheus, "1y2w3d4h5m6s7ms", true, ""},
		{FlavourPrometheus, "0", true, ""},
		{FlavourPrometheus, "30 days", false, `"30d"`},
		{FlavourPrometheus, "1.5h", false, "integers"},
		{FlavourPrometheus, "30m1h", false, "largest first"},
		{FlavourPrometheus, "30", false, `"30s"`},
		{FlavourPrometheus, "", false, ""},
		{FlavourPrometheus, "30D", false, `"30d"`},
		{FlavourPrometheus, "1h 30m", false, `"1h30m"`},
		{FlavourNixAge, "30d", true, ""},
		{FlavourNixAge, "2w", false, ""},
		{FlavourNixAge, "2 weeks", false, `"14d"`},
		{FlavourNixAge, "30", false, `"30d"`},
		{FlavourRestic, "1y6m", true, ""},
		{FlavourRestic, "14d", true, ""},
		{FlavourRestic, "2w", false, "largest first"},
		{FlavourGo, "12h", true, ""},
		{FlavourGo, "1.5h", true, ""},
		{FlavourGo, "2d", false, `"48h"`},
		{FlavourHAProxy, "30s", true, ""},
		{FlavourHAProxy, "5000", true, ""},
		{FlavourHAProxy, "1m30s", false, "one number"},
		{FlavourFail2ban, "1h", true, ""},
		{FlavourFail2ban, "1d 12h", true, ""},
		{FlavourFail2ban, "3600", true, ""},
		{FlavourFail2ban, "forever", false, "10m"},
	}
	for _, c := range cases {
		p, h := checkDuration(c.flavour, c.in)
		if (p == "") != c.ok || !strings.Contains(h, c.hint) {
			t.Errorf("checkDuration(%s, %q) = %q, %q; want ok=%v, hint with %q", c.flavour, c.in, p, h, c.ok, c.hint)
		}
	}
}

func TestZonesAndReleases(t *testing.T) {
	for _, c := range []struct{ in, hint string }{
		{"Europe/Berlin", ""}, {"UTC", ""}, {"America/Argentina/Buenos_Aires", ""},
		{"europe/berlin", `"Europe/Berlin"`}, {"Berlin", `"Europe/Berlin"`}, {"New York", `"America/New_York"`},
		{"Europe/Berln", `"Europe/Berlin"`}, {"CEST", `"CET"`}, {"Nowhere/Qqqqqqqqq", "REGION/CITY"},
	} {
		p, h := checkZone(c.in)
		if (p == "") != (c.hint == "") || !strings.Contains(h, c.hint) {
			t.Errorf("checkZone(%q) = %q, %q; want hint with %q", c.in, p, h, c.hint)
		}
	}
	for _, c := range []struct{ in, hint string }{
		{"24.05", ""}, {"13.10", ""}, {"14.04", ""}, {"26.05", ""},
		{"24.5", `"24.05"`}, {"24.06", `"24.05"`}, {"unstable", "installed with"}, {"12.05", ""},
	} {
		p, h := checkRelease(c.in)
		if (p == "") != (c.hint == "" && c.in != "12.05") || !strings.Contains(h, c.hint) {
			t.Errorf("checkRelease(%q) = %q, %q; want hint with %q", c.in, p, h, c.hint)
		}
	}
}

func TestTypeHint(t *testing.T) {
	size := Type{Kind: KindSize}
	if h := size.Hint(&tomltree.Node{Kind: tomltree.String, Str: "16"}); h != `a size needs a unit: write "16GiB"` {
		t.Errorf("size hint %q", h)
	}
	if h := size.Hint(&tomltree.Node{Kind: tomltree.Integer, Int: 16}); !strings.Contains(h, `"16GiB"`) {
		t.Errorf("size hint %q", h)
	}
	d := Type{Kind: KindDuration, Flavour: FlavourPrometheus}
	if _, problem, _ := d.Check(&tomltree.Node{Kind: tomltree.String, Str: "2 hours"}); problem == "" {
		t.Error("a duration with a space passed")
	}
	if h := d.Hint(&tomltree.Node{Kind: tomltree.String, Str: "2 hours"}); h != `write "2h"` {
		t.Errorf("duration hint %q", h)
	}
}

// TestSettingNeeds holds the built-in catalog's needs on settings to
// features that exist.
func TestSettingNeeds(t *testing.T) {
	cat, diags := Builtin()
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	n := 0
	for _, name := range cat.FeatureNames() {
		for _, s := range cat.Features[name].Settings {
			for _, need := range s.Needs {
				n++
				if cat.Features[need.Value] == nil {
					t.Errorf("%s.%s needs unknown feature %q", name, s.Name, need.Value)
				}
			}
		}
	}
	if n == 0 {
		t.Error("no built-in setting declares needs; docker.nvidia needs gpu-nvidia")
	}
}
