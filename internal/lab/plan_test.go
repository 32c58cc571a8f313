package lab

import (
	"errors"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestAddressPlan(t *testing.T) {
	if got := HostAddr(1).String(); got != "10.231.0.11" {
		t.Errorf("HostAddr(1) = %s, want 10.231.0.11", got)
	}
	seen := map[netip.Addr]bool{DeployerAddr: true}
	for i := 1; i <= MaxHosts; i++ {
		a := HostAddr(i)
		if !Subnet().Contains(a) {
			t.Errorf("host %d at %s is outside the lab subnet %s", i, a, Subnet())
		}
		if seen[a] {
			t.Errorf("host %d at %s: address used twice", i, a)
		}
		seen[a] = true
	}
	if got := Subnet().String(); got != "10.231.0.0/16" {
		t.Errorf("Subnet = %s", got)
	}
}

func TestParseRate(t *testing.T) {
	for _, c := range []struct {
		in   string
		want Rate
		text string
	}{
		{"100mbit", 100_000_000, "100mbit"},
		{"1gbit", 1_000_000_000, "1gbit"},
		{"1.5mbit", 1_500_000, "1500kbit"},
		{"512kbit", 512_000, "512kbit"},
		{"100MBit", 100_000_000, "100mbit"},
		{"", 0, "unlimited"},
		{"0", 0, "unlimited"},
	} {
		got, err := ParseRate(c.in)
		if err != nil || got != c.want || got.String() != c.text {
			t.Errorf("ParseRate(%q) = %d (%s), %v; want %d (%s)", c.in, got, got, err, c.want, c.text)
		}
	}
	for _, c := range []struct{ in, msg string }{
		{"10mbps", "bytes per second"},
		{"fast", "number and a unit"},
		{"100", "number and a unit"},
		{"-1mbit", "number and a unit"},
		{"1bit", "from 8kbit"},
		{"1tbit", "to 100gbit"},
	} {
		if _, err := ParseRate(c.in); err == nil || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("ParseRate(%q) = %v, want an error saying %q", c.in, err, c.msg)
		}
	}
}

func TestTBFBurst(t *testing.T) {
	if got := strings.Join(tbfArgs(100_000_000), " "); got != "tbf rate 100000000bit burst 125000 latency 100ms" {
		t.Errorf("tbf at 100mbit: %s", got)
	}
	// A slow link still passes full frames.
	if got := tbfArgs(64_000); got[4] != "15140" {
		t.Errorf("tbf burst at 64kbit = %s, want 15140", got[4])
	}
}

func TestValidate(t *testing.T) {
	o := Options{Dir: "lab"}
	if err := o.Validate(); err != nil {
		t.Fatal(err)
	}
	if o.Hosts != DefaultHosts || o.Name != DefaultName || !filepath.IsAbs(o.Dir) {
		t.Errorf("defaults: %+v", o)
	}
	for _, c := range []struct {
		o   Options
		msg string
	}{
		{Options{Dir: "/x", Hosts: 17}, "1 to 16 hosts"},
		{Options{Dir: "/x", Hosts: -1}, "1 to 16 hosts"},
		{Options{Dir: "/x", Name: "Lab"}, "lowercase"},
		{Options{Dir: "/x", Name: "a-very-long-lab-name-indeed"}, "1-20"},
		{Options{}, "no lab directory"},
		{Options{Dir: "/tmp/my lab"}, "unquoted"},
		{Options{Dir: "/tmp/50%"}, "unquoted"},
		{Options{Dir: "/nix/lab"}, "under /nix"},
		{Options{Dir: "/run/lab"}, "under /run"},
		{Options{Dir: "/"}, "of its own"},
		{Options{Dir: "/x", Link: Link{Delay: -time.Millisecond}}, "from 0"},
		{Options{Dir: "/x", Link: Link{Delay: time.Minute}}, "from 0"},
		{Options{Dir: "/x", Link: Link{Delay: time.Millisecond}}, "relay command"},
	} {
		if err := c.o.Validate(); err == nil || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("Validate(%+v) = %v, want an error saying %q", c.o, err, c.msg)
		}
	}
}

func testLab(t *testing.T, hosts int, link Link) *Lab {
	t.Helper()
	o := Options{Dir: t.TempDir(), Name: "t", Hosts: hosts, Link: link, Relay: []string{"relay"}}
	if err := o.Validate(); err != nil {
		t.Fatal(err)
	}
	l := newLab(o)
	for i := range l.Hosts {
		l.Hosts[i].HostKey = "ssh-ed25519 AAAAkey" + l.Hosts[i].Name
	}
	return l
}

