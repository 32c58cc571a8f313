package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/shoal-nix/shoal/internal/deploy"
)

const smallFleet = `[fleet]
name = "test"
nixos = "26.05"
admin_keys = ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExampleAdminKeyExample admin@example"]

[defaults]
state_version = "26.05"

[machines.web]
profile = "server"
deploy = { host = "192.0.2.10" }
disk = { device = "/dev/vda", boot = "uefi" }
`

func TestDeployRefusedWhileAnotherHoldsTheLock(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "shoal.toml"), []byte(smallFleet), 0o644)
	lock, err := deploy.Acquire(dir, "shoal deploy")
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Release()
	var stdout, stderr bytes.Buffer
	code := Main(context.Background(), []string{"deploy", "-f", dir, "--closure", "web=/nix/store/00000000000000000000000000000000-x"}, nil, &stdout, &stderr)
	if code != ExitFailure || !strings.Contains(stderr.String(), "another deploy of this fleet is running: pid "+strconv.Itoa(os.Getpid())) {
		t.Errorf("exit %d, stderr %q; want 1 naming pid %d", code, stderr.String(), os.Getpid())
	}
	if _, err := os.Stat(filepath.Join(dir, deploy.StateDir, deploy.RecordFile)); err == nil {
		t.Error("a refused deploy wrote records")
	}
}

func TestParseClosures(t *testing.T) {
	file := filepath.Join(t.TempDir(), "closures.json")
	os.WriteFile(file, []byte(`{"machine":"a","store_path":"/nix/store/aaa-a","seconds":1.5}
{"machine":"b","store_path":"/nix/store/bbb-b"}
`), 0o644)
	got, err := parseClosures([]string{"c=/nix/store/ccc-c"}, []string{file})
	if err != nil || len(got) != 3 || got["a"] != "/nix/store/aaa-a" || got["c"] != "/nix/store/ccc-c" {
		t.Errorf("parseClosures = %v, %v", got, err)
	}
	for name, tc := range map[string]struct {
		flags []string
		file  string
	}{
		"no equals":    {flags: []string{"a"}},
		"not a store":  {flags: []string{"a=/tmp/x"}},
		"two closures": {flags: []string{"a=/nix/store/x-a", "a=/nix/store/y-a"}},
		"failed build": {file: `{"machine":"a","error":"builder failed"}`},
		"no machine":   {file: `{"store_path":"/nix/store/x-a"}`},
		"array ok":     {file: `[{"machine":"a","store_path":"/nix/store/x-a"}]`},
	} {
		var files []string
		if tc.file != "" {
			f := filepath.Join(t.TempDir(), "c.json")
			os.WriteFile(f, []byte(tc.file), 0o644)
			files = []string{f}
		}
		_, err := parseClosures(tc.flags, files)
		if (err == nil) != (name == "array ok") {
			t.Errorf("%s: %v", name, err)
		}
	}
}
