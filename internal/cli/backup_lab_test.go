package cli

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/shoal-nix/shoal/internal/deploy"
	"github.com/shoal-nix/shoal/internal/gen"
	"github.com/shoal-nix/shoal/internal/lab"
	"github.com/shoal-nix/shoal/internal/runner"
)

// TestBackupRoundTripInLab runs the backup plan that examples/homelab's
// vps gets (its paths, excludes and retention, the repository and the
// secret files its unit reads) with real restic on lab host h2, into a
// repository on lab host h1 through restic's sftp backend (Debian has no
// restic REST server) over h1's OpenSSH; then shoal backup status, verify
// and restore-test pass, a restored file matches byte for byte, a file
// changed behind the backup's back fails restore-test, and a corrupted
// pack makes verify fail.
//
// Lab hosts share this machine's file systems but for /nix, /etc/ssh,
// /run and /root; h2 gets tmpfs mounts of its own at /home and /var/lib
// (its mount namespace), which hold its live files and its secrets.
func TestBackupRoundTripInLab(t *testing.T) {
	if testing.Short() {
		t.Skip("lab tests bring up namespaces; skipped with -short")
	}
	if _, err := lab.Preflight(lab.SystemEnv(), false); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI must run the lab tests: %v", err)
		}
		t.Skipf("no lab here: %v", err)
	}
	if _, err := exec.LookPath("restic"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("restic is not installed; .ci/run installs it")
		}
		t.Skip("restic is not installed")
	}
	ctx := context.Background()

	suffix := make([]byte, 3)
	rand.Read(suffix)
	name := "b" + hex.EncodeToString(suffix)
	labDir := filepath.Join(t.TempDir(), "lab")
	var progress bytes.Buffer
	t.Cleanup(func() {
		if err := lab.Down(context.Background(), labDir, name, &runner.Runner{}, &progress); err != nil {
			t.Errorf("lab down: %v", err)
		}
	})
	l, err := lab.Up(ctx, lab.Options{Dir: labDir, Name: name, Hosts: 2}, &runner.Runner{}, &progress)
	if err != nil {
		t.Fatalf("lab up: %v\n%s", err, progress.String())
	}
	server, client := l.Hosts[0], l.Hosts[1]
	home := t.TempDir()
	ssh := func(host, script string) string {
		t.Helper()
		r := &runner.Runner{Env: append(l.DeployerEnv(), "HOME="+home)}
		argv := l.DeployerArgv("ssh", host, script)
		out, err := r.Output(ctx, argv[0], argv[1:]...)
		if err != nil {
			t.Fatalf("ssh %s: %v", host, err)
		}
		return string(out)
	}

	// The fleet: examples/homelab with vps on h2 and the backups in a
	// repository of its own, on h1 over sftp.
	fleetDir := t.TempDir()
	if err := os.CopyFS(fleetDir, os.DirFS(filepath.Join("..", "..", "examples", "homelab"))); err != nil {
		t.Fatal(err)
	}
	toml := filepath.Join(fleetDir, "shoal.toml")
	data, err := os.ReadFile(toml)
	if err != nil {
		t.Fatal(err)
	}
	repoBase := "sftp:root@" + server.Address + ":/root/restic/"
	edited := strings.Replace(string(data), "[machines.vps]\n", "[machines.vps]\ndeploy = { host = \""+client.Name+"\" }\n", 1)
	edited = strings.Replace(edited, "[services.backup]\n", "[services.backup]\nrepository = \""+repoBase+"\"\n", 1)
	if edited == string(data) {
		t.Fatal("examples/homelab changed: no [machines.vps] or [services.backup] to edit")
	}
	if err := os.WriteFile(toml, []byte(edited), 0o644); err != nil {
		t.Fatal(err)
	}
	g := &globals{stdout: io.Discard, stderr: io.Discard}
	res, _, err := loadCleanFleet(g, fleetDir, "test")
	if err != nil {
		t.Fatalf("load the fleet: %v", err)
	}
	var plan gen.BackupPlan
	for _, p := range gen.BackupPlans(res.Resolved) {
		if p.Machine == "vps" {
			plan = p
		}
	}
	if plan.Repository != repoBase+"vps" || len(plan.Forget) == 0 || len(plan.Exclude) == 0 {
		t.Fatalf("the plan of vps = %+v, want the sftp repository, retention and excludes", plan)
	}

	// h2: its own /home and /var/lib, the secrets its unit reads, live
	// files (some of them excluded), and an ssh key h1 lets in.
	ssh(client.Name, `set -e
mount -t tmpfs -o size=64m tmpfs /var/lib
mount -t tmpfs -o size=16m tmpfs /home
umask 077
mkdir -p /var/lib/shoal/secrets /root/.ssh
echo 'correct horse battery staple' > `+deploy.Quote(plan.PasswordFile)+`
printf '# sftp needs no credentials here\n' > `+deploy.Quote(plan.EnvironmentFile)+`
umask 022
mkdir -p /home/alice/.cache /var/lib/app /var/lib/docker
printf 'notes of alice\n' > /home/alice/notes.txt
ln -s notes.txt /home/alice/latest
head -c 300000 /dev/urandom > /var/lib/app/db.bin
echo junk > /home/alice/.cache/junk
echo layer > /var/lib/docker/layer
ssh-keygen -q -t ed25519 -N '' -C vps-backup -f /root/.ssh/id_ed25519`)
	pub, err := os.ReadFile(filepath.Join(client.Dir, "root", ".ssh", "id_ed25519.pub"))
	if err != nil {
		t.Fatal(err)
	}
	appendFile(t, filepath.Join(server.Dir, "etc-ssh", "authorized_keys", "root"), string(pub))
	appendFile(t, filepath.Join(client.Dir, "root", ".ssh", "known_hosts"), server.Address+" "+server.HostKey+"\n")

	// The plan, run as the NixOS restic module runs it: initialize, back
	// up the paths with the excludes, forget --prune with the retention.
	// Twice: two snapshots of one day, of which keep-daily keeps one.
	run := "set -e\nexport RESTIC_REPOSITORY=" + deploy.Quote(plan.Repository) + " RESTIC_PASSWORD_FILE=" + deploy.Quote(plan.PasswordFile) + "\n" +
		"set -a; . " + deploy.Quote(plan.EnvironmentFile) + "; set +a\n" +
		"restic cat config >/dev/null 2>&1 || restic init\n" +
		"printf '%s\\n' " + deploy.Quote(plan.Exclude...) + " > /run/excludes\n" +
		"restic backup --exclude-file=/run/excludes " + deploy.Quote(plan.Paths...) + "\n" +
		"restic forget --prune " + deploy.Quote(plan.Forget...) + "\n"
	t0 := time.Now()
	ssh(client.Name, run)
	ssh(client.Name, run)
	t.Logf("two backups: %s", time.Since(t0))

	shoal := func(want int, args ...string) string {
		t.Helper()
		var stdout, stderr bytes.Buffer
		args = append(append([]string{}, args...), "--lab", labDir, "-f", fleetDir, "vps")
		t0 := time.Now()
		code := Main(ctx, args, strings.NewReader(""), &stdout, &stderr)

		t.Logf("shoal %s: %s\n%s", strings.Join(args[:2], " "), time.Since(t0), stdout.String())
		if code != want {
			t.Fatalf("shoal %s: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), code, want, stdout.String(), stderr.String())
		}
		return stdout.String()
	}
	out := shoal(0, "backup", "status")
	if !regexp.MustCompile(`(?m)^vps +ok +1 snapshots, newest [0-9a-f]{8} [0-9]+s ago \(.*\)  ` + regexp.QuoteMeta(plan.Repository) + `$`).MatchString(out) {
		t.Errorf("backup status:\n%s\nwant vps ok with 1 snapshot (keep-daily keeps one of the day's two)", out)
	}
	out = shoal(0, "backup", "verify", "--read-data")
	if !strings.Contains(out, "vps          ok      restic check found no errors (every pack read)") {
		t.Errorf("backup verify:\n%s", out)
	}

	// restore-test passes; the kept copy has the live file byte for byte
	// and not the excluded ones.
	out = shoal(0, "backup", "restore-test", "--keep")
	m := regexp.MustCompile(`restored into (/var/tmp/shoal-restore-\S+)`).FindStringSubmatch(out)
	if m == nil || !regexp.MustCompile(`(?m)^vps +ok +snapshot [0-9a-f]{8}: [0-9]+ files compared, [0-9]+ the same, 0 differ, 0 gone`).MatchString(out) {
		t.Fatalf("backup restore-test:\n%s", out)
	}
	scratch := m[1]
	t.Cleanup(func() { os.RemoveAll(scratch) })
	live := ssh(client.Name, "cat /var/lib/app/db.bin")
	restored, err := os.ReadFile(filepath.Join(scratch, "var", "lib", "app", "db.bin"))
	if err != nil || len(live) != 300000 || !bytes.Equal(restored, []byte(live)) {
		t.Errorf("restored db.bin (%d bytes, %v) differs from the live one (%d bytes)", len(restored), err, len(live))
	}
	for _, p := range []string{"home/alice/.cache/junk", "var/lib/docker/layer"} {
		if _, err := os.Lstat(filepath.Join(scratch, p)); err == nil {
			t.Errorf("/%s was restored, but the plan excludes it", p)
		}
	}
	if target, err := os.Readlink(filepath.Join(scratch, "home", "alice", "latest")); err != nil || target != "notes.txt" {
		t.Errorf("the restored link: %q, %v", target, err)
	}

	// A file that changed behind the backup's back (its time put back
	// before the snapshot) fails the test.
	ssh(client.Name, `printf 'X' | dd of=/var/lib/app/db.bin bs=1 seek=1000 conv=notrunc 2>/dev/null && touch -d @$(($(date +%s) - 86400)) /var/lib/app/db.bin`)
	out = shoal(ExitPartial, "backup", "restore-test")
	if !strings.Contains(out, "differs: /var/lib/app/db.bin") || !strings.Contains(out, "1 differ") {
		t.Errorf("restore-test after a change behind the backup's back:\n%s", out)
	}

	// A corrupted pack on h1 makes verify fail.
	pack := largestFile(t, filepath.Join(server.Dir, "root", "restic", "vps", "data"))
	f, err := os.OpenFile(pack, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	st, _ := f.Stat()
	if _, err := f.WriteAt(bytes.Repeat([]byte{0x5a}, 64), st.Size()/2); err != nil {
		t.Fatal(err)
	}
	f.Close()
	out = shoal(ExitPartial, "backup", "verify", "--read-data")
	if !strings.Contains(out, "vps          failed  "+plan.Repository) {
		t.Errorf("verify of a corrupted repository:\n%s", out)
	}
}

func appendFile(t *testing.T, path, text string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString(text); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// largestFile returns the largest regular file under dir.
func largestFile(t *testing.T, dir string) string {
	t.Helper()
	var best string
	var size int64
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		info, err := d.Info()
		if err == nil && info.Size() > size {
			best, size = p, info.Size()
		}
		return err
	})
	if err != nil || best == "" {
		t.Fatalf("no pack under %s: %v", dir, err)
	}
	return best
}