func TestSSHDConfig(t *testing.T) {
	l := testLab(t, 2, Link{})
	cfg := sshdConfig(l.Hosts[1])
	for _, want := range []string{
		"ListenAddress 10.231.0.12:22\n",
		"PermitRootLogin prohibit-password\n",
		"PasswordAuthentication no\n",
		"KbdInteractiveAuthentication no\n",
		"HostKey /etc/ssh/ssh_host_ed25519_key\n",
		"SetEnv NIX_CONF_DIR=/etc/ssh/nix\n",
		"Subsystem sftp internal-sftp\n",
	} {
		if !strings.Contains(cfg, want) {
			t.Errorf("sshd_config lacks %q:\n%s", want, cfg)
		}
	}
	if n := strings.Count(cfg, "ListenAddress"); n != 1 {
		t.Errorf("sshd_config has %d ListenAddress lines, want only the lab address", n)
	}
}

func TestSSHConfigAndKnownHosts(t *testing.T) {
	l := testLab(t, 3, Link{})
	cfg := sshConfig(l)
	for _, want := range []string{
		"Host h2\n  HostName 10.231.0.12\n",
		"Host h1 10.231.0.11 h2 10.231.0.12 h3 10.231.0.13\n",
		"  StrictHostKeyChecking yes\n",
		"  UserKnownHostsFile " + l.KnownHosts + "\n",
		"  GlobalKnownHostsFile /dev/null\n",
		"  IdentityFile " + l.Identity + "\n",
		"  BatchMode yes\n",
	} {
		if !strings.Contains(cfg, want) {
			t.Errorf("ssh_config lacks %q:\n%s", want, cfg)
		}
	}
	if strings.Contains(cfg, "Host *") {
		t.Errorf("ssh_config applies to hosts outside the lab:\n%s", cfg)
	}
	kh := knownHosts(l.Hosts)
	if want := "h3,10.231.0.13 ssh-ed25519 AAAAkeyh3\n"; !strings.HasSuffix(kh, want) || strings.Count(kh, "\n") != 3 {
		t.Errorf("known_hosts:\n%s\nwant 3 lines ending with %q", kh, want)
	}
}

func TestNetCommands(t *testing.T) {
	has := func(cmds [][]string, words ...string) bool {
		return slices.ContainsFunc(cmds, func(c []string) bool {
			return strings.Contains(" "+strings.Join(c, " ")+" ", " "+strings.Join(words, " ")+" ")
		})
	}
	plain := testLab(t, 2, Link{}).netCommands()
	if !has(plain, "type", "veth", "peer", "name", "eth0", "netns", "t-h2") || has(plain, "tuntap") || has(plain, "tc") {
		t.Errorf("an unshaped lab: veth links and no tc:\n%v", plain)
	}
	if !has(plain, "ip", "-n", "t-h2", "addr", "add", "10.231.0.12/16", "dev", "eth0") {
		t.Errorf("h2 gets no address:\n%v", plain)
	}
	shaped := testLab(t, 2, Link{Rate: 100_000_000, Delay: 25 * time.Millisecond}).netCommands()
	for _, want := range [][]string{
		{"ip", "-n", "t-ctl", "tuntap", "add", "dev", "vh1", "mode", "tap"},
		{"ip", "-n", "t-h1", "tuntap", "add", "dev", "eth0", "mode", "tap"},
		{"tc", "-n", "t-h2", "qdisc", "replace", "dev", "eth0", "root", "tbf", "rate", "100000000bit"},
		{"tc", "-n", "t-ctl", "qdisc", "replace", "dev", "vh2", "root", "tbf"},
	} {
		if !has(shaped, want...) {
			t.Errorf("a shaped lab lacks %q:\n%v", want, shaped)
		}
	}
	for _, cmds := range [][][]string{plain, shaped} {
		if has(cmds, "route") || has(cmds, "default") {
			t.Errorf("the lab must add no route:\n%v", cmds)
		}
		for _, c := range cmds {
			if c[0] == "ip" && c[1] != "-n" && !(c[1] == "netns" && c[2] == "add") {
				t.Errorf("a command outside the lab's namespaces: %v", c)
			}
		}
	}
}

