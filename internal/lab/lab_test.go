package lab

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/shoal-nix/shoal/internal/runner"
)

// relayEnv makes the test binary run as a link relay (see TestMain).
const relayEnv = "SHOAL_LAB_TEST_RELAY"

func TestMain(m *testing.M) {
	if os.Getenv(relayEnv) == "1" {
		os.Exit(RelayMain(os.Args[1:], os.Stderr))
	}
	os.Exit(m.Run())
}

// needLab skips the test unless a lab can run here; under CI=true it fails
// instead, since CI runs as root with everything installed.
func needLab(t testing.TB) {
	t.Helper()
	if testing.Short() {
		t.Skip("lab tests bring up namespaces; skipped with -short")
	}
	if _, err := Preflight(SystemEnv(), true); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI must run the lab tests: %v", err)
		}
		t.Skipf("no lab here: %v", err)
	}
}

// upTestLab brings up a lab with a name of its own, torn down when the
// test ends.
func upTestLab(t testing.TB, hosts int, link Link) (*Lab, *runner.Runner) {
	t.Helper()
	suffix := make([]byte, 3)
	rand.Read(suffix)
	name := "t" + hex.EncodeToString(suffix)
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	opts := Options{
		Dir:   filepath.Join(t.TempDir(), "lab"),
		Name:  name,
		Hosts: hosts,
		Link:  link,
		Relay: []string{"env", relayEnv + "=1", exe},
	}
	var trace, progress bytes.Buffer
	r := &runner.Runner{Trace: &trace}
	t.Cleanup(func() {
		if err := Down(context.Background(), opts.Dir, name, &runner.Runner{}, &progress); err != nil {
			t.Errorf("Down: %v", err)
		}
		if ns := labNamespaces(name); len(ns) > 0 {
			t.Errorf("namespaces left after Down: %v", ns)
		}
	})
	l, err := Up(context.Background(), opts, r, &progress)
	if err != nil {
		t.Fatalf("Up: %v\n%s\ncommands:\n%s", err, progress.String(), trace.String())
	}
	return l, r
}

// deployer runs argv on the lab's deployer side and returns its output.
func deployer(t *testing.T, l *Lab, argv ...string) (string, error) {
	t.Helper()
	r := &runner.Runner{Env: append(l.DeployerEnv(), "HOME="+t.TempDir())}
	full := l.DeployerArgv(argv...)
	out, err := r.Output(context.Background(), full[0], full[1:]...)
	return strings.TrimSpace(string(out)), err
}

