package diag

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

func TestP(t *testing.T) {
	for _, c := range []struct {
		parts []any
		want  Path
	}{
		{nil, Path{}},
		{[]any{"machines", "web", "features", 2}, Path{"machines", "web", "features", "2"}},
		{[]any{Path{"machines", "web"}, "tags", 0}, Path{"machines", "web", "tags", "0"}},
		{[]any{"", -1}, Path{"", "-1"}},
	} {
		if got := P(c.parts...); !slices.Equal(got, c.want) {
			t.Errorf("P(%v) = %q, want %q", c.parts, got, c.want)
		}
	}
}

func TestPPanicsOnOtherTypes(t *testing.T) {
	defer func() {
		if r := recover(); r == nil || !strings.Contains(r.(string), "float64") {
			t.Errorf("P(1.5) recovered %v, want a panic naming float64", r)
		}
	}()
	P(1.5)
}

// TestChildAndKeyDoNotAlias checks that a child path never shares storage
// with its parent: validators derive many children from one machine path,
// and an append into a shared array would rewrite a sibling.
func TestChildAndKeyDoNotAlias(t *testing.T) {
	base := make(Path, 2, 8) // spare capacity, as append leaves it
	copy(base, Path{"machines", "web"})
	a := base.Child("features", 0)
	b := base.Child("tags", 1)
	k := base.Key("hardware")
	if want := (Path{"machines", "web", "features", "0"}); !slices.Equal(a, want) {
		t.Errorf("Child = %q, want %q", a, want)
	}
	if want := (Path{"machines", "web", "tags", "1"}); !slices.Equal(b, want) {
		t.Errorf("second Child = %q, want %q", b, want)
	}
	if want := (Path{"machines", "web", "hardware"}); !slices.Equal(k, want) {
		t.Errorf("Key = %q, want %q", k, want)
	}
	if !slices.Equal(base, Path{"machines", "web"}) {
		t.Errorf("the parent changed to %q", base)
	}
	if got := base.Child(Path{"settings", "ssh"}, "port"); !slices.Equal(got, Path{"machines", "web", "settings", "ssh", "port"}) {
		t.Errorf("Child(Path, key) = %q", got)
	}
	if got := (Path(nil)).Key("fleet"); !slices.Equal(got, Path{"fleet"}) {
		t.Errorf("nil.Key = %q", got)
	}
}

func TestPathString(t *testing.T) {
	for _, c := range []struct {
		path Path
		want string
	}{
		{nil, "$"},
		{P("machines", "web-1", "features", 2), "$.machines.web-1.features.2"},
		{P("machines", "web server"), `$.machines."web server"`},
		{P("nixos", "services.openssh.enable"), `$.nixos."services.openssh.enable"`},
		{P("users", ""), `$.users.""`},
		{P("users", "jürgen"), `$.users."jürgen"`},
		{P("k", `a"b`), `$.k."a\"b"`},
		{P("under_score", "UPPER"), "$.under_score.UPPER"},
	} {
		if got := c.path.String(); got != c.want {
			t.Errorf("%q.String() = %s, want %s", []string(c.path), got, c.want)
		}
	}
}

// TestRefSurvivesAppends is the reason Ref exists: decorating a diagnostic
// after more were appended must change that diagnostic, not a stale copy.
func TestRefSurvivesAppends(t *testing.T) {
	var l List
	first := l.Errorf(CodeUnknownFeature, "shoal.toml", P("machines", "web", "features", 0), "unknown feature %q", "zrm")
	for i := range 100 { // enough appends to move the backing array several times
		l.Warnf(CodeDeprecated, "shoal.toml", P("machines", "m", "features", i), "feature %d is deprecated", i)
	}
	first.Hintf("did you mean %q?", "zram").Relate("shoal.toml", P("machines", "web"), "%s", "the machine")
	got := l[0]
	if got.Hint != `did you mean "zram"?` || len(got.Related) != 1 || got.Related[0].Message != "the machine" {
		t.Errorf("l[0] = %+v; the hint and related location went elsewhere", got)
	}
	if first.Diagnostic().Summary != `unknown feature "zrm"` {
		t.Errorf("Ref.Diagnostic() = %+v", first.Diagnostic())
	}
	for _, d := range l[1:] {
		if d.Hint != "" || d.Related != nil {
			t.Errorf("%s was decorated too", d.Summary)
		}
	}
	first.SetHint("")
	if l[0].Hint != "" {
		t.Errorf("SetHint(\"\") left %q", l[0].Hint)
	}
}

