package check

import (
	"bytes"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
)

// bigSize is the size of the generated inputs: larger than any real fleet
// file by orders of magnitude.
const bigSize = 10 << 20

// TestBigFiles feeds the pipeline 10 MB inputs, generated here rather than
// committed, and asserts that each either checks clean or gets one clear
// diagnostic with a position, and that nothing panics.
func TestBigFiles(t *testing.T) {
	if testing.Short() {
		t.Skip("10 MB inputs")
	}
	// The machine is a container: it needs no disk layout or boot loader.
	const head = "[fleet]\nname = \"big\"\nnixos = \"26.05\"\n" +
		"admin_keys = [\"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExampleAdminKeyExample admin@example\"]\n\n" +
		"[defaults]\nstate_version = \"26.05\"\n\n"
	tests := []struct {
		name string
		src  func() []byte
		want string // first lines as in the want sections of testdata/diagnostics
	}{
		{
			name: "huge string value",
			src: func() []byte {
				return []byte(head + "[users.alice]\ndescription = \"" + strings.Repeat("x", bigSize) + "\"\n\n" +
					"[machines.web]\nprofile = \"server\"\nhardware.form = \"container\"\nusers = [\"alice\"]\n")
			},
		},
		{
			name: "million-element array",
			src: func() []byte {
				var b bytes.Buffer
				b.WriteString(head + "[machines.web]\nprofile = \"server\"\nhardware.form = \"container\"\ntags = [")
				for b.Len() < bigSize {
					b.WriteString("\"web\", ")
				}
				b.WriteString("\"web\"]\n")
				return b.Bytes()
			},
		},
		{
			name: "million-element array with one bad name at the end",
			src: func() []byte {
				var b bytes.Buffer
				b.WriteString(head + "[machines.web]\nprofile = \"server\"\nhardware.form = \"container\"\ntags = [")
				for b.Len() < bigSize {
					b.WriteString("\"web\",\n")
				}
				b.WriteString("\"no good\"]\n")
				return b.Bytes()
			},
			// The bad name is on the last line.
			want: "shoal.toml:LAST:1-LAST:10: error[SH013]: invalid name \"no good\" in tags: it contains spaces; a tag is lowercase letters, digits, \"_\" and \"-\"\n",
		},
		{
			name: "binary zeros",
			src:  func() []byte { return make([]byte, bigSize) },
			want: "shoal.toml:1:1-1:2: error[SH001]: the file holds a NUL byte, which TOML text cannot\n",
		},
		{
			name: "only comments",
			src:  func() []byte { return bytes.Repeat([]byte("# nothing to see here\n"), bigSize/22+1) },
			want: "shoal.toml:1:1-1:1: error[SH012]: the fleet file is empty\n",
		},
		{
			name: "opening brackets all the way down",
			src:  func() []byte { return []byte(head + "[machines.web]\ntags = " + strings.Repeat("[", bigSize) + "\n") },
			want: "shoal.toml:10:10008-10:10009: error[SH001]: arrays and inline tables are nested more than the maximum of 10000 levels deep\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := tt.src()
			if len(src) < bigSize {
				t.Fatalf("generated only %d bytes", len(src))
			}
			res := RunSource(fstest.MapFS{}, ".", "", src)
			want := strings.ReplaceAll(tt.want, "LAST", strconv.Itoa(bytes.Count(src, []byte("\n"))))
			if got := firstLines(wantLines(res.Diags)); got != want {
				t.Errorf("got:\n%swant:\n%s\nin full:\n%.2000s", got, want, detail(res.Diags))
			}
		})
	}
}

// firstLines keeps the first line of each diagnostic of a want section:
// the huge inputs make paths too long to spell out.
func firstLines(want string) string {
	var b strings.Builder
	for _, line := range strings.SplitAfter(want, "\n") {
		if line != "" && line[0] != ' ' {
			b.WriteString(line)
		}
	}
	return b.String()
}