func TestLabHostsStoresAndLinks(t *testing.T) {
	needLab(t)
	t.Parallel()
	l, r := upTestLab(t, 3, Link{Rate: 100_000_000})
	ctx := context.Background()

	s := l.Status()
	if !s.Healthy() {
		t.Fatalf("status after Up is not healthy: %+v", s)
	}
	loaded, err := Load(l.Dir)
	if err != nil || !loaded.Ready || len(loaded.Hosts) != 3 {
		t.Fatalf("Load from the state file = %+v, %v", loaded, err)
	}

	// Every host answers as itself over ssh, with strict host key checking.
	for _, h := range l.Hosts {
		out, err := deployer(t, l, "ssh", "-F", l.SSHConfig, "-o", "StrictHostKeyChecking=yes", h.Name, "hostname")
		if err != nil || out != h.Name {
			t.Errorf("ssh %s hostname = %q, %v", h.Name, out, err)
		}
	}
	// A host key that does not match known_hosts is refused.
	bad := filepath.Join(t.TempDir(), "known_hosts")
	os.WriteFile(bad, []byte("h1,10.231.0.11 "+l.Hosts[1].HostKey+"\n"), 0o644)
	if _, err := deployer(t, l, "ssh", "-F", l.SSHConfig, "-o", "UserKnownHostsFile="+bad, "h1", "true"); err == nil || !strings.Contains(err.Error(), "Host key verification failed") {
		t.Errorf("ssh h1 with h2's key in known_hosts: %v, want host key verification to fail", err)
	}

	// A store path added on the deployer side, copied to h2, is in h2's own
	// store only.
	file := filepath.Join(t.TempDir(), "lab-payload")
	os.WriteFile(file, []byte("payload "+l.Name+"\n"), 0o644)
	path, err := deployer(t, l, "nix-store", "--add", file)
	if err != nil || !strings.HasPrefix(path, "/nix/store/") {
		t.Fatalf("nix-store --add on the deployer = %q, %v", path, err)
	}
	if _, err := os.Stat(filepath.Join(l.Deployer.Store, strings.TrimPrefix(path, "/nix/"))); err != nil {
		t.Errorf("the added path is not in the deployer's store: %v", err)
	}
	if out, err := deployer(t, l, "nix", "copy", "--to", "ssh://root@h2", path); err != nil {
		t.Fatalf("nix copy to h2: %v\n%s", err, out)
	}
	inStore := func(h Host) bool {
		_, err := os.Stat(filepath.Join(h.Store(), strings.TrimPrefix(path, "/nix/")))
		return err == nil
	}
	if !inStore(l.Hosts[1]) || inStore(l.Hosts[0]) || inStore(l.Hosts[2]) {
		t.Errorf("after copying to h2: in h1 %v, h2 %v, h3 %v; want h2 only", inStore(l.Hosts[0]), inStore(l.Hosts[1]), inStore(l.Hosts[2]))
	}
	if _, err := os.Stat(path); err == nil {
		t.Errorf("%s is in the machine's own /nix: the lab's stores leak", path)
	}
	if out, err := deployer(t, l, "ssh", "h2", "nix-store", "--check-validity", path); err != nil {
		t.Errorf("h2's Nix does not know %s: %v %s", path, err, out)
	}
	if _, err := deployer(t, l, "ssh", "h1", "nix-store", "--check-validity", path); err == nil {
		t.Errorf("h1's Nix knows %s, which was copied to h2 only", path)
	}
	if got := l.Status().Hosts[1].StorePaths; got != 1 {
		t.Errorf("status: h2 holds %d store paths, want 1", got)
	}

	// Both ends of every link are shaped; no namespace has a default
	// route; sshd listens only on the host's lab address.
	for i, h := range l.Hosts {
		for _, end := range [][]string{{"-n", h.Namespace, "qdisc", "show", "dev", hostDev}, {"-n", l.Deployer.Namespace, "qdisc", "show", "dev", ctlDev(i + 1)}} {
			out, err := r.Output(ctx, "tc", end...)
			if err != nil || !strings.Contains(string(out), "qdisc tbf") || !strings.Contains(string(out), "rate 100Mbit") {
				t.Errorf("tc %s: %q, %v; want a tbf at 100Mbit", strings.Join(end, " "), out, err)
			}
		}
		listen, err := r.Output(ctx, "ip", "netns", "exec", h.Namespace, "ss", "-Hltn")
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(strings.TrimSpace(string(listen)), "\n") {
			if f := strings.Fields(line); len(f) < 4 || f[3] != h.Address+":22" {
				t.Errorf("%s listens on %q; want only %s:22", h.Name, line, h.Address)
			}
		}
	}
	for _, ns := range labNamespaces(l.Name) {
		out, err := r.Output(ctx, "ip", "-n", ns, "route", "show", "default")
		if err != nil || len(bytes.TrimSpace(out)) > 0 {
			t.Errorf("namespace %s: default route %q, %v", ns, out, err)
		}
	}

	// One host's link changes alone: its rate, lifted and set again, and
	// pulled out and plugged back in.
	tbfOn := func(h Host) string {
		out, _ := r.Output(ctx, "tc", "-n", h.Namespace, "qdisc", "show", "dev", hostDev)
		return string(out)
	}
	if err := l.SetRate(ctx, r, "h3", 0); err != nil || strings.Contains(tbfOn(l.Hosts[2]), "tbf") || !strings.Contains(tbfOn(l.Hosts[1]), "rate 100Mbit") {
		t.Errorf("SetRate(h3, 0) = %v; h3: %s; h2: %s", err, tbfOn(l.Hosts[2]), tbfOn(l.Hosts[1]))
	}
	if err := l.SetRate(ctx, r, "h3", 10_000_000); err != nil || !strings.Contains(tbfOn(l.Hosts[2]), "rate 10Mbit") {
		t.Errorf("SetRate(h3, 10mbit) = %v; h3: %s", err, tbfOn(l.Hosts[2]))
	}
	if err := l.SetLinkUp(ctx, r, "h1", false); err != nil {
		t.Fatal(err)
	}
	if out, err := deployer(t, l, "ssh", "-o", "ConnectTimeout=1", "h1", "true"); err == nil || !strings.Contains(err.Error(), "timed out") {
		t.Errorf("ssh h1 with its link down: %v %s; want a timeout", err, out)
	}
	if got := l.Status().Hosts[0].Link; got != "down" {
		t.Errorf("status of h1's pulled link: %q", got)
	}
	if err := l.SetLinkUp(ctx, r, "h1", true); err != nil {
		t.Fatal(err)
	}
	if out, err := deployer(t, l, "ssh", "h1", "hostname"); err != nil || out != "h1" {
		t.Errorf("ssh h1 with its link back: %q, %v", out, err)
	}
	if err := l.SetRate(ctx, r, "h9", 0); err == nil || !strings.Contains(err.Error(), `no host "h9" in the lab (hosts: h1, h2, h3)`) {
		t.Errorf("SetRate of an unknown host: %v", err)
	}
	if reloaded, err := Load(l.Dir); err != nil || reloaded.Hosts[2].Rate != 10_000_000 || reloaded.Hosts[0].LinkDown {
		t.Errorf("state after link changes: %+v, %v", reloaded, err)
	}

	// Down ends the lab's processes and leaves nothing; a second Down is
	// fine.
	var sshds []int
	for _, h := range l.Status().Hosts {
		sshds = append(sshds, h.SSHDPID)
	}
	var progress bytes.Buffer
	if err := Down(ctx, l.Dir, l.Name, r, &progress); err != nil {
		t.Fatalf("Down: %v", err)
	}
	for _, pid := range sshds {
		if alive(pid) {
			t.Errorf("sshd %d still runs after Down", pid)
		}
	}
	if ns := labNamespaces(l.Name); len(ns) > 0 {
		t.Errorf("namespaces after Down: %v", ns)
	}
	if _, err := os.Stat(l.Dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("lab directory after Down: %v", err)
	}
	if err := Down(ctx, l.Dir, l.Name, r, &progress); err != nil || !strings.Contains(progress.String(), "nothing to tear down") {
		t.Errorf("second Down = %v\n%s", err, progress.String())
	}
}

