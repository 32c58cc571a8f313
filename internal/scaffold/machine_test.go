package scaffold

import (
	"errors"
	"strings"
	"testing"

	"github.com/shoal-nix/shoal/internal/diag"
)

const fleetHead = `[fleet]
name = "t"
nixos = "26.05"
`

func TestAppendMachine(t *testing.T) {
	m := Machine{Name: "new", Profile: "server", Address: "10.0.0.9", Tags: []string{"a", "b"}}
	block := m.Block()
	for _, tc := range []struct {
		name, src, want string
	}{
		{
			name: "after the last machine, before services and their comment",
			src:  fleetHead + "\n# web\n[machines.web]\nprofile = \"base\"\n\n# services\n[services.monitoring]\nserver = [\"web\"]\n",
			want: fleetHead + "\n# web\n[machines.web]\nprofile = \"base\"\n\n" + block + "\n# services\n[services.monitoring]\nserver = [\"web\"]\n",
		},
		{
			name: "a machine with sub-tables, last in the file",
			src:  fleetHead + "\n[machines.web]\nprofile = \"base\"\n\n[machines.web.hardware]\ncpu = \"amd\"\n",
			want: fleetHead + "\n[machines.web]\nprofile = \"base\"\n\n[machines.web.hardware]\ncpu = \"amd\"\n\n" + block,
		},
		{
			name: "no machine yet: before services",
			src:  fleetHead + "\n[services.monitoring]\nagents = [\"@all\"]\n",
			want: fleetHead + "\n" + block + "\n[services.monitoring]\nagents = [\"@all\"]\n",
		},
		{
			name: "no newline at the end",
			src:  fleetHead + "\n[machines.web]\nprofile = \"base\"",
			want: fleetHead + "\n[machines.web]\nprofile = \"base\"\n\n" + block,
		},
		{
			name: "a header inside a multi-line string is no header",
			src:  fleetHead + "\n[machines.web]\nprofile = \"base\"\nnixos.\"users.motd\" = \"\"\"\n[services.x]\n\"\"\"\n",
			want: fleetHead + "\n[machines.web]\nprofile = \"base\"\nnixos.\"users.motd\" = \"\"\"\n[services.x]\n\"\"\"\n\n" + block,
		},
		{
			name: "a quoted header key",
			src:  fleetHead + "\n[\"machines\".web]\nprofile = \"base\"\n\n[users.al]\ngroups = []\n",
			want: fleetHead + "\n[\"machines\".web]\nprofile = \"base\"\n\n" + block + "\n[users.al]\ngroups = []\n",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := AppendMachine("shoal.toml", []byte(tc.src), m)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tc.want {
				t.Errorf("got:\n%s\nwant:\n%s", got, tc.want)
			}
		})
	}
}

func TestAppendMachineCRLF(t *testing.T) {
	src := strings.ReplaceAll(fleetHead+"\n[machines.web]\nprofile = \"base\"\n\n[services.logs]\nagents = []\n", "\n", "\r\n")
	out, err := AppendMachine("shoal.toml", []byte(src), Machine{Name: "x", Profile: "base"})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Count(string(out), "\n") != strings.Count(string(out), "\r\n") {
		t.Errorf("mixed line endings:\n%q", out)
	}
}

func TestAppendMachineRefuses(t *testing.T) {
	src := fleetHead + "\n[machines.web]\nprofile = \"base\"\n"
	if _, err := AppendMachine("shoal.toml", []byte(src), Machine{Name: "web", Profile: "base"}); !errors.Is(err, ErrMachineExists) {
		t.Errorf("a taken name: got %v, want ErrMachineExists", err)
	}
	_, err := AppendMachine("shoal.toml", []byte(src), Machine{Name: "bad_name!", Profile: "base"})
	var l diag.List
	if !errors.As(err, &l) || l[0].Code != diag.CodeInvalidName {
		t.Errorf("an invalid name: got %v, want SH013", err)
	}
	_, err = AppendMachine("shoal.toml", []byte(src), Machine{Name: "x", Profile: "base", Tags: []string{"Not A Tag"}})
	if !errors.As(err, &l) || l[0].Code != diag.CodeInvalidName {
		t.Errorf("an invalid tag: got %v, want SH013", err)
	}
	if _, err := AppendMachine("shoal.toml", []byte("[fleet\n"), Machine{Name: "x", Profile: "base"}); err == nil || !strings.Contains(err.Error(), "does not parse") {
		t.Errorf("a file with a syntax error: got %v", err)
	}
}

// TestAppendMachineDotted: machines written with dotted keys at the top
// level get the new table as a sub-table of the same machines table.
func TestAppendMachineDotted(t *testing.T) {
	dotted := "machines.web.profile = \"base\"\n\n" + fleetHead
	out, err := AppendMachine("shoal.toml", []byte(dotted), Machine{Name: "x", Profile: "base"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(out), dotted) {
		t.Errorf("the file before the new table changed:\n%s", out)
	}
}
