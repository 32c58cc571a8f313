package schema_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/pelletier/go-toml/v2"
	"github.com/rogpeppe/go-internal/txtar"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/shoal-nix/shoal/internal/check"
	"github.com/shoal-nix/shoal/internal/diag"
	"github.com/shoal-nix/shoal/internal/schema"
)

// schemaCodes are the problems in shoal.toml a JSON Schema can say: a fleet
// whose every error is one of them must fail validation.
var schemaCodes = []diag.Code{diag.CodeUnknownKey, diag.CodeWrongType, diag.CodeUnknownProfile, diag.CodeUnknownFeature, diag.CodeUnknownSetting, diag.CodeSettingValue, diag.CodeInvalidName}

// fleetCase is a fleet directory to check and validate.
type fleetCase struct {
	name string
	fsys fstest.MapFS
}

func dirFleet(t *testing.T, dir string) fleetCase {
	t.Helper()
	fsys := fstest.MapFS{}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		fsys[filepath.ToSlash(rel)] = &fstest.MapFile{Data: data}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return fleetCase{name: dir, fsys: fsys}
}

func corpus(t *testing.T) []fleetCase {
	t.Helper()
	cases := []fleetCase{dirFleet(t, "../../examples/homelab")}
	gens, _ := filepath.Glob("../../testdata/gen/*/fleet")
	for _, g := range gens {
		cases = append(cases, dirFleet(t, g))
	}
	files, _ := filepath.Glob("../../testdata/diagnostics/*.txtar")
	for _, f := range files {
		a, err := txtar.ParseFile(f)
		if err != nil {
			t.Fatal(err)
		}
		fsys := fstest.MapFS{}
		for _, file := range a.Files {
			if file.Name != "want" {
				fsys[file.Name] = &fstest.MapFile{Data: file.Data}
			}
		}
		cases = append(cases, fleetCase{name: f, fsys: fsys})
	}
	if len(cases) < 50 {
		t.Fatalf("found %d fleets; the test runs from internal/schema", len(cases))
	}
	return cases
}

// asJSON reads shoal.toml as the JSON value a TOML language server
// validates, or reports false when it is not TOML.
func asJSON(t *testing.T, src []byte) (any, bool) {
	var v map[string]any
	if err := toml.Unmarshal(src, &v); err != nil {
		return nil, false
	}
	data, err := json.Marshal(v)
	if err != nil {
		return nil, false // inf or nan: JSON has no such numbers
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	return doc, true
}

func compile(t *testing.T, text []byte) *jsonschema.Schema {
	t.Helper()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(text))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("shoal.schema.json", doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile("shoal.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestSchemaAgreesWithCheck validates every example and test fleet with a
// real JSON Schema validator: a fleet check accepts validates, and a fleet
// whose errors are all of kinds a schema can say is rejected.
func TestSchemaAgreesWithCheck(t *testing.T) {
	accepted, rejected := 0, 0
	for _, fc := range corpus(t) {
		res, err := check.Run(fc.fsys, ".", "")
		if err != nil {
			t.Fatalf("%s: %v", fc.name, err)
		}
		text, err := schema.Fleet(res.Catalog)
		if err != nil {
			t.Fatal(err)
		}
		doc, ok := asJSON(t, fc.fsys[check.FleetFile].Data)
		if !ok {
			continue
		}
		verr := compile(t, text).Validate(doc)
		var codes []diag.Code
		for _, d := range res.Diags {
			if d.Severity == diag.Error {
				codes = append(codes, d.Code)
			}
		}
		switch {
		case len(codes) == 0:
			accepted++
			if verr != nil {
				t.Errorf("%s: check accepts it, the schema does not: %v", fc.name, verr)
			}
		case allIn(codes, schemaCodes) && onlyFleetFile(res.Diags):
			rejected++
			if verr == nil {
				t.Errorf("%s: check reports %v, the schema accepts it", fc.name, codes)
			}
		}
	}
	if accepted < 20 || rejected < 15 {
		t.Errorf("validated %d accepted and %d rejected fleets; the corpus shrank?", accepted, rejected)
	}
	t.Logf("%d fleets accepted by check validate; %d with schema-expressible errors are rejected", accepted, rejected)
}

func allIn(codes, set []diag.Code) bool {
	for _, c := range codes {
		if !slices.Contains(set, c) {
			return false
		}
	}
	return true
}

func onlyFleetFile(l diag.List) bool {
	for _, d := range l {
		if d.Severity == diag.Error && !strings.HasSuffix(d.File, check.FleetFile) {
			return false
		}
	}
	return true
}
