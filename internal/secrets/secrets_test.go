package secrets

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"filippo.io/age"
	"filippo.io/age/agessh"
	"golang.org/x/crypto/ssh"

	"github.com/shoal-nix/shoal/internal/catalog"
	"github.com/shoal-nix/shoal/internal/diag"
	"github.com/shoal-nix/shoal/internal/fleet"
	"github.com/shoal-nix/shoal/internal/resolve"
)

// key is an ssh-ed25519 key pair: its authorized_keys line and the age
// identity of its private half.
type key struct {
	line string
	id   age.Identity
}

func newKey(t *testing.T) key {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	spub, err := ssh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	id, err := agessh.NewEd25519Identity(priv)
	if err != nil {
		t.Fatal(err)
	}
	return key{line: strings.TrimSpace(string(ssh.MarshalAuthorizedKey(spub))), id: id}
}

// fleetOf parses and resolves a fleet with the given extra TOML.
func fleetOf(t *testing.T, admin key, ageRecipient string, hosts map[string]key, receivers string) *resolve.Fleet {
	t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "[fleet]\nname = \"t\"\nnixos = \"26.05\"\nadmin_keys = [%q]\n", admin.line)
	if ageRecipient != "" {
		fmt.Fprintf(&b, "age_recipients = [%q]\n", ageRecipient)
	}
	b.WriteString("[defaults]\nstate_version = \"26.05\"\n")
	for _, n := range []string{"nas", "web", "db"} {
		fmt.Fprintf(&b, "[machines.%s]\nprofile = \"server\"\n", n)
		if k, ok := hosts[n]; ok {
			fmt.Fprintf(&b, "host_key = %q\n", k.line)
		}
	}
	fmt.Fprintf(&b, "[services.backup]\nserver = [\"nas\"]\nclients = [\"web\", \"db\"]\n")
	fmt.Fprintf(&b, "[secrets.pw]\nreceivers = %s\n", receivers)
	f, diags := fleet.Parse("shoal.toml", []byte(b.String()))
	if diags.HasErrors() {
		t.Fatalf("fleet: %v", diags)
	}
	cat, cdiags := catalog.Builtin()
	if cdiags.HasErrors() {
		t.Fatal(cdiags)
	}
	rf, rdiags := resolve.Resolve(f, cat)
	if rdiags.HasErrors() {
		t.Fatalf("resolve: %v", rdiags)
	}
	return rf
}

func encryptFor(t *testing.T, rf *resolve.Fleet) []byte {
	t.Helper()
	s := rf.Spec.Secret("pw")
	rs, err := Recipients(rf.Spec, Receivers(rf, s, nil))
	if err != nil {
		t.Fatal(err)
	}
	ct, err := Encrypt([]byte("hunter2-but-longer\n"), rs)
	if err != nil {
		t.Fatal(err)
	}
	return ct
}

func codes(l diag.List) string {
	var out []string
	for _, d := range l {
		out = append(out, string(d.Code))
	}
	return strings.Join(out, ",")
}

