package check

import (
	"bytes"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/shoal-nix/shoal/internal/diag"
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
		switch link, target, isLink := strings.Cut(f.name, " -> "); {
		case f.name == "want":
		case isLink:
			// "-- LINK -> TARGET --" is a symbolic link; its body is empty.
			fsys[link] = &fstest.MapFile{Data: []byte(target), Mode: fs.ModeSymlink | 0o777}
		default:
			fsys[f.name] = &fstest.MapFile{Data: f.data, Mode: 0o644}
		}
	}
	src, ok := c.arc.file(FleetFile)
	if !ok {
		t.Fatalf("%s: no -- %s -- section", c.path, FleetFile)
	}
	return RunSource(fsys, ".", "", src)
}

// wantLines renders diagnostics the way want sections spell them, each
// whole, so that a changed message shows in review:
//
//	shoal.toml:12:14-12:20: error[SH021]: unknown feature "dokcer"
//	    path: $.machines.web.features.0
//	    hint: did you mean "docker"?
//	    related: shoal.toml:5:1-5:9: enabled here
//
// A position is line:column-endline:endcolumn, or missing when unknown.
// Continuation lines of a multi-line hint are indented further.
func wantLines(l diag.List) string {
	var b strings.Builder
	for _, d := range l {
		fmt.Fprintf(&b, "%s: %s[%s]: %s\n", location(d.File, d.Pos), d.Severity, d.Code, d.Summary)
		fmt.Fprintf(&b, "    path: %s\n", d.Path)
		if d.Hint != "" {
			fmt.Fprintf(&b, "    hint: %s\n", strings.ReplaceAll(d.Hint, "\n", "\n          "))
		}
		for _, r := range d.Related {
			fmt.Fprintf(&b, "    related: %s: %s\n", location(r.File, r.Pos), r.Message)
		}
	}
	return b.String()
}

func location(file string, p diag.Pos) string {
	switch {
	case !p.Known():
		return file
	case p.EndLine == 0:
		return fmt.Sprintf("%s:%d:%d", file, p.Line, p.Col)
	}
	return fmt.Sprintf("%s:%d:%d-%d:%d", file, p.Line, p.Col, p.EndLine, p.EndCol)
}

// commentCode matches a code named in a case's comment.
var commentCode = regexp.MustCompile(`SH[0-9]{3}`)

// wantCode matches the first line of a diagnostic in a want section.
var wantCode = regexp.MustCompile(`^\S.*?: (?:error|warning|info)\[(SH[0-9]+)\]: `)

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
			// The comment names the codes the case is about; each must be
			// among those it produces.
			firstLine, _, _ := strings.Cut(string(c.arc.comment), "\n")
			for _, code := range commentCode.FindAllString(firstLine, -1) {
				if !strings.Contains(got, "["+code+"]") {
					t.Errorf("%s: the comment names %s, which the case does not produce", c.path, code)
				}
			}
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

// TestCorpusCoversEveryCode makes sure each code of the registry that
// shoal check reports has at least one case in the corpus. Codes of other
// commands (shoal eval) are tested where those commands are.
func TestCorpusCoversEveryCode(t *testing.T) {
	seen := map[diag.Code]bool{}
	for _, c := range loadCorpus(t) {
		want, _ := c.arc.file("want")
		for _, line := range strings.Split(string(want), "\n") {
			if m := wantCode.FindStringSubmatch(line); m != nil {
				seen[diag.Code(m[1])] = true
			}
		}
	}
	// Codes that only a catalog file can bring about, while no built-in
	// one does: a fleet file cannot produce them.
	catalogOnly := map[diag.Code]bool{
		diag.CodeServiceOptionUnused: true, // no built-in service option is "unused" since Alertmanager is configured
	}
	checked := 0
	for _, info := range diag.Codes() {
		if info.Command != "check" || catalogOnly[info.Code] {
			continue
		}
		checked++
		if !seen[info.Code] {
			t.Errorf("no case in %s produces %s (%s)", corpusDir, info.Code, info.Description)
		}
	}
	if checked == 0 {
		t.Fatal("the registry has no codes of shoal check; the test would prove nothing")
	}
}

// TestDiagnosticsMatchRegistry holds every diagnostic of the corpus to the
// registry: its code is registered as one shoal check reports, its
// severity is the registered one, and its summary is one line without a
// final period.
func TestDiagnosticsMatchRegistry(t *testing.T) {
	for _, c := range loadCorpus(t) {
		for _, d := range c.run(t).Diags {
			info, ok := d.Code.Info()
			switch {
			case !ok:
				t.Errorf("%s: %s: code %s is not in the registry (internal/diag/codes.go)", c.path, d.Error(), d.Code)
			case info.Command != "check":
				t.Errorf("%s: %s: code %s is registered for shoal %s, not check", c.path, d.Error(), d.Code, info.Command)
			case d.Severity != info.Severity:
				t.Errorf("%s: %s: severity %s, but %s is registered as %s", c.path, d.Error(), d.Severity, d.Code, info.Severity)
			}
			if strings.Contains(d.Summary, "\n") || strings.HasSuffix(d.Summary, ".") || d.Summary == "" {
				t.Errorf("%s: %s: a summary is one line without a final period", c.path, d.Error())
			}
		}
	}
}

func TestParseArchive(t *testing.T) {
	src := "# what it tests\n-- shoal.toml --\n[fleet]\n\n-- features/x/feature.toml --\n-- want --\nshoal.toml:1:1: error[SH012]: x\n"
	a := parseArchive([]byte(src))
	if string(a.comment) != "# what it tests\n" {
		t.Errorf("comment = %q", a.comment)
	}
	want := []archiveFile{
		{"shoal.toml", []byte("[fleet]\n\n")},
		{"features/x/feature.toml", nil},
		{"want", []byte("shoal.toml:1:1: error[SH012]: x\n")},
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
