package diag

import (
	"bytes"
	"flag"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the table of codes in README.md from the registry")

const (
	readme      = "../../README.md"
	tableBegin  = "<!-- codes:begin: generated from internal/diag/codes.go; go test ./internal/diag -update -->\n"
	tableEnd    = "<!-- codes:end -->\n"
	codePattern = `^SH[0-9]{3}$`
)

// codesTable renders the README's table of codes from the registry.
func codesTable() string {
	var b strings.Builder
	b.WriteString("| code | severity | reported by | meaning |\n| --- | --- | --- | --- |\n")
	for _, c := range Codes() {
		b.WriteString("| " + string(c.Code) + " | " + c.Severity.String() + " | `shoal " + c.Command + "` | " + c.Description + " |\n")
	}
	return b.String()
}

// replaceTable returns doc with the text between the markers replaced by
// table, or false when the markers are missing or out of order.
func replaceTable(doc []byte, table string) ([]byte, bool) {
	before, rest, ok := bytes.Cut(doc, []byte(tableBegin))
	if !ok {
		return nil, false
	}
	_, after, ok := bytes.Cut(rest, []byte(tableEnd))
	if !ok {
		return nil, false
	}
	var out bytes.Buffer
	out.Write(before)
	out.WriteString(tableBegin)
	out.WriteString(table)
	out.WriteString(tableEnd)
	out.Write(after)
	return out.Bytes(), true
}

// TestReadmeCodesTable fails when the README's table of codes is not the
// one the registry renders; -update rewrites it.
func TestReadmeCodesTable(t *testing.T) {
	doc, err := os.ReadFile(readme)
	if err != nil {
		t.Fatal(err)
	}
	want, ok := replaceTable(doc, codesTable())
	if !ok {
		t.Fatalf("%s has no table of codes between %q and %q", readme, strings.TrimSpace(tableBegin), strings.TrimSpace(tableEnd))
	}
	if bytes.Equal(doc, want) {
		return
	}
	if *update {
		if err := os.WriteFile(readme, want, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("the table of codes in %s is stale; run go test ./internal/diag -update and review the diff\nwant:\n%s", readme, codesTable())
}

func TestReplaceTable(t *testing.T) {
	doc := "# x\n" + tableBegin + "| old |\n" + tableEnd + "after\n"
	got, ok := replaceTable([]byte(doc), "| new |\n")
	if want := "# x\n" + tableBegin + "| new |\n" + tableEnd + "after\n"; !ok || string(got) != want {
		t.Errorf("replaceTable = %q, %v; want %q", got, ok, want)
	}
	if _, ok := replaceTable([]byte("# x\n"+tableEnd+tableBegin), "| new |\n"); ok {
		t.Error("replaceTable accepted the end marker before the begin marker")
	}
	if _, ok := replaceTable([]byte("no markers\n"), ""); ok {
		t.Error("replaceTable accepted a document without markers")
	}
}

// TestRegistry holds every entry to the rules of the registry: a code is
// SHnnn, defined once, reported by a known command, and described in a few
// lowercase words without a final period.
func TestRegistry(t *testing.T) {
	if len(registry) < 40 {
		t.Fatalf("the registry has %d codes; the codes in use today are more", len(registry))
	}
	re := regexp.MustCompile(codePattern)
	seen := map[Code]bool{}
	for _, c := range registry {
		if !re.MatchString(string(c.Code)) {
			t.Errorf("%s: a code is SH and three digits", c.Code)
		}
		if seen[c.Code] {
			t.Errorf("%s: defined twice", c.Code)
		}
		seen[c.Code] = true
		if c.Command != "check" && c.Command != "eval" {
			t.Errorf("%s: reported by %q, not by shoal check or shoal eval", c.Code, c.Command)
		}
		if c.Description == "" || strings.HasSuffix(c.Description, ".") || strings.Contains(c.Description, "\n") || strings.Contains(c.Description, "|") {
			t.Errorf("%s: description %q: one line, no final period, no |", c.Code, c.Description)
		}
		if c.Severity != Error && c.Severity != Warning && c.Severity != Info {
			t.Errorf("%s: severity %d", c.Code, c.Severity)
		}
	}
	codes := Codes()
	for i := 1; i < len(codes); i++ {
		if codes[i-1].Code >= codes[i].Code {
			t.Errorf("Codes() is not ordered: %s before %s", codes[i-1].Code, codes[i].Code)
		}
	}
	if info, ok := CodeUnknownFeature.Info(); !ok || info.Code != "SH021" || info.Severity != Error {
		t.Errorf("CodeUnknownFeature.Info() = %+v, %v", info, ok)
	}
	if _, ok := Code("SH999").Info(); ok {
		t.Error("an unregistered code has an entry")
	}
}

// TestNoCodesOutsideRegistry keeps codes in one place: no Go file of shoal
// but this package's codes.go spells a code as a string literal; the
// others refer to the registry.
func TestNoCodesOutsideRegistry(t *testing.T) {
	re := regexp.MustCompile(`^SH[0-9]{3}$`)
	files := 0
	for _, root := range []string{"../../internal", "../../cmd"} {
		err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return err
			}
			if filepath.ToSlash(path) == "../../internal/diag/codes.go" {
				return nil
			}
			files++
			f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.SkipObjectResolution)
			if err != nil {
				return err
			}
			ast.Inspect(f, func(n ast.Node) bool {
				if lit, ok := n.(*ast.BasicLit); ok && lit.Kind == token.STRING {
					if s, err := strconv.Unquote(lit.Value); err == nil && re.MatchString(s) {
						t.Errorf("%s: code %s spelled out; define it in internal/diag/codes.go and use its name", path, s)
					}
				}
				return true
			})
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if files < 20 {
		t.Fatalf("looked at %d Go files; the walk missed the source tree", files)
	}
}