func TestLabDelayRelay(t *testing.T) {
	needLab(t)
	t.Parallel()
	const delay = 100 * time.Millisecond
	l, r := upTestLab(t, 2, Link{Rate: 50_000_000, Delay: delay})
	s := l.Status()
	for _, h := range s.Hosts {
		if !s.Healthy() || h.Relay == nil || !*h.Relay {
			t.Fatalf("status with a delayed link: %+v", s)
		}
	}
	// One relay serves every host's link.
	if l.Hosts[0].RelayPID != l.Hosts[1].RelayPID {
		t.Errorf("relays %d and %d, want one for the lab", l.Hosts[0].RelayPID, l.Hosts[1].RelayPID)
	}
	for _, h := range []string{"h1", "h2"} {
		if out, err := deployer(t, l, "ssh", h, "hostname"); err != nil || out != h {
			t.Fatalf("ssh %s over the relay = %q, %v", h, out, err)
		}
	}
	// A TCP connection takes a round trip: at least twice the one-way
	// delay. This is a lower bound, which a slow machine cannot break.
	out, err := deployer(t, l, "bash", "-c", `s=$(date +%s%N); exec 3<>/dev/tcp/`+l.Hosts[0].Address+`/22; echo $(( ($(date +%s%N) - s) / 1000000 ))`)
	if err != nil {
		t.Fatalf("connect over the relay: %v", err)
	}
	var ms int
	if _, err := fmt.Sscan(out, &ms); err != nil || time.Duration(ms)*time.Millisecond < 2*delay {
		t.Errorf("a TCP connect over a link with %s each way took %q ms; want at least %s", delay, out, 2*delay)
	}
	if out, err := r.Output(context.Background(), "tc", "-n", l.Hosts[0].Namespace, "qdisc", "show", "dev", hostDev); err != nil || !strings.Contains(string(out), "rate 50Mbit") {
		t.Errorf("tbf on the host's TAP device: %q, %v", out, err)
	}
	relay := l.Hosts[0].RelayPID
	if err := Down(context.Background(), l.Dir, l.Name, r, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	if alive(relay) {
		t.Errorf("relay %d still runs after Down", relay)
	}
}

// TestUpRefusesAndCleansUp: Up over a live lab's namespaces is refused and
// leaves the live lab alone; an Up that fails tears down what it made.
func TestUpFailureTearsDown(t *testing.T) {
	needLab(t)
	t.Parallel()
	l, _ := upTestLab(t, 1, Link{})
	again := Options{Dir: filepath.Join(t.TempDir(), "other"), Name: l.Name, Hosts: 1}
	if _, err := Up(context.Background(), again, &runner.Runner{}, &bytes.Buffer{}); err == nil || !strings.Contains(err.Error(), "exist already") {
		t.Errorf("Up over a live lab's namespaces = %v", err)
	}
	if !l.Status().Healthy() {
		t.Errorf("the refused Up hurt the live lab: %+v", l.Status())
	}
	// Down of a directory with no lab, and no name, touches no lab.
	var progress bytes.Buffer
	if err := Down(context.Background(), t.TempDir(), "", &runner.Runner{}, &progress); err != nil || !strings.Contains(progress.String(), "nothing to tear down") {
		t.Errorf("Down of an empty directory = %v, %s", err, progress.String())
	}
	if !l.Status().Healthy() {
		t.Errorf("Down of another directory hurt the live lab: %+v", l.Status())
	}

	// A relay that cannot start makes Up fail after the namespaces exist.
	suffix := make([]byte, 3)
	rand.Read(suffix)
	broken := Options{Dir: filepath.Join(t.TempDir(), "broken"), Name: "t" + hex.EncodeToString(suffix), Hosts: 2,
		Link: Link{Delay: time.Millisecond}, Relay: []string{"false"}}
	_, err := Up(context.Background(), broken, &runner.Runner{}, &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "the link relay did not start") {
		t.Errorf("Up with a broken relay = %v", err)
	}
	if ns := labNamespaces(broken.Name); len(ns) > 0 {
		t.Errorf("a failed Up left namespaces %v", ns)
	}
	if _, err := os.Stat(broken.Dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a failed Up left its directory: %v", err)
	}
}
