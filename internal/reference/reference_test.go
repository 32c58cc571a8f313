package reference

import (
	"bytes"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/shoal-nix/shoal/internal/catalog"
)

func testCatalog(t *testing.T) *catalog.Catalog {
	t.Helper()
	fsys := fstest.MapFS{
		"collections.toml":        {Data: []byte("[tools]\ndescription = \"Tools\"\npackages = [\"jq\"]\n")},
		"features/a/feature.toml": {Data: []byte("description = \"A\"\nrequires = [\"b\"]\ncollections = [\"tools\"]\n")},
		"features/b/feature.toml": {Data: []byte("description = \"B\"\nrequires = [\"c\"]\n")},
		"features/c/feature.toml": {Data: []byte("description = \"C\"\n")},
		"features/x/feature.toml": {Data: []byte("description = \"X\"\nconflicts = [\"y\"]\nprovides = [\"dm\"]\n")},
		"features/y/feature.toml": {Data: []byte("description = \"Y\"\n[settings.mode]\ntype = \"enum\"\nvalues = [\"on\", \"off\"]\ndefault = \"off\"\n[[conflicts]]\nfeature = \"c\"\nwhen = { \"y.mode\" = \"on\" }\nreason = \"a \\\"quoted\\\" reason\"\n")},
		"features/z/feature.toml": {Data: []byte("description = \"Z\"\nprovides = [\"dm\"]\n")},
		"profiles/base.toml":      {Data: []byte("description = \"Base\"\nfeatures = [\"c\"]\n")},
		"profiles/server.toml":    {Data: []byte("description = \"Server\"\nextends = \"base\"\nfeatures = [\"a\"]\nexcludes = [\"c\"]\n")},
	}
	c, diags := catalog.Load(fsys, ".", "cat")
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	return c
}

func TestMatrixRelations(t *testing.T) {
	m := BuildMatrix(testCatalog(t))
	for _, tc := range []struct {
		a, b, rel, reason string
	}{
		{"a", "b", Requires, "a requires b"},
		{"a", "c", Requires, "a requires c through b"},
		{"c", "a", RequiredBy, "a requires c through b"},
		{"x", "y", Conflicts, "x declares a conflict with y"},
		{"y", "x", Conflicts, "x declares a conflict with y"},
		{"c", "y", ConflictsWhen, `a "quoted" reason`},
		{"x", "z", SameCapability, "both provide dm; a machine has one provider of it"},
		{"a", "z", Compatible, ""},
		{"a", "a", Same, ""},
	} {
		got := m.Get(tc.a, tc.b)
		if got.Relation != tc.rel || got.Reason != tc.reason {
			t.Errorf("%s to %s: got %s (%q), want %s (%q)", tc.a, tc.b, got.Relation, got.Reason, tc.rel, tc.reason)
		}
	}
	if got := m.Get("c", "y").When; got != `y.mode = "on"` {
		t.Errorf("c to y: when %q", got)
	}
	var b bytes.Buffer
	if err := WriteMatrixHTML(&b, m); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), `title="a &#34;quoted&#34; reason">x</td>`) {
		t.Errorf("HTML does not escape the reason into the cell's title:\n%s", b.String())
	}
}

func TestGraphsEscapeLabels(t *testing.T) {
	g := CatalogGraph(testCatalog(t))
	var dot, mmd bytes.Buffer
	if err := WriteDOT(&dot, g); err != nil {
		t.Fatal(err)
	}
	if err := WriteMermaid(&mmd, g); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`"f:a" -> "f:b";`,
		`"f:y" -> "f:c" [label="conflicts when y.mode = \"on\"", style=dashed, color=red, dir=none];`,
		`"c:dm" [label="dm", shape=ellipse, style=dashed];`,
	} {
		if !strings.Contains(dot.String(), want) {
			t.Errorf("DOT lacks %s:\n%s", want, dot.String())
		}
	}
	if !strings.Contains(mmd.String(), `-.-|"conflicts when y.mode = #quot;on#quot;"|`) {
		t.Errorf("Mermaid does not escape quotes:\n%s", mmd.String())
	}
}

func TestViews(t *testing.T) {
	c := testCatalog(t)
	p := ViewProfile(c, "server")
	if strings.Join(p.AllFeatures, ",") != "a" || strings.Join(p.Chain, ",") != "base,server" {
		t.Errorf("profile server: all features %v, chain %v", p.AllFeatures, p.Chain)
	}
	f := ViewFeature(c, "y")
	if f.Example != "[machines.example]\nfeatures = [\"y\"]\nsettings.y.mode = \"off\"  # the default\n" {
		t.Errorf("feature y example:\n%s", f.Example)
	}
	if len(f.Conflicts) != 2 || f.Conflicts[0].Feature != "c" || f.Conflicts[1].Declared != "x" {
		t.Errorf("feature y conflicts: %+v", f.Conflicts)
	}
	if col := ViewCollection(c, "tools"); strings.Join(col.Features, ",") != "a" {
		t.Errorf("collection tools used by %v", col.Features)
	}
	if ViewFeature(c, "nope") != nil || ViewProfile(c, "nope") != nil || ViewService(c, "nope") != nil || ViewCollection(c, "nope") != nil {
		t.Errorf("an unknown name has a view")
	}
}
