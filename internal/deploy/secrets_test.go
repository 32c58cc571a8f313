package deploy

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"slices"
	"strings"
	"testing"

	"github.com/shoal-nix/shoal/internal/secrets"
)

// hostAnswers answers the hash script with a canned listing and records
// the install command and its standard input.
type hostAnswers struct {
	listing string
	argv    []string
	stdin   []byte
}

func (a *hostAnswers) Output(_ context.Context, _ []string, argv []string) ([]byte, error) {
	return []byte(a.listing), nil
}

func (a *hostAnswers) Input(_ context.Context, _ []string, argv []string, stdin []byte) ([]byte, error) {
	a.argv, a.stdin = argv, stdin
	return nil, nil
}

func upload(name, value string, readers ...string) secrets.Upload {
	sum := sha256.Sum256([]byte(value))
	return secrets.Upload{Name: name, Dest: "/run/keys/" + name, Owner: "root", Group: "root", Mode: 0o400,
		Hash: hex.EncodeToString(sum[:]), Readers: readers, Data: []byte(value)}
}

func TestUploadSecrets(t *testing.T) {
	same, changed, moved, fresh := upload("same", "s3cret-same", "a.service"), upload("changed", "s3cret-new", "b.service"),
		upload("moved", "s3cret-moved", "c.service"), upload("fresh", "s3cret-fresh", "d.service")
	old := sha256.Sum256([]byte("s3cret-old"))
	listing := "root:root:400 " + same.Hash + "  /run/keys/same\n" +
		"root:root:400 " + hex.EncodeToString(old[:]) + "  /run/keys/changed\n" +
		"root:root:644 " + moved.Hash + "  /run/keys/moved\n"
	a := &hostAnswers{listing: listing}
	h := &host{t: Target{Machine: "web", Host: "web", Secrets: []secrets.Upload{same, changed, moved, fresh}}, opts: &Options{Commander: a}}
	changes, _, err := h.uploadSecrets(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range changes {
		got = append(got, c.Name+"="+c.Change)
	}
	if want := []string{"same=unchanged", "changed=changed", "moved=owner or mode", "fresh=new"}; !slices.Equal(got, want) {
		t.Errorf("changes %v, want %v", got, want)
	}
	// Only the changed value's readers restart.
	if r := readersToRestart(changes); !slices.Equal(r, []string{"b.service"}) {
		t.Errorf("restart %v", r)
	}
	// The values travel on stdin, base64, for the three to install; the
	// command line holds none.
	for _, u := range []secrets.Upload{changed, moved, fresh} {
		if !strings.Contains(string(a.stdin), base64.StdEncoding.EncodeToString(u.Data)) {
			t.Errorf("stdin lacks %s", u.Name)
		}
	}
	if strings.Contains(string(a.stdin), base64.StdEncoding.EncodeToString(same.Data)) {
		t.Error("the unchanged secret was sent again")
	}
	if line := strings.Join(a.argv, " "); strings.Contains(line, "s3cret") || !strings.Contains(line, "/run/keys/fresh") {
		t.Errorf("install command line: %s", line)
	}
}