// TestRoundTrip encrypts to the admins and the receivers' host keys with
// real age: each recipient decrypts, a machine that is not one cannot,
// and after a machine is added to the receivers, rekey lets it decrypt.
func TestRoundTrip(t *testing.T) {
	admin, nas, web, db := newKey(t), newKey(t), newKey(t), newKey(t)
	ageID, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	hosts := map[string]key{"nas": nas, "web": web, "db": db}
	rf := fleetOf(t, admin, ageID.Recipient().String(), hosts, `["backup.server", "web"]`)
	ct := encryptFor(t, rf)

	for name, id := range map[string]age.Identity{"admin": admin.id, "age recipient": ageID, "nas": nas.id, "web": web.id} {
		pt, err := Decrypt(ct, []age.Identity{id})
		if err != nil || string(pt) != "hunter2-but-longer\n" {
			t.Errorf("%s cannot decrypt: %q, %v", name, pt, err)
		}
	}
	if _, err := Decrypt(ct, []age.Identity{db.id}); err == nil {
		t.Fatal("db, which does not receive the secret, decrypted it")
	}
	fsys := fstest.MapFS{"secrets/pw.age": {Data: ct}}
	if diags, st := Check(fsys, ".", rf); len(diags) != 0 || st[0].State != "ok" {
		t.Fatalf("check of a fresh file: %v %+v", diags, st)
	}

	// db joins: check says the file is not encrypted to it, rekey fixes it.
	rf2 := fleetOf(t, admin, ageID.Recipient().String(), hosts, `["backup.server", "web", "db"]`)
	diags, st := Check(fsys, ".", rf2)
	if codes(diags) != "SH102" || !strings.Contains(diags[0].Summary, "machine db") {
		t.Fatalf("after adding db: %v", diags)
	}
	if st[0].State != "rekey" {
		t.Errorf("state %q, want rekey", st[0].State)
	}
	pt, err := Decrypt(ct, []age.Identity{admin.id})
	if err != nil {
		t.Fatal(err)
	}
	rs, err := Recipients(rf2.Spec, Receivers(rf2, rf2.Spec.Secret("pw"), nil))
	if err != nil {
		t.Fatal(err)
	}
	rekeyed, err := Encrypt(pt, rs)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := Decrypt(rekeyed, []age.Identity{db.id}); err != nil || !bytes.Equal(got, pt) {
		t.Fatalf("db after rekey: %q, %v", got, err)
	}
	fsys["secrets/pw.age"] = &fstest.MapFile{Data: rekeyed}
	if diags, _ := Check(fsys, ".", rf2); len(diags) != 0 {
		t.Fatalf("after rekey: %v", diags)
	}

	// web leaves: its key is stale until the next rekey.
	rf3 := fleetOf(t, admin, ageID.Recipient().String(), hosts, `["backup.server", "db"]`)
	if diags, st := Check(fsys, ".", rf3); codes(diags) != "SH103" || st[0].Stale != 1 {
		t.Fatalf("after removing web: %v %+v", diags, st)
	}
}

func TestCheckFiles(t *testing.T) {
	admin, nas := newKey(t), newKey(t)
	rf := fleetOf(t, admin, "", map[string]key{"nas": nas}, `["nas", "web"]`)
	for name, c := range map[string]struct {
		files fstest.MapFS
		want  string
	}{
		"missing": {fstest.MapFS{}, "SH012,SH100"},
		"clear":   {fstest.MapFS{"secrets/pw.age": {Data: []byte("hunter2\n")}}, "SH012,SH101"},
		"armored": {fstest.MapFS{"secrets/pw.age": {Data: []byte("-----BEGIN AGE ENCRYPTED FILE-----\nYWdl\n")}}, "SH012,SH101"},
	} {
		diags, _ := Check(c.files, ".", rf)
		diags.Sort()
		if got := codes(diags); got != c.want {
			t.Errorf("%s: codes %s, want %s: %v", name, got, c.want, diags)
		}
		for _, d := range diags {
			if strings.Contains(d.Summary+d.Hint, "hunter2") {
				t.Errorf("%s: a diagnostic shows the file's content: %v", name, d)
			}
		}
	}
}

