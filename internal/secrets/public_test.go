package secrets

import (
	"strings"
	"testing"
	"testing/fstest"

	"github.com/shoal-nix/shoal/internal/diag"
)

const meshFleet = `[fleet]
name = "t"
[users.alice]
password_file = { secret = "alice-password" }
[machines.nas]
profile = "server"
users = ["alice"]
[machines.vps]
profile = "server"
[services.wireguard]
peers = ["@all"]
[secrets.wireguard-key]
receivers = ["wireguard.peers"]
destination = "/var/lib/shoal/secrets/wireguard-key"
per_machine = true
generator = "wireguard"
[secrets.alice-password]
receivers = ["users.alice"]
destination = "/var/lib/shoal/secrets/alice-password"
generator = "crypt"
`

// TestPublicKeys reads the committed public halves (first line, without
// its line end) and reports each one the mesh needs and does not have,
// with the command that makes it.
func TestPublicKeys(t *testing.T) {
	rf := resolved(t, meshFleet)
	fsys := fstest.MapFS{
		"secrets/wireguard-key/nas.pub": {Data: []byte("  nasKEY=\n")},
		"secrets/wireguard-key/old.pub": {Data: []byte("oldKEY=\n")}, // no such machine
	}
	rf.PublicKeys = ReadPublicKeys(fsys, ".", rf)
	if k, ok := rf.PublicKey("wireguard-key", "nas"); !ok || k != "nasKEY=" {
		t.Errorf("nas's key = %q, %v", k, ok)
	}
	if _, ok := rf.PublicKey("wireguard-key", "old"); ok {
		t.Error("a machine that is not in the fleet has a key")
	}
	got := MissingPublic(rf, Needs(rf))
	if len(got) != 1 || got[0].Code != diag.CodePublicMissing || !strings.Contains(got[0].Summary, "secrets/wireguard-key/vps.pub is missing") ||
		!strings.Contains(got[0].Hint, "run shoal secrets generate") {
		t.Fatalf("got %v", got)
	}
	fsys["secrets/wireguard-key/vps.pub"] = &fstest.MapFile{Data: []byte("vpsKEY=\n")}
	rf.PublicKeys = ReadPublicKeys(fsys, ".", rf)
	if got := MissingPublic(rf, Needs(rf)); len(got) != 0 {
		t.Errorf("with both halves: %v", got)
	}
}

// TestUserReceivers makes "users.NAME" the machines the user is on, so a
// new machine of the user's receives the password hash with no line
// changed in [secrets].
func TestUserReceivers(t *testing.T) {
	rf := resolved(t, meshFleet)
	s := rf.Spec.Secret("alice-password")
	if !Receives(rf, s, "nas") || Receives(rf, s, "vps") {
		t.Errorf("receivers = %v, want nas only", Receivers(rf, s, nil))
	}
	if l := UserPasswords(rf); len(l) != 0 {
		t.Errorf("UserPasswords: %v", l)
	}
	rf = resolved(t, strings.Replace(meshFleet, "[machines.vps]\nprofile = \"server\"\n", "[machines.vps]\nprofile = \"server\"\nusers = [\"alice\"]\n", 1))
	if !Receives(rf, rf.Spec.Secret("alice-password"), "vps") {
		t.Error("vps, now alice's, does not receive her password hash")
	}
	if u := rf.Spec.User("alice"); u.PasswordFile.Value != "/var/lib/shoal/secrets/alice-password" {
		t.Errorf("alice's password file = %q, want the secret's destination", u.PasswordFile.Value)
	}
}
