//go:build linux

package stamp

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/shoal-nix/shoal/internal/genfs"
)

// outputTree writes a small generated tree into a new directory and
// returns it and its files.
func outputTree(t *testing.T) (string, []genfs.File) {
	t.Helper()
	dir := t.TempDir()
	files := []genfs.File{
		{Path: "flake.nix", Data: []byte(genfs.Header + "\n{ }\n")},
		{Path: "machines/web/default.nix", Data: []byte(genfs.Header + "\n{ web = 1; }\n")},
		{Path: "machines/db/default.nix", Data: []byte(genfs.Header + "\n{ db = 1; }\n")},
		{Path: "modules/monitoring/targets/node.json", Data: []byte("{\n  \"//\": \"" + genfs.Notice + "\"\n}\n")},
	}
	// Enough machines that the walk shares them with a helper.
	for i := range 2 * splitAt {
		files = append(files, genfs.File{Path: fmt.Sprintf("machines/m%02d/default.nix", i), Data: []byte(fmt.Sprintf("%s\n{ m = %d; }\n", genfs.Header, i))})
	}
	for _, f := range files {
		p := filepath.Join(dir, f.Path)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, f.Data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir, files
}

// TestVerifyOutputsAgreesWithGenfs changes a generated tree in every way
// Verify tells apart and checks that verifyOutputs answers as Verify does,
// with fingerprints remembered (a settled tree) and without.
func TestVerifyOutputsAgreesWithGenfs(t *testing.T) {
	owned := func(p string) bool { return !strings.HasPrefix(p, "mine/") }
	cases := []struct {
		name   string
		change func(t *testing.T, dir string, files []genfs.File, ids []genfs.Identity) []genfs.Identity
		want   bool
	}{
		{"nothing", nil, true},
		{"rewritten with the same content", func(t *testing.T, dir string, files []genfs.File, ids []genfs.Identity) []genfs.Identity {
			write(t, dir, files[1].Path, string(files[1].Data))
			return ids
		}, true},
		{"edited, same size and times", func(t *testing.T, dir string, files []genfs.File, ids []genfs.Identity) []genfs.Identity {
			p := filepath.Join(dir, files[1].Path)
			fi, _ := os.Stat(p)
			write(t, dir, files[1].Path, strings.Replace(string(files[1].Data), "web = 1", "web = 2", 1))
			os.Chtimes(p, fi.ModTime(), fi.ModTime())
			return ids
		}, false},
		{"edited, among many machines", func(t *testing.T, dir string, files []genfs.File, ids []genfs.Identity) []genfs.Identity {
			write(t, dir, "machines/m00/default.nix", genfs.Header+"\n{ m = 99; }\n")
			return ids
		}, false},
		{"stale, among many machines", func(t *testing.T, dir string, files []genfs.File, ids []genfs.Identity) []genfs.Identity {
			write(t, dir, fmt.Sprintf("machines/m%02d/old/default.nix", 2*splitAt-1), string(files[1].Data))
			return ids
		}, false},
		{"removed", func(t *testing.T, dir string, files []genfs.File, ids []genfs.Identity) []genfs.Identity {
			os.Remove(filepath.Join(dir, files[2].Path))
			return ids
		}, false},
		{"replaced by a link", func(t *testing.T, dir string, files []genfs.File, ids []genfs.Identity) []genfs.Identity {
			p := filepath.Join(dir, files[0].Path)
			os.Rename(p, p+".orig")
			os.Symlink("flake.nix.orig", p)
			return ids
		}, false},
		{"directory replaced by a link", func(t *testing.T, dir string, files []genfs.File, ids []genfs.Identity) []genfs.Identity {
			p := filepath.Join(dir, "machines/web")
			os.Rename(p, p+".orig")
			os.Symlink("web.orig", p)
			return ids
		}, false},
		{"replaced by a fifo", func(t *testing.T, dir string, files []genfs.File, ids []genfs.Identity) []genfs.Identity {
			p := filepath.Join(dir, files[0].Path)
			os.Remove(p)
			if err := syscall.Mkfifo(p, 0o644); err != nil {
				t.Skip("no fifo here:", err)
			}
			return ids
		}, false},
		{"stale generated file", func(t *testing.T, dir string, files []genfs.File, ids []genfs.Identity) []genfs.Identity {
			write(t, dir, "machines/gone/default.nix", string(files[1].Data))
			return ids
		}, false},
		{"stale generated JSON file", func(t *testing.T, dir string, files []genfs.File, ids []genfs.Identity) []genfs.Identity {
			write(t, dir, "modules/monitoring/targets/old.json", string(files[3].Data))
			return ids
		}, false},
		{"generated file where shoal owns nothing", func(t *testing.T, dir string, files []genfs.File, ids []genfs.Identity) []genfs.Identity {
			write(t, dir, "mine/copy.nix", string(files[1].Data))
			return ids
		}, true},
		{"generated file in .git", func(t *testing.T, dir string, files []genfs.File, ids []genfs.Identity) []genfs.Identity {
			write(t, dir, ".git/x/default.nix", string(files[1].Data))
			return ids
		}, true},
		{"user's files and an empty directory", func(t *testing.T, dir string, files []genfs.File, ids []genfs.Identity) []genfs.Identity {
			write(t, dir, "notes.txt", "mine\n")
			write(t, dir, "machines/web/hardware.nix", "{ }\n")
			os.Mkdir(filepath.Join(dir, "empty"), 0o755)
			return ids
		}, true},
		{"a file the stamp does not know", func(t *testing.T, dir string, files []genfs.File, ids []genfs.Identity) []genfs.Identity {
			return ids[:len(ids)-1]
		}, false},
		{"a path with ..", func(t *testing.T, dir string, files []genfs.File, ids []genfs.Identity) []genfs.Identity {
			ids = append([]genfs.Identity{}, ids...)
			ids[0].Path = "machines/../flake.nix"
			return ids
		}, false},
		{"a path twice", func(t *testing.T, dir string, files []genfs.File, ids []genfs.Identity) []genfs.Identity {
			return append(append([]genfs.Identity{}, ids...), ids[0])
		}, false},
		{"output directory gone", func(t *testing.T, dir string, files []genfs.File, ids []genfs.Identity) []genfs.Identity {
			os.RemoveAll(dir)
			return ids
		}, false},
	}
	for _, settled := range []bool{true, false} {
		for _, c := range cases {
			t.Run(c.name+map[bool]string{true: ", settled", false: ", fresh"}[settled], func(t *testing.T) {
				dir, files := outputTree(t)
				since := time.Now()
				if settled {
					since = since.Add(time.Hour) // as if judged long after writing
				}
				ids, err := genfs.Identify(dir, files, since)
				if err != nil {
					t.Fatal(err)
				}
				if c.change != nil {
					ids = c.change(t, dir, files, ids)
				}
				wantOK, wantRefreshed, _ := genfs.Verify(dir, ids, owned)
				if wantOK != c.want {
					t.Fatalf("genfs.Verify = %v, the case expects %v", wantOK, c.want)
				}
				ok, refreshed := verifyOutputs(dir, ids, owned)
				if ok != wantOK || !reflect.DeepEqual(refreshed, wantRefreshed) {
					t.Errorf("verifyOutputs = %v, %v; genfs.Verify = %v, %v", ok, refreshed, wantOK, wantRefreshed)
				}
			})
		}
	}
}

func write(t *testing.T, dir, name, data string) {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestIdentifyAgreesWithGenfs holds Identify to genfs.Identify's
// identities, for a tree judged long after it was written (settled: with
// fingerprints) and at once (without).
func TestIdentifyAgreesWithGenfs(t *testing.T) {
	dir, files := outputTree(t)
	for _, since := range []time.Time{time.Now().Add(time.Hour), time.Now()} {
		want, err := genfs.Identify(dir, files, since)
		if err != nil {
			t.Fatal(err)
		}
		got, err := Identify(dir, files, since)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("Identify = %v, %v; genfs.Identify = %v", got, err, want)
		}
	}
	// A file missing, or a directory that is a link: no identities.
	os.Rename(filepath.Join(dir, "machines/web"), filepath.Join(dir, "machines/web.orig"))
	os.Symlink("web.orig", filepath.Join(dir, "machines/web"))
	if _, err := Identify(dir, files, time.Now()); err == nil {
		t.Error("Identify went through a symbolic link")
	}
	os.Remove(filepath.Join(dir, "machines/web"))
	os.Rename(filepath.Join(dir, "machines/web.orig"), filepath.Join(dir, "machines/web"))
	if _, err := Identify(dir, files, time.Now()); err != nil {
		t.Fatalf("Identify of the tree put back: %v", err)
	}
	os.Remove(filepath.Join(dir, "flake.nix"))
	if _, err := Identify(dir, files, time.Now()); err == nil {
		t.Error("Identify of a missing file")
	}
}
