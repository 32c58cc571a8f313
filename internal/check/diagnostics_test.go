package check

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/shoal-nix/shoal/internal/catalog"
	"github.com/shoal-nix/shoal/internal/diag"
	"github.com/shoal-nix/shoal/internal/fleet"
	"github.com/shoal-nix/shoal/internal/resolve"
	"github.com/shoal-nix/shoal/internal/tomltree"
	"github.com/shoal-nix/shoal/internal/validate"
)

var update = flag.Bool("update", false, "rewrite the want sections of testdata/diagnostics/*.txtar")

// corpusDir holds the broken fleets, one txtar archive per case.
const corpusDir = "../../testdata/diagnostics"

// archive is a txtar-style file: a comment, then files introduced by
// "-- NAME --" lines. The want section is not a file of the fleet.
type archive struct {
	comment []byte
	files   []archiveFile
}

type archiveFile struct {
	name string
	data []byte
}

// parseArchive reads the txtar format: a marker line is "-- NAME --" and
// everything up to the next marker belongs to NAME.
func parseArchive(data []byte) archive {
	var a archive
	cur := &a.comment
	for len(data) > 0 {
		line, rest, newline := bytes.Cut(data, []byte("\n"))
		if name, ok := marker(line); ok {
			a.files = append(a.files, archiveFile{name: name})
			cur = &a.files[len(a.files)-1].data
		} else {
			*cur = append(*cur, line...)
			if newline {
				*cur = append(*cur, '\n')
			}
		}
		data = rest
	}
	return a
}

func marker(line []byte) (string, bool) {
	s, ok := bytes.CutPrefix(line, []byte("-- "))
	if !ok {
		return "", false
	}
	s, ok = bytes.CutSuffix(s, []byte(" --"))
	name := strings.TrimSpace(string(s))
	return name, ok && name != ""
}

func (a archive) format() []byte {
	var b bytes.Buffer
	b.Write(a.comment)
	for _, f := range a.files {
		fmt.Fprintf(&b, "-- %s --\n", f.name)
		b.Write(f.data)
		if len(f.data) > 0 && f.data[len(f.data)-1] != '\n' {
			b.WriteByte('\n')
		}
	}
	return b.Bytes()
}

func (a archive) file(name string) ([]byte, bool) {
	for _, f := range a.files {
		if f.name == name {
			return f.data, true
		}
	}
	return nil, false
}

// corpusCase is one broken fleet of the corpus.
type corpusCase struct {
	name string // the archive's base name
	path string
	arc  archive
}

func loadCorpus(t *testing.T) []corpusCase {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(corpusDir, "*.txtar"))
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) == 0 {
		t.Fatalf("no cases in %s", corpusDir)
	}
	var cases []corpusCase
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		cases = append(cases, corpusCase{name: strings.TrimSuffix(filepath.Base(p), ".txtar"), path: p, arc: parseArchive(data)})
	}
	return cases
}

// run checks the case's fleet as an in-memory directory, the fleet file
// named plainly "shoal.toml".
func (c corpusCase) run(t *testing.T) *Result {
	t.Helper()
	fsys := fstest.MapFS{}
	for _, f := range c.arc.files {
		if f.name != "want" {
			fsys[f.name] = &fstest.MapFile{Data: f.data, Mode: 0o644}
		}
	}
	src, ok := c.arc.file(FleetFile)
	if !ok {
		t.Fatalf("%s: no -- %s -- section", c.path, FleetFile)
	}
	return RunSource(fsys, ".", "", src)
}

// wantLines renders diagnostics the way want sections spell them:
// file:line:col severity code.
func wantLines(l diag.List) string {
	var b strings.Builder
	for _, d := range l {
		loc := d.File
		if d.Pos.Known() {
			loc = fmt.Sprintf("%s:%d:%d", d.File, d.Pos.Line, d.Pos.Col)
		}
		fmt.Fprintf(&b, "%s %s %s\n", loc, d.Severity, d.Code)
	}
	return b.String()
}

