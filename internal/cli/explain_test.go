package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// homelab is the bundled example fleet, from this package's directory.
const homelab = "../../examples/homelab"

// shoal runs the command line in-process and returns what it printed.
func shoal(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = Main(context.Background(), args, strings.NewReader(""), &out, &errOut)
	return code, out.String(), errOut.String()
}

// TestExplainShowsHardwareDerivedValues explains every machine of the
// bundled example and holds each to at least one setting derived from its
// hardware, shown with the fact that decided it and a position that lands
// on the machine's hardware in the fleet file.
func TestExplainShowsHardwareDerivedValues(t *testing.T) {
	src, err := os.ReadFile(homelab + "/shoal.toml")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(src), "\n")
	for _, name := range []string{"laptop", "family", "gamer", "nas", "vps"} {
		code, stdout, stderr := shoal(t, "explain", name, homelab, "--json")
		if code != ExitOK {
			t.Fatalf("explain %s: exit %d\n%s", name, code, stderr)
		}
		var x explanation
		if err := json.Unmarshal([]byte(stdout), &x); err != nil {
			t.Fatalf("explain %s --json: %v", name, err)
		}
		derived := 0
		for _, f := range x.Features {
			for _, s := range f.Settings {
				if !strings.HasPrefix(s.Origin, "from hardware.") {
					continue
				}
				derived++
				file, line, col, ok := splitWhere(s.Where)
				if !ok || file != homelab+"/shoal.toml" || line > len(lines) {
					t.Errorf("%s: %s.%s (%s) is placed at %q, which is not in the fleet file", name, f.Name, s.Name, s.Origin, s.Where)
					continue
				}
				if text := lines[line-1]; col > len(text) || !strings.HasPrefix(text[col-1:], "hardware") {
					t.Errorf("%s: %s.%s (%s) is placed at %s, which holds %q, not the machine's hardware", name, f.Name, s.Name, s.Origin, s.Where, text)
				}
			}
		}
		if derived == 0 {
			t.Errorf("%s: no setting is derived from its hardware", name)
		}
	}
}

// splitWhere splits "file:line:col".
func splitWhere(where string) (file string, line, col int, ok bool) {
	rest, colText, ok1 := cutLast(where, ":")
	file, lineText, ok2 := cutLast(rest, ":")
	line, err1 := strconv.Atoi(lineText)
	col, err2 := strconv.Atoi(colText)
	return file, line, col, ok1 && ok2 && err1 == nil && err2 == nil && line > 0 && col > 0
}

func cutLast(s, sep string) (before, after string, found bool) {
	i := strings.LastIndex(s, sep)
	if i < 0 {
		return s, "", false
	}
	return s[:i], s[i+len(sep):], true
}

// TestExplainShowsServiceOptions explains a backup client of the bundled
// example: its backup schedule comes from [services.backup], and explain
// names the option and the line that sets it.
func TestExplainShowsServiceOptions(t *testing.T) {
	src, err := os.ReadFile(homelab + "/shoal.toml")
	if err != nil {
		t.Fatal(err)
	}
	line := 0
	for i, l := range strings.Split(string(src), "\n") {
		if strings.HasPrefix(l, "schedule = ") {
			line = i + 1
		}
	}
	if line == 0 {
		t.Fatal("examples/homelab sets no services.backup.schedule")
	}
	code, stdout, stderr := shoal(t, "explain", "vps", homelab)
	if code != ExitOK {
		t.Fatalf("explain vps: exit %d\n%s", code, stderr)
	}
	want := regexp.MustCompile(`\n  backup-client\.schedule += "daily" +services\.backup\.schedule, \.\./\.\./examples/homelab/shoal\.toml:` + strconv.Itoa(line) + `:1\n`)
	if !want.MatchString(stdout) {
		t.Errorf("stdout lacks backup-client.schedule from services.backup.schedule at line %d:\n%s", line, stdout)
	}
}