func TestDeployerArgv(t *testing.T) {
	l := testLab(t, 1, Link{})
	argv := l.DeployerArgv("ssh", "h1", "true")
	if argv[0] != "ip" || argv[3] != "t-ctl" || !slices.Equal(argv[len(argv)-3:], []string{"ssh", "h1", "true"}) {
		t.Errorf("DeployerArgv = %q", argv)
	}
	if !slices.Contains(argv, l.Deployer.Store) || !slices.Contains(argv, l.Deployer.EtcSSH) {
		t.Errorf("DeployerArgv does not mount the deployer's store and ssh config: %q", argv)
	}
}

func TestStateRoundTrip(t *testing.T) {
	l := testLab(t, 2, Link{Rate: 100_000_000, Delay: 25 * time.Millisecond})
	if err := os.MkdirAll(l.Dir, 0o755); err != nil {
		t.Fatal(err)
	}
	l.Ready = true
	l.Hosts[1].RelayPID = 42
	if err := l.save(); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(l.Dir, StateFile))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), `"delay": "25ms"`) {
		t.Errorf("state file does not say the delay as text:\n%s", data)
	}
	got, err := Load(l.Dir)
	if err != nil {
		t.Fatal(err)
	}
	if got.Name != "t" || !got.Ready || got.Rate != l.Rate || got.Delay != l.Delay || len(got.Hosts) != 2 ||
		got.Hosts[1] != l.Hosts[1] || got.Deployer != l.Deployer || got.SSHConfig != l.SSHConfig {
		t.Errorf("Load = %+v, want %+v", got, l)
	}

	if _, err := Load(t.TempDir()); !errors.Is(err, ErrNoLab) {
		t.Errorf("Load of an empty directory = %v, want ErrNoLab", err)
	}
	bad := t.TempDir()
	os.WriteFile(filepath.Join(bad, StateFile), []byte(`{"version": 9, "name": "t"}`), 0o644)
	if _, err := Load(bad); err == nil || !strings.Contains(err.Error(), "state version 9") {
		t.Errorf("Load of a newer state = %v", err)
	}
	os.WriteFile(filepath.Join(bad, StateFile), []byte(`{"version": 1, "name": "../x"}`), 0o644)
	if _, err := Load(bad); err == nil || !strings.Contains(err.Error(), "invalid lab name") {
		t.Errorf("Load of a bad name = %v", err)
	}
}

func TestCheckFree(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("mine"), 0o644)
	if err := checkFree(Options{Dir: dir, Name: "nosuchlab"}); err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Errorf("checkFree of a directory with files = %v", err)
	}
	os.WriteFile(filepath.Join(dir, StateFile), []byte("{}"), 0o644)
	if err := checkFree(Options{Dir: dir, Name: "nosuchlab"}); err == nil || !strings.Contains(err.Error(), "already up") {
		t.Errorf("checkFree of a lab directory = %v", err)
	}
	if err := checkFree(Options{Dir: filepath.Join(dir, "new"), Name: "nosuchlab"}); err != nil {
		t.Errorf("checkFree of a new directory = %v", err)
	}
	open := filepath.Join(t.TempDir(), "open")
	os.Mkdir(open, 0o777)
	os.Chmod(open, 0o777)
	if err := checkFree(Options{Dir: open, Name: "nosuchlab"}); err == nil || !strings.Contains(err.Error(), "only root can write") {
		t.Errorf("checkFree of a world-writable directory = %v", err)
	}
	link := filepath.Join(t.TempDir(), "link")
	os.Symlink(t.TempDir(), link)
	if err := checkFree(Options{Dir: link, Name: "nosuchlab"}); err == nil || !strings.Contains(err.Error(), "must be a directory") {
		t.Errorf("checkFree of a symlink = %v", err)
	}
}