func TestScan(t *testing.T) {
	for _, c := range []struct {
		toml string
		want string
	}{
		{`nixos."services.grafana.settings.security.admin_password" = "correct horse"`, "a value of admin_password"},
		{`nixos."users.users.root.hashedPassword" = "$6$abc$def"`, "a value of hashedPassword"},
		{`settings.tailscale.auth_key = "tskey-auth-kx"`, "a value of auth_key"},
		{`nixos."environment.etc.key.text" = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3Blbn==\n-----END OPENSSH PRIVATE KEY-----\n"`, "a private key"},
		{`nixos."environment.variables.X" = "ghp_8fK2mQz9XrT4vLw7NcYb3HsJd6PaEu1GiRo5"`, "a high-entropy string (a token or key?)"},
		{`nixos."services.restic.backups.x.passwordFile" = "/run/keys/pw"`, ""},
		{`nixos."services.grafana.settings.security.admin_password" = "$__file{/run/keys/g}"`, ""},
		{`nixos."networking.hostId" = "8425e349"`, ""},
		{`nixos."system.stateVersion" = "26.05"`, ""},
		{`nixos."environment.variables.P" = "/nix/store/0123456789abcdfghijklmnpqrsvwxyz-hello"`, ""},
		{"[services.monitoring]\nalert_webhook = \"https://alerts:hunter2@hooks.example.net/am\"", "a URL with a password in it"},
		{"[services.monitoring]\nalert_webhook = \"https://hooks.example.net/services/T04B7Q2/B07K9/q8ZtR3vXk2LmN7pW4yHc9sDf\"", "a URL with a token in its path"},
		{"[services.monitoring]\nalert_webhook = \"https://hooks.example.net/notify?key=Zq7Rk2Lm9Xw4Tp8Vn3Hs6Yb1Jc5D\"", "a URL with a token in its query"},
		{"[services.monitoring]\nalert_webhook = \"https://hooks.example.net/alertmanager/fleet-alerts-2026\"", ""},
		{"[services.monitoring]\nalert_webhook = \"https://alerts@hooks.example.net/am\"", ""},
	} {
		src := "[fleet]\nname = \"t\"\n[machines.a]\n" + c.toml + "\n"
		f, diags := fleet.Parse("shoal.toml", []byte(src))
		if diags.HasErrors() {
			t.Fatalf("%s: %v", c.toml, diags)
		}
		got := ""
		if l := Scan(f); len(l) > 0 {
			got = strings.TrimSuffix(l[0].Summary, " written in shoal.toml")
			if l[0].Code != diag.CodeSecretInFleet {
				t.Errorf("%s: code %s", c.toml, l[0].Code)
			}
		}
		if got != c.want {
			t.Errorf("%s: got %q, want %q", c.toml, got, c.want)
		}
	}
}

// TestInstallScript runs the script deploy sends with real sh: files
// arrive with their content, owner and mode, and no value is in the script.
func TestInstallScript(t *testing.T) {
	u, err := user.Current()
	if err != nil {
		t.Fatal(err)
	}
	g, err := user.LookupGroupId(u.Gid)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	values := map[string]string{"a": "line one\nline 'two' $HOME\n", "b": "", "c": string([]byte{0, 1, 2, 255})}
	var ups []Upload
	for _, n := range []string{"a", "b", "c"} {
		ups = append(ups, Upload{Name: n, Dest: filepath.Join(dir, "keys dir", n), Owner: u.Username, Group: g.Name, Mode: 0o440, Data: []byte(values[n])})
	}
	script, stdin := InstallScript(ups)
	if strings.Contains(script, "line one") || strings.Contains(fmt.Sprint(ups), "line one") || strings.Contains(fmt.Sprintf("%#v", ups[0]), "line one") {
		t.Fatal("a secret's value is in the script or the upload's string form")
	}
	cmd := exec.CommandContext(context.Background(), "sh", "-c", script)
	cmd.Stdin = bytes.NewReader(stdin)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("install: %v\n%s", err, out)
	}
	for n, want := range values {
		p := filepath.Join(dir, "keys dir", n)
		got, err := os.ReadFile(p)
		if err != nil || string(got) != want {
			t.Errorf("%s: %q, %v; want %q", n, got, err, want)
		}
		if fi, err := os.Stat(p); err != nil || fi.Mode().Perm() != 0o440 {
			t.Errorf("%s: mode %v, %v", n, fi.Mode(), err)
		}
	}
	ents, _ := os.ReadDir(filepath.Join(dir, "keys dir"))
	if len(ents) != 3 {
		t.Errorf("temporary files left: %v", ents)
	}
	// Too little input: the script fails and leaves no temporary file.
	cmd = exec.Command("sh", "-c", script)
	cmd.Stdin = strings.NewReader("")
	if err := cmd.Run(); err == nil {
		t.Error("the script succeeded without the values")
	}
	if ents, _ := os.ReadDir(filepath.Join(dir, "keys dir")); len(ents) != 3 {
		t.Errorf("after a failed run: %v", ents)
	}
}