func TestListAddsCopies(t *testing.T) {
	var l List
	path := P("machines", "web")
	r := l.Errorf(CodeUnknownUser, "shoal.toml", path, "unknown user %q", "bob").Relate("shoal.toml", path, "here")
	path[1] = "changed"
	if d := r.Diagnostic(); d.Path[1] != "web" || d.Related[0].Path[1] != "web" {
		t.Errorf("the diagnostic shares the caller's path: %v, %v", d.Path, d.Related[0].Path)
	}
	if d := l[0]; d.Severity != Error || d.Code != CodeUnknownUser || d.File != "shoal.toml" {
		t.Errorf("Errorf added %+v", d)
	}
	if w := l.Warnf(CodeLockout, "shoal.toml", nil, "x").Diagnostic(); w.Severity != Warning {
		t.Errorf("Warnf added severity %s", w.Severity)
	}
	at := l.Add(Diagnostic{Code: CodeSyntax, File: "f.toml", Summary: "bad"}.WithPos(Pos{Line: 2, Col: 3})).
		RelateAt("f.toml", Pos{Line: 1, Col: 1}, "first defined here").Diagnostic()
	if !at.Exact || at.Pos.Line != 2 || at.Related[0].Pos.Line != 1 {
		t.Errorf("Add/RelateAt = %+v", at)
	}
}

func TestCountAndHasErrors(t *testing.T) {
	var l List
	if l.HasErrors() {
		t.Error("an empty list has errors")
	}
	l.Warnf(CodeLockout, "f", nil, "w1")
	l.Warnf(CodeLockout, "f", nil, "w2")
	if l.HasErrors() || l.Count(Warning) != 2 || l.Count(Error) != 0 {
		t.Errorf("two warnings: HasErrors=%v Count(Warning)=%d", l.HasErrors(), l.Count(Warning))
	}
	l.Errorf(CodeSyntax, "f", nil, "e")
	if !l.HasErrors() || l.Count(Error) != 1 {
		t.Errorf("with an error: HasErrors=%v Count(Error)=%d", l.HasErrors(), l.Count(Error))
	}
}

func TestErrorText(t *testing.T) {
	d := Diagnostic{Code: CodeUnknownFeature, Severity: Error, File: "shoal.toml", Pos: Pos{Line: 3, Col: 7}, Summary: `unknown feature "zrm"`}
	if got, want := d.Error(), `shoal.toml:3:7: error[SH021]: unknown feature "zrm"`; got != want {
		t.Errorf("Diagnostic.Error() = %s, want %s", got, want)
	}
	w := Diagnostic{Code: CodeLockout, Severity: Warning, File: "shoal.toml", Pos: Pos{Line: 1, Col: 1}, Summary: "nobody can log in"}
	for _, c := range []struct {
		l    List
		want string
	}{
		{nil, "no diagnostics"},
		{List{d}, d.Error()},
		{List{d, w}, d.Error() + " (and 1 more)"},
		{List{d, w, w}, d.Error() + " (and 2 more)"},
	} {
		if got := c.l.Error(); got != c.want {
			t.Errorf("List.Error() = %s, want %s", got, c.want)
		}
	}
	var err error = List{d, w} // a List is an error
	if err.Error() != d.Error()+" (and 1 more)" {
		t.Errorf("List as error = %s", err)
	}
}

func TestSeverityText(t *testing.T) {
	if Error.String() != "error" || Warning.String() != "warning" {
		t.Errorf("severities render as %s and %s", Error, Warning)
	}
}

// TestJSON pins the JSON form that shoal check --json prints: field names,
// the severity and code as text, the path as a list, zero-value fields left
// out where they are optional.
func TestJSON(t *testing.T) {
	var l List
	l.Errorf(CodeUnknownFeature, "shoal.toml", P("machines", "web", "features", 0), "unknown feature %q", "zrm").
		Hintf("did you mean %q?", "zram").
		Relate("shoal.toml", P("machines", "web"), "the machine")
	l.Warnf(CodeNoMachines, "shoal.toml", nil, "the fleet has no machines")
	l[0].Pos = Pos{Line: 3, Col: 13, EndLine: 3, EndCol: 18}
	l[0].Related[0].Pos = Pos{Line: 1, Col: 11, EndLine: 1, EndCol: 14}
	got, err := json.Marshal(l)
	if err != nil {
		t.Fatal(err)
	}
	want := `[{"code":"SH021","severity":"error","summary":"unknown feature \"zrm\"","hint":"did you mean \"zram\"?","file":"shoal.toml",` +
		`"path":["machines","web","features","0"],"position":{"line":3,"column":13,"end_line":3,"end_column":18},` +
		`"related":[{"message":"the machine","file":"shoal.toml","path":["machines","web"],"position":{"line":1,"column":11,"end_line":1,"end_column":14}}]},` +
		`{"code":"SH017","severity":"warning","summary":"the fleet has no machines","file":"shoal.toml","path":null,"position":{"line":0,"column":0,"end_line":0,"end_column":0}}]`
	if string(got) != want {
		t.Errorf("JSON:\n got %s\nwant %s", got, want)
	}
}