// TestDiagnostics runs every broken fleet of testdata/diagnostics and
// compares the diagnostics with the case's want section. With -update it
// rewrites the want sections instead; review the diff: a want is what a user
// should see, not merely what the code does.
func TestDiagnostics(t *testing.T) {
	for _, c := range loadCorpus(t) {
		t.Run(c.name, func(t *testing.T) {
			if len(bytes.TrimSpace(c.arc.comment)) == 0 {
				t.Errorf("%s: the case has no comment saying what it tests", c.path)
			}
			res := c.run(t)
			got := wantLines(res.Diags)
			if *update {
				c.arc.files = slices.DeleteFunc(c.arc.files, func(f archiveFile) bool { return f.name == "want" })
				c.arc.files = append(c.arc.files, archiveFile{name: "want", data: []byte(got)})
				if err := os.WriteFile(c.path, c.arc.format(), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, ok := c.arc.file("want")
			if !ok {
				t.Fatalf("%s: no -- want -- section (run with -update to create it)", c.path)
			}
			if got != string(want) {
				t.Errorf("%s: diagnostics differ\ngot:\n%s\nwant:\n%s\nin full:\n%s", c.path, got, want, detail(res.Diags))
			}
		})
	}
}

// detail renders diagnostics with their summaries, for failure messages.
func detail(l diag.List) string {
	var b strings.Builder
	for _, d := range l {
		fmt.Fprintf(&b, "  %s  %s\n", d.Error(), d.Path)
	}
	return b.String()
}

// TestCorpusCoversEveryCode makes sure each diagnostic code has at least
// one case in the corpus.
func TestCorpusCoversEveryCode(t *testing.T) {
	codes := []string{
		tomltree.CodeSyntax, tomltree.CodeDuplicate,
		tomltree.CodeUnknownKey, tomltree.CodeWrongType, tomltree.CodeMissing,
		fleet.CodeInvalidName, fleet.CodeInvalidValue,
		catalog.CodeCatalogFile, catalog.CodeShadowed,
		resolve.CodeUnknownProfile, resolve.CodeUnknownFeature, resolve.CodeUnknownUser,
		resolve.CodeUnknownTag, resolve.CodeUnknownMachine, resolve.CodeUnknownSetting,
		resolve.CodeUnusedSetting, CodeMissingModule, resolve.CodeSettingValue,
		validate.CodeRequiresCycle, validate.CodeConflict, validate.CodeProvidesClash,
		validate.CodeDeprecated, validate.CodeExcluded, validate.CodeHardware,
		validate.CodeLowMemory, validate.CodeLowDisk, validate.CodeDuplicateAddr,
		validate.CodeDuplicateHost, validate.CodeNoServer, validate.CodeNoBackupTarget,
		validate.CodeServiceOption, validate.CodeLockout, validate.CodePasswordPublic,
		validate.CodeNoStateVersion,
	}
	seen := map[string]bool{}
	for _, c := range loadCorpus(t) {
		want, _ := c.arc.file("want")
		for _, line := range strings.Split(string(want), "\n") {
			if f := strings.Fields(line); len(f) > 0 {
				seen[f[len(f)-1]] = true
			}
		}
	}
	for _, code := range codes {
		if !seen[code] {
			t.Errorf("no case in %s produces %s", corpusDir, code)
		}
	}
}

func TestParseArchive(t *testing.T) {
	src := "# what it tests\n-- shoal.toml --\n[fleet]\n\n-- features/x/feature.toml --\n-- want --\nshoal.toml:1:1 error SH012\n"
	a := parseArchive([]byte(src))
	if string(a.comment) != "# what it tests\n" {
		t.Errorf("comment = %q", a.comment)
	}
	want := []archiveFile{
		{"shoal.toml", []byte("[fleet]\n\n")},
		{"features/x/feature.toml", nil},
		{"want", []byte("shoal.toml:1:1 error SH012\n")},
	}
	if len(a.files) != len(want) {
		t.Fatalf("files = %q, want %q", a.files, want)
	}
	for i, f := range a.files {
		if f.name != want[i].name || !bytes.Equal(f.data, want[i].data) {
			t.Errorf("file %d = %q %q, want %q %q", i, f.name, f.data, want[i].name, want[i].data)
		}
	}
	if got := string(a.format()); got != src {
		t.Errorf("format() = %q, want the input back", got)
	}
}
