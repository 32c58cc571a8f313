package secrets

import (
	"bytes"
	"context"
	"crypto/ecdh"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"testing"
	"testing/fstest"

	"filippo.io/age"
	"golang.org/x/crypto/bcrypt"
	"golang.org/x/crypto/ssh"

	"github.com/shoal-nix/shoal/internal/fleet"
)

func TestGenerate(t *testing.T) {
	gen := func(g fleet.Generator, in Inputs) Generated {
		t.Helper()
		out, err := Generate(&fleet.Secret{Name: "x", Generator: g}, in)
		if err != nil {
			t.Fatalf("%s: %v", g.Kind, err)
		}
		return out
	}
	a, b := gen(fleet.Generator{Kind: "password", Length: 40}, Inputs{}), gen(fleet.Generator{Kind: "password", Length: 40}, Inputs{})
	if len(a.Secret) != 40 || bytes.Equal(a.Secret, b.Secret) || strings.Trim(string(a.Secret), passwordAlphabet) != "" {
		t.Errorf("passwords %q %q", a.Secret, b.Secret)
	}
	if h := gen(fleet.Generator{Kind: "hex", Length: 16}, Inputs{}); len(h.Secret) != 32 {
		t.Errorf("hex %q", h.Secret)
	}

	pws := map[string]string{"pw-web": "web-password", "pw-db": "db-password"}
	ht := gen(fleet.Generator{Kind: "htpasswd", Users: []fleet.HtpasswdUser{{User: "web", Secret: fleet.Ref{Value: "pw-web"}}, {User: "db", Secret: fleet.Ref{Value: "pw-db"}}}},
		Inputs{Secret: func(n string) ([]byte, error) { return []byte(pws[n] + "\n"), nil }})
	lines := strings.Split(strings.TrimSpace(string(ht.Secret)), "\n")
	if len(lines) != 2 {
		t.Fatalf("htpasswd %q", ht.Secret)
	}
	for i, u := range []string{"web", "db"} {
		user, hash, _ := strings.Cut(lines[i], ":")
		if user != u || bcrypt.CompareHashAndPassword([]byte(hash), []byte(pws["pw-"+u])) != nil {
			t.Errorf("htpasswd line %q does not hold %s's password", lines[i], u)
		}
	}

	c := gen(fleet.Generator{Kind: "crypt"}, Inputs{Prompt: func(string) ([]byte, error) { return []byte("s3cret"), nil }})
	h := strings.TrimSpace(string(c.Secret))
	parts := strings.Split(h, "$") // "", 6, rounds=, salt, hash
	if len(parts) != 5 || parts[1] != "6" || sha512Crypt([]byte("s3cret"), []byte(parts[3]), 656000) != h {
		t.Errorf("crypt %q", h)
	}

	k := gen(fleet.Generator{Kind: "ssh-ed25519"}, Inputs{})
	signer, err := ssh.ParsePrivateKey(k.Secret)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(ssh.MarshalAuthorizedKey(signer.PublicKey()), k.Public) {
		t.Error("the ssh public half is not the private key's")
	}

	w := gen(fleet.Generator{Kind: "wireguard"}, Inputs{})
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(w.Secret)))
	if err != nil {
		t.Fatal(err)
	}
	priv, err := ecdh.X25519().NewPrivateKey(raw)
	if err != nil {
		t.Fatal(err)
	}
	if base64.StdEncoding.EncodeToString(priv.PublicKey().Bytes())+"\n" != string(w.Public) {
		t.Error("the wireguard public key is not the private key's")
	}
}

// TestPlan decrypts what a machine receives, with real age, and runs
// commands for secrets that come from one.
func TestPlan(t *testing.T) {
	admin, nas := newKey(t), newKey(t)
	rf := fleetOf(t, admin, "", map[string]key{"nas": nas}, `["nas"]`)
	rf.Spec.Secrets = append(rf.Spec.Secrets, &fleet.Secret{Name: "cmd", Receivers: []fleet.Ref{{Value: "@all"}}, Owner: "restic", Group: "root", Mode: 0o440, Source: fleet.SourceCommand, Command: "pass show x"})
	src := Source{
		FS:         fstest.MapFS{"secrets/pw.age": {Data: encryptFor(t, rf)}},
		Dir:        ".",
		Identities: []age.Identity{admin.id},
		Command: func(_ context.Context, c, _ string) ([]byte, error) {
			if c != "pass show x" {
				return nil, errors.New("wrong command")
			}
			return []byte("from-pass"), nil
		},
	}
	ups, err := src.Plan(context.Background(), rf, "nas")
	if err != nil {
		t.Fatal(err)
	}
	if len(ups) != 2 || string(ups[0].Data) != "hunter2-but-longer\n" || ups[0].Dest != "/run/keys/pw" || ups[0].Mode != 0o400 ||
		string(ups[1].Data) != "from-pass" || ups[1].Owner != "restic" || ups[1].Hash != fmt.Sprintf("%x", sha256.Sum256([]byte("from-pass"))) {
		t.Fatalf("plan for nas: %v", ups)
	}
	if ups, _ := src.Plan(context.Background(), rf, "web"); len(ups) != 1 || ups[0].Name != "cmd" {
		t.Fatalf("plan for web: %v", ups)
	}
	src.Identities = []age.Identity{nas.id}
	if _, err := src.Plan(context.Background(), rf, "nas"); err != nil {
		t.Fatalf("the host key does not open it: %v", err)
	}
	src.Identities = []age.Identity{newKey(t).id}
	if _, err := src.Plan(context.Background(), rf, "nas"); err == nil {
		t.Fatal("a stranger's identity decrypted the secret")
	}
}