// locator is a Locator over a fixed table; paths it does not know resolve,
// inexactly, to the nearest parent it knows, as tomltree.Doc.Locate does.
type locator map[string]Pos

func (m locator) Locate(p Path) (Pos, bool) {
	for i := len(p); i >= 0; i-- {
		if pos, ok := m[p[:i].String()]; ok {
			return pos, i == len(p)
		}
	}
	return Pos{}, false
}

func TestCorrelate(t *testing.T) {
	loc := locator{
		"$":                            {Line: 1, Col: 1},
		"$.machines.web":               {Line: 5, Col: 11},
		"$.machines.web.features.0":    {Line: 6, Col: 13},
		"$.machines.web.hardware.form": {Line: 7, Col: 1},
	}
	var l List
	l.Errorf(CodeUnknownFeature, "shoal.toml", P("machines", "web", "features", 0), "exact").
		Relate("shoal.toml", P("machines", "web", "hardware", "form"), "related, exact").
		Relate("shoal.toml", P("machines", "web", "nope"), "related, parent").
		RelateAt("shoal.toml", Pos{Line: 9, Col: 9}, "related, already placed").
		Relate("other.toml", P("x"), "related, no locator")
	l.Errorf(CodeUnknownKey, "shoal.toml", P("machines", "web", "ip"), "falls back to the machine")
	l.Errorf(CodeSyntax, "features/x/feature.toml", nil, "no locator for this file")
	l.Add(Diagnostic{Code: CodeSyntax, File: "shoal.toml", Summary: "placed by the parser"}.WithPos(Pos{Line: 2, Col: 4}))
	l.Correlate(map[string]Locator{"shoal.toml": loc})

	want := []struct {
		pos   Pos
		exact bool
	}{
		{Pos{Line: 6, Col: 13}, true},
		{Pos{Line: 5, Col: 11}, false},
		{Pos{}, false},
		{Pos{Line: 2, Col: 4}, true},
	}
	for i, w := range want {
		if l[i].Pos != w.pos || l[i].Exact != w.exact {
			t.Errorf("%s: at %+v exact=%v, want %+v exact=%v", l[i].Summary, l[i].Pos, l[i].Exact, w.pos, w.exact)
		}
	}
	rel := l[0].Related
	for i, w := range []Pos{{Line: 7, Col: 1}, {Line: 5, Col: 11}, {Line: 9, Col: 9}, {}} {
		if rel[i].Pos != w {
			t.Errorf("%s: at %+v, want %+v", rel[i].Message, rel[i].Pos, w)
		}
	}
}

func TestSort(t *testing.T) {
	mk := func(file string, line, col int, code Code, summary string) Diagnostic {
		return Diagnostic{File: file, Pos: Pos{Line: line, Col: col}, Code: code, Summary: summary}
	}
	l := List{
		mk("shoal.toml", 3, 1, "SH021", "b"),
		mk("features/x/feature.toml", 9, 9, "SH001", "a"),
		mk("shoal.toml", 1, 5, "SH010", "a"),
		mk("shoal.toml", 3, 1, "SH021", "a"),
		mk("shoal.toml", 3, 1, "SH013", "z"),
		mk("shoal.toml", 1, 2, "SH060", "a"),
	}
	l.Sort()
	var got []string
	for _, d := range l {
		got = append(got, d.Error())
	}
	want := []string{
		"features/x/feature.toml:9:9: error[SH001]: a",
		"shoal.toml:1:2: error[SH060]: a",
		"shoal.toml:1:5: error[SH010]: a",
		"shoal.toml:3:1: error[SH013]: z",
		"shoal.toml:3:1: error[SH021]: a",
		"shoal.toml:3:1: error[SH021]: b",
	}
	if !slices.Equal(got, want) {
		t.Errorf("sorted:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