func TestRemoveFilesKeepsOthers(t *testing.T) {
	l := testLab(t, 1, Link{})
	os.MkdirAll(l.Hosts[0].Store(), 0o755)
	l.save()
	os.WriteFile(filepath.Join(l.Dir, "notes.txt"), []byte("mine"), 0o644)
	if err := l.removeFiles(); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(l.Dir)
	if len(entries) != 1 || entries[0].Name() != "notes.txt" {
		t.Errorf("after removeFiles the directory holds %v, want only notes.txt", entries)
	}
	os.Remove(filepath.Join(l.Dir, "notes.txt"))
	os.WriteFile(filepath.Join(l.Dir, StateFile), []byte("{}"), 0o644)
	if err := l.removeFiles(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(l.Dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the emptied lab directory is still there: %v", err)
	}
}

func TestPreflight(t *testing.T) {
	all := func(name string) (string, error) { return "/usr/bin/" + name, nil }
	if _, err := Preflight(Env{EUID: 1000, LookPath: all}, false); err == nil || !strings.Contains(err.Error(), "needs root") {
		t.Errorf("non-root: %v", err)
	}
	noSSHD := func(name string) (string, error) {
		if name == "sshd" || name == "nix-store" || name == "nix" {
			return "", errors.New("not found")
		}
		return all(name)
	}
	_, err := Preflight(Env{LookPath: noSSHD}, false)
	if err == nil || !strings.Contains(err.Error(), "sshd (openssh-server), nix-store (nix-bin), nix (nix-bin)") ||
		!strings.Contains(err.Error(), "apt-get install openssh-server nix-bin") {
		t.Errorf("missing programs: %v", err)
	}
	noTUN := Env{LookPath: all, TUN: func() error { return os.ErrNotExist }}
	if _, err := Preflight(noTUN, true); err == nil || !strings.Contains(err.Error(), "/dev/net/tun") {
		t.Errorf("no tun with a delay: %v", err)
	}
	paths, err := Preflight(noTUN, false)
	if err != nil || paths["sshd"] != "/usr/bin/sshd" {
		t.Errorf("all there = %v, %v", paths, err)
	}
}

// TestDeployUserFiles: the deploy user's /etc files add the user (no
// password, not locked, no shadow entry) and the host's name to the
// system's, and its sudoers lets only that user become root without a
// password, keeping NIX_CONF_DIR.
func TestDeployUserFiles(t *testing.T) {
	files := deployUserFiles(Host{Name: "h2"}, "deploy", []byte("root:x:0:0:root:/root:/bin/bash"), []byte("root:x:0:\n"), []byte("127.0.0.1 localhost\n"))
	for name, want := range map[string]string{
		"passwd":  "root:x:0:0:root:/root:/bin/bash\ndeploy:*:4242:4242:shoal lab deploy user:/run/deploy:/bin/sh\n",
		"group":   "root:x:0:\ndeploy:*:4242:\n",
		"hosts":   "127.0.0.1 localhost\n127.0.1.1 h2\n",
		"sudoers": "# generated by shoal lab for h2\nDefaults env_reset\nDefaults env_keep += \"NIX_CONF_DIR\"\nroot ALL=(ALL:ALL) ALL\ndeploy ALL=(root) NOPASSWD: ALL\n",
	} {
		if files[name] != want {
			t.Errorf("%s =\n%s\nwant\n%s", name, files[name], want)
		}
	}
	if got := hostNixConf("deploy"); !strings.HasSuffix(got, "\ntrusted-users = root deploy\n") {
		t.Errorf("host nix.conf with a deploy user:\n%s", got)
	}
	if hostNixConf("") != nixConf {
		t.Error("a lab without a deploy user changed the hosts' nix.conf")
	}
	for _, bad := range []string{"root", "Deploy", "-x", "a b"} {
		o := Options{Dir: "/var/tmp/shoal-lab-test", DeployUser: bad}
		if err := o.Validate(); err == nil {
			t.Errorf("Validate took deploy user %q", bad)
		}
	}
	argv := strings.Join(hostBootArgv(Host{Name: "h1", Namespace: "x-h1", Dir: "/var/tmp/l/hosts/h1"}, "/usr/sbin/sshd", true), " ")
	if !strings.Contains(argv, `for f in passwd group hosts sudoers; do mount --bind "$2/etc/$f" "/etc/$f"`) || !strings.Contains(argv, "setsid nix-daemon") {
		t.Errorf("host boot with a deploy user: %s", argv)
	}
	argv = strings.Join(hostBootArgv(Host{Name: "h1"}, "/usr/sbin/sshd", false), " ")
	if strings.Contains(argv, "nix-daemon") || strings.Contains(argv, "sudoers") {
		t.Errorf("host boot without a deploy user: %s", argv)
	}
	// Every host has its own /var/lib, /etc/passwd and /etc/group.
	if !strings.Contains(argv, `mount --bind "$2/var-lib" /var/lib`) || !strings.Contains(argv, `for f in passwd group; do mount --bind "$2/etc/$f" "/etc/$f"`) {
		t.Errorf("host boot without a deploy user: %s", argv)
	}
}
