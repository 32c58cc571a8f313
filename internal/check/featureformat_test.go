package check

import (
	"os"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"unicode"

	"github.com/shoal-nix/shoal/internal/catalog"
)

// featureDoc is where the feature format is published in the repository.
const featureDoc = "../../docs/features.md"

// TestFeatureDocIsPublished keeps docs/features.md the same as the page
// shoal help feature-format prints; -update writes it.
func TestFeatureDocIsPublished(t *testing.T) {
	if *update {
		if err := os.WriteFile(featureDoc, []byte(catalog.FeatureFormatDoc), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(featureDoc)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != catalog.FeatureFormatDoc {
		t.Errorf("%s differs from internal/catalog/featureformat.md: run go test ./internal/check -run TestFeatureDoc -update", featureDoc)
	}
}

// docTables reads the key tables of the feature format page: for each
// heading, the keys of its rows ("| `key` | ...").
func docTables(doc string) map[string][]string {
	tables := map[string][]string{}
	heading := ""
	row := regexp.MustCompile("^\\| `([a-z_]+)` \\|")
	for _, line := range strings.Split(doc, "\n") {
		if h, ok := strings.CutPrefix(line, "## "); ok {
			heading = strings.Trim(h, "`")
			continue
		}
		if m := row.FindStringSubmatch(line); m != nil {
			tables[heading] = append(tables[heading], m[1])
		}
	}
	return tables
}

// TestFeatureDocListsEveryKey holds the page's tables to the keys the
// loader reads: a key added to the format without a row (or a row for a
// key the loader no longer reads) fails here.
func TestFeatureDocListsEveryKey(t *testing.T) {
	tables := docTables(catalog.FeatureFormatDoc)
	documented := map[string]bool{}
	for _, ft := range catalog.FeatureFormat() {
		got, ok := tables[ft.Heading]
		if !ok {
			t.Errorf("the feature format page has no section \"## `%s`\"", ft.Heading)
			continue
		}
		if !slices.Equal(slices.Sorted(slices.Values(got)), slices.Sorted(slices.Values(ft.Keys))) {
			t.Errorf("section %s documents keys %v; the loader reads %v", ft.Heading, got, ft.Keys)
		}
		for _, k := range ft.Keys {
			documented[k] = true
		}
	}
	for h := range tables {
		if !slices.ContainsFunc(catalog.FeatureFormat(), func(ft catalog.FormatTable) bool { return ft.Heading == h }) {
			t.Errorf("the feature format page has a key table under %q, which is no table of the format", h)
		}
	}
	// Every field of the Go types a feature file is read into is a key of
	// the format, but for those that say where a value came from.
	notKeys := map[string]string{
		"Feature.Name": "the directory name", "Feature.File": "where it was read", "Feature.Local": "where it was read",
		"Feature.Module": "module.nix", "Feature.NixOS": "nixos and nixos_when",
		"Setting.Name": "the table name", "Setting.Path": "where it was read", "Type.Kind": "type",
		"Port.Path": "where it was read", "HealthCheck.Path": "where it was read",
		"Hardware.Path": "where it was read", "Resources.Path": "where it was read", "Conflict.Path": "where it was read",
	}
	for _, v := range []any{catalog.Feature{}, catalog.Setting{}, catalog.Type{}, catalog.Pattern{}, catalog.Derivation{}, catalog.Conflict{}, catalog.Hardware{}, catalog.Resources{}, catalog.Port{}, catalog.HealthCheck{}} {
		typ := reflect.TypeOf(v)
		for i := range typ.NumField() {
			name := typ.Name() + "." + typ.Field(i).Name
			if _, ok := notKeys[name]; ok {
				continue
			}
			if key := snake(typ.Field(i).Name); !documented[key] {
				t.Errorf("%s (key %q) is not documented on the feature format page", name, key)
			}
		}
	}
}

// snake turns a Go field name into the key it is read from: "HTTP" ->
// "http", "CPU" -> "cpu", "Regexp" -> "regexp".
func snake(name string) string {
	var b strings.Builder
	for i, r := range name {
		if unicode.IsUpper(r) && i > 0 && !unicode.IsUpper(rune(name[i-1])) {
			b.WriteByte('_')
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

// docBlock returns the fenced block that follows the line holding after.
func docBlock(t *testing.T, doc, after string) string {
	t.Helper()
	_, rest, ok := strings.Cut(doc, after)
	if !ok {
		t.Fatalf("the feature format page has no %q", after)
	}
	_, rest, _ = strings.Cut(rest, "```")
	_, rest, _ = strings.Cut(rest, "\n")
	block, _, ok := strings.Cut(rest, "```")
	if !ok {
		t.Fatalf("the block after %q is not closed", after)
	}
	return block
}

// TestFeatureDocExampleChecksClean runs shoal check on a fleet holding the
// page's full example: a user who copies it gets no error and no warning.
func TestFeatureDocExampleChecksClean(t *testing.T) {
	doc := catalog.FeatureFormatDoc
	fleetFile := `[fleet]
name = "example"
nixos = "26.05"
admin_keys = ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExampleAdminKeyExample admin@example"]

[defaults]
state_version = "26.05"
` + docBlock(t, doc, "and in `shoal.toml`:") + `
[machines.web.disk]
device = "/dev/vda"
boot = "uefi"
`
	fsys := fstest.MapFS{
		"shoal.toml":                        {Data: []byte(fleetFile)},
		"features/status-page/feature.toml": {Data: []byte(docBlock(t, doc, "`features/status-page/feature.toml`:"))},
		"features/status-page/module.nix":   {Data: []byte(docBlock(t, doc, "`features/status-page/module.nix`:"))},
	}
	res, err := Run(fsys, ".", "")
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Diags) > 0 {
		t.Errorf("the feature format page's example has diagnostics, want none:\n%s", detail(res.Diags))
	}
	web := res.Resolved.Machine("web")
	if web == nil || web.Feature("status-page") == nil {
		t.Fatal("machine web does not have the example feature")
	}
	if len(res.Catalog.Features["status-page"].Health) != 3 || len(res.Catalog.Features["status-page"].Settings) != 4 {
		t.Error("the example feature did not load its health checks and settings")
	}
}
