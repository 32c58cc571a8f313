package lab

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/shoal-nix/shoal/internal/runner"
)

// Device names inside the lab's namespaces (each namespace has its own).
const (
	bridgeDev  = "br0"
	hostDev    = "eth0"
	relayReady = "relay.ready"
)

// ctlDev is the deployer-side end of host i's link.
func ctlDev(i int) string { return "vh" + strconv.Itoa(i) }

// newLab lays out the lab that opts describe, before anything exists.
func newLab(opts Options) *Lab {
	l := &Lab{
		Version:    stateVersion,
		Name:       opts.Name,
		Dir:        opts.Dir,
		Subnet:     Subnet().String(),
		Rate:       opts.Link.Rate,
		Delay:      Duration(opts.Link.Delay),
		SSHConfig:  filepath.Join(opts.Dir, "ssh_config"),
		KnownHosts: filepath.Join(opts.Dir, "known_hosts"),
		Identity:   filepath.Join(opts.Dir, "id_ed25519"),
		NixConfDir: filepath.Join(opts.Dir, "nix-conf"),
		DeployUser: opts.DeployUser,
		Deployer: Deployer{
			Namespace: namespace(opts.Name, "ctl"),
			Address:   DeployerAddr.String(),
			Store:     filepath.Join(opts.Dir, "deployer", "nix"),
			EtcSSH:    filepath.Join(opts.Dir, "deployer", "etc-ssh"),
		},
	}
	for i := 1; i <= opts.Hosts; i++ {
		name := HostName(i)
		l.Hosts = append(l.Hosts, Host{
			Name:      name,
			Namespace: namespace(opts.Name, name),
			Address:   HostAddr(i).String(),
			Dir:       filepath.Join(opts.Dir, "hosts", name),
			Rate:      opts.Link.Rate,
		})
	}
	return l
}

// netBatch is a batch of ip or tc commands run in one namespace ("" for
// none) by one process (ip -batch, tc -batch): one process per namespace
// rather than one per command keeps lab up quick.
type netBatch struct {
	tool  string // ip or tc
	ns    string
	lines [][]string
}

// argv runs the batch from file.
func (b netBatch) argv(file string) []string {
	if b.ns == "" {
		return []string{b.tool, "-batch", file}
	}
	return []string{b.tool, "-n", b.ns, "-batch", file}
}

// text is the batch file.
func (b netBatch) text() string {
	var sb strings.Builder
	for _, l := range b.lines {
		sb.WriteString(strings.Join(l, " ") + "\n")
	}
	return sb.String()
}

// netBatches make the lab's network: the deployer namespace with the
// bridge, and each host's namespace linked to it, shaped as the lab says.
// With a delay, a host's link is a pair of TAP devices that a relay joins;
// without, a veth pair.
func (l *Lab) netBatches() []netBatch {
	ctl := l.Deployer.Namespace
	cidr := "/" + strconv.Itoa(prefixBits)
	spaces := netBatch{tool: "ip", lines: [][]string{{"netns", "add", ctl}}}
	deployer := netBatch{tool: "ip", ns: ctl, lines: [][]string{
		{"link", "set", "lo", "up"},
		{"link", "add", bridgeDev, "type", "bridge"},
		{"addr", "add", l.Deployer.Address + cidr, "dev", bridgeDev},
		{"link", "set", bridgeDev, "up"},
	}}
	deployerTC := netBatch{tool: "tc", ns: ctl}
	var hosts, hostsTC []netBatch
	for i, h := range l.Hosts {
		dev := ctlDev(i + 1)
		spaces.lines = append(spaces.lines, []string{"netns", "add", h.Namespace})
		host := netBatch{tool: "ip", ns: h.Namespace, lines: [][]string{{"link", "set", "lo", "up"}}}
		if l.Delay > 0 {
			deployer.lines = append(deployer.lines, []string{"tuntap", "add", "dev", dev, "mode", "tap"})
			host.lines = append(host.lines, []string{"tuntap", "add", "dev", hostDev, "mode", "tap"})
		} else {
			deployer.lines = append(deployer.lines, []string{"link", "add", dev, "type", "veth", "peer", "name", hostDev, "netns", h.Namespace})
		}
		deployer.lines = append(deployer.lines, []string{"link", "set", dev, "master", bridgeDev, "up"})
		host.lines = append(host.lines,
			[]string{"addr", "add", h.Address + cidr, "dev", hostDev},
			[]string{"link", "set", hostDev, "up"})
		hosts = append(hosts, host)
		if h.Rate > 0 {
			tbf := tbfArgs(h.Rate)
			deployerTC.lines = append(deployerTC.lines, append([]string{"qdisc", "replace", "dev", dev, "root"}, tbf...))
			hostsTC = append(hostsTC, netBatch{tool: "tc", ns: h.Namespace, lines: [][]string{append([]string{"qdisc", "replace", "dev", hostDev, "root"}, tbf...)}})
		}
	}
	batches := append([]netBatch{spaces, deployer}, hosts...)
	if len(deployerTC.lines) > 0 {
		batches = append(batches, deployerTC)
	}
	return append(batches, hostsTC...)
}

// netCommands are the commands of the batches, one by one, as a user
// would type them.
func (l *Lab) netCommands() [][]string {
	var cmds [][]string
	for _, b := range l.netBatches() {
		for _, line := range b.lines {
			cmd := []string{b.tool}
			if b.ns != "" {
				cmd = append(cmd, "-n", b.ns)
			}
			cmds = append(cmds, append(cmd, line...))
		}
	}
	return cmds
}

// makeNetwork runs the network batches, each from a file in DIR/net.
func (l *Lab) makeNetwork(ctx context.Context, r *runner.Runner, paths map[string]string) error {
	dir := filepath.Join(l.Dir, "net")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("lab network: %w", err)
	}
	for i, b := range l.netBatches() {
		name := b.ns
		if name == "" {
			name = "netns"
		}
		file := filepath.Join(dir, fmt.Sprintf("%02d-%s.%s", i+1, name, b.tool))
		if err := os.WriteFile(file, []byte(b.text()), 0o644); err != nil {
			return fmt.Errorf("lab network: %w", err)
		}
		argv := b.argv(file)
		if _, err := r.Output(ctx, paths[argv[0]], argv[1:]...); err != nil {
			return fmt.Errorf("lab network (%s): %w", file, err)
		}
	}
	return l.bridgeWithoutNetfilter()
}

// bridgeWithoutNetfilter keeps the frames that cross the deployer side's
// bridge out of iptables, which the kernel's br_netfilter (when loaded)
// otherwise passes them through: the lab has no firewall rules, and the
// hooks cost the link relay, which writes the frames onto the bridge, a
// tenth of its CPU. The switches are per namespace; without br_netfilter
// there are none, and nothing to do.
func (l *Lab) bridgeWithoutNetfilter() error {
	return inNetns(l.Deployer.Namespace, func() error {
		for _, f := range []string{"bridge-nf-call-iptables", "bridge-nf-call-ip6tables", "bridge-nf-call-arptables"} {
			err := os.WriteFile("/proc/sys/net/bridge/"+f, []byte("0\n"), 0o644)
			if err != nil && !errors.Is(err, os.ErrNotExist) {
				return fmt.Errorf("lab network: bridge without netfilter: %w", err)
			}
		}
		return nil
	})
}

// eachHost runs f for every host at once and returns the error of the
// first host that failed.
func (l *Lab) eachHost(f func(i int) error) error {
	errs := make([]error, len(l.Hosts))
	var wg sync.WaitGroup
	for i := range l.Hosts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = f(i)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// hostBootArgv starts a host's sshd in a mount and UTS namespace of its
// own, where /nix, /etc/ssh, /run, /var/lib (where deploy puts secrets
// needed at boot) and root's home /root are the host's directories, as
// are /etc/passwd and /etc/group (copies of the machine's, so that a test
// can add a service's user to one host). The daemon keeps the namespaces
// alive.
//
// A lab with a deploy user has that user in the host's /etc/passwd and
// /etc/group, also mounts the host's own /etc/hosts and /etc/sudoers, and
// starts the host's nix-daemon, through which that user adds to the
// host's store.
func hostBootArgv(h Host, sshd string, deployUser bool) []string {
	etc := "passwd group"
	if deployUser {
		etc += " hosts sudoers"
	}
	boot := `hostname "$1" && mount --bind "$2/nix" /nix && mount --bind "$2/etc-ssh" /etc/ssh && mount --bind "$2/run" /run && mount --bind "$2/var-lib" /var/lib && mount --bind "$2/root" /root && ` +
		`for f in ` + etc + `; do mount --bind "$2/etc/$f" "/etc/$f" || exit 1; done && `
	if deployUser {
		boot += `{ NIX_CONF_DIR=` + hostNixConfDir + ` setsid nix-daemon </dev/null >` + hostNixDaemonLog + ` 2>&1 & } && `
	}
	return []string{"ip", "netns", "exec", h.Namespace,
		"unshare", "--mount", "--uts", "--propagation", "private",
		"sh", "-c", boot + `exec "$3" -E ` + hostSshdLog,
		"sh", h.Name, h.Dir, sshd}
}

// relayArgv runs the lab's link relay, for every host's link, on the
// deployer side.
func (l *Lab) relayArgv(relay []string) []string {
	argv := append([]string{"ip", "netns", "exec", l.Deployer.Namespace}, relay...)
	for i, h := range l.Hosts {
		argv = append(argv, "-link", ctlDev(i+1)+","+h.Namespace+","+hostDev)
	}
	return append(argv, "-delay", time.Duration(l.Delay).String(), "-ready", filepath.Join(l.Dir, "net", relayReady))
}

// DeployerArgv wraps argv to run on the lab's deployer side: in its
// network namespace, with the deployer's Nix store on /nix and the lab's
// ssh_config as /etc/ssh/ssh_config, so that `ssh h1` and
// `nix copy --to ssh://root@h1` work as on a workstation set up for the
// lab. Run it with DeployerEnv added to the environment.
func (l *Lab) DeployerArgv(argv ...string) []string {
	return append([]string{"ip", "netns", "exec", l.Deployer.Namespace,
		"unshare", "--mount", "--propagation", "private",
		"sh", "-c", `mount --bind "$1" /nix && mount --bind "$2" /etc/ssh && shift 2 && exec "$@"`,
		"sh", l.Deployer.Store, l.Deployer.EtcSSH}, argv...)
}

// DeployerEnv is the environment DeployerArgv needs: the lab's nix.conf.
func (l *Lab) DeployerEnv() []string {
	return []string{"NIX_CONF_DIR=" + l.NixConfDir}
}

// Up brings up the lab that opts describe and records it in opts.Dir. It
// says what it does on progress, one line a step. If it fails, it tears
// down what it made.
func Up(ctx context.Context, opts Options, r *runner.Runner, progress io.Writer) (_ *Lab, err error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	paths, err := Preflight(SystemEnv(), opts.Link.Delay > 0)
	if err != nil {
		return nil, err
	}
	if err := checkFree(opts); err != nil {
		return nil, err
	}
	start := time.Now()
	l := newLab(opts)
	if l.DeployUser != "" {
		for _, tool := range []string{"sudo", "nix-daemon"} {
			if _, err := exec.LookPath(tool); err != nil {
				return nil, fmt.Errorf("a lab with a deploy user needs %s (Debian: apt-get install %s)", tool, map[string]string{"sudo": "sudo", "nix-daemon": "nix-bin"}[tool])
			}
		}
	}
	if err := os.MkdirAll(l.Dir, 0o755); err != nil {
		return nil, fmt.Errorf("create lab directory: %w", err)
	}
	if err := l.save(); err != nil {
		return nil, err
	}
	defer func() {
		if err == nil {
			return
		}
		fmt.Fprintf(progress, "lab: up failed; tearing down what was made\n")
		if ctx.Err() != nil {
			err = fmt.Errorf("lab up interrupted: %w", ctx.Err())
		}
		if derr := Down(context.WithoutCancel(ctx), l.Dir, l.Name, r, io.Discard); derr != nil {
			err = fmt.Errorf("%w (and tearing down: %v)", err, derr)
		}
	}()

	if err := ensureMountPoint("/nix"); err != nil {
		return nil, err
	}
	fmt.Fprintf(progress, "lab: writing keys and configs in %s\n", l.Dir)
	if err := l.writeFiles(ctx, r); err != nil {
		return nil, err
	}
	hostNS := l.Hosts[0].Namespace
	if len(l.Hosts) > 1 {
		hostNS += ".." + l.Hosts[len(l.Hosts)-1].Namespace
	}
	fmt.Fprintf(progress, "lab: making namespaces %s and %s\n", l.Deployer.Namespace, hostNS)
	if err := l.makeNetwork(ctx, r, paths); err != nil {
		return nil, err
	}
	if l.Delay > 0 {
		fmt.Fprintf(progress, "lab: starting the link relay (%s each way)\n", time.Duration(l.Delay))
		if err := l.startRelay(ctx, r, opts.Relay, paths["ip"]); err != nil {
			return nil, err
		}
	}
	err = l.eachHost(func(i int) error {
		h := l.Hosts[i]
		argv := hostBootArgv(h, paths["sshd"], l.DeployUser != "")
		if _, err := r.Output(ctx, paths["ip"], argv[1:]...); err != nil {
			return fmt.Errorf("start sshd on %s: %w (log: %s)", h.Name, err, filepath.Join(h.run(), "sshd.log"))
		}
		// sshd's daemon writes its pid file just after the command returns.
		pidFile := filepath.Join(h.run(), filepath.Base(hostSshdPidFile))
		ino := nsInode(h.Namespace)
		if !waitFor(5*time.Second, func() bool { pid := readPID(pidFile); return pid > 0 && inNamespace(pid, ino) }) {
			return fmt.Errorf("sshd on %s did not start (log: %s)", h.Name, filepath.Join(h.run(), "sshd.log"))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, h := range l.Hosts {
		fmt.Fprintf(progress, "lab: %s %s sshd up, store %s\n", h.Name, h.Address, h.Store())
	}
	l.Ready = true
	if err := l.save(); err != nil {
		return nil, err
	}
	fmt.Fprintf(progress, "lab: up in %.2fs: %s, link %s\n", time.Since(start).Seconds(), HostsText(len(l.Hosts)), l.linkText())
	return l, nil
}

// HostsText says "1 host" or "N hosts".
func HostsText(n int) string {
	if n == 1 {
		return "1 host"
	}
	return strconv.Itoa(n) + " hosts"
}

// linkText says how the lab's links are shaped at Up.
func (l *Lab) linkText() string { return linkText(l.Rate, time.Duration(l.Delay)) }

func linkText(rate Rate, delay time.Duration) string {
	var parts []string
	if rate > 0 {
		parts = append(parts, rate.String())
	}
	if delay > 0 {
		parts = append(parts, delay.String()+" each way")
	}
	if len(parts) == 0 {
		return "unshaped"
	}
	return strings.Join(parts, ", ")
}

// checkFree refuses to bring a lab up over another one: a lab directory
// in use, a directory with other files, or namespaces of the same name.
func checkFree(opts Options) error {
	if _, err := os.Stat(filepath.Join(opts.Dir, StateFile)); err == nil {
		return fmt.Errorf("a lab is already up in %s (or was left half up): run shoal lab down --dir %s first", opts.Dir, opts.Dir)
	}
	// The lab writes keys and configurations that root's sshd reads: a
	// directory someone else could write to would let them swap those.
	if fi, err := os.Lstat(opts.Dir); err == nil {
		st, ok := fi.Sys().(*syscall.Stat_t)
		if !fi.IsDir() || !ok || st.Uid != 0 || fi.Mode().Perm()&0o022 != 0 {
			return fmt.Errorf("lab directory %s must be a directory of root's that only root can write (it is %s, owner %d); give another --dir", opts.Dir, fi.Mode(), ownerOf(fi))
		}
	}
	entries, err := os.ReadDir(opts.Dir)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("lab directory: %w", err)
	}
	if len(entries) > 0 {
		return fmt.Errorf("lab directory %s is not empty and holds no lab: give an empty or new directory with --dir", opts.Dir)
	}
	if ns := labNamespaces(opts.Name); len(ns) > 0 {
		return fmt.Errorf("namespaces of a lab called %s exist already (%s): run shoal lab down --name %s, or give another --name", opts.Name, strings.Join(ns, ", "), opts.Name)
	}
	return nil
}

func ownerOf(fi fs.FileInfo) int {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return int(st.Uid)
	}
	return -1
}

// ensureMountPoint creates an empty directory for the lab's mounts when
// the system has none (Debian's nix-bin alone does not make /nix). It is
// left in place: another lab may be using it.
func ensureMountPoint(dir string) error {
	if err := os.Mkdir(dir, 0o755); err != nil && !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("create mount point %s: %w", dir, err)
	}
	return nil
}

// writeFiles writes the keys and configurations of the deployer and every
// host, and records the host keys in l.
func (l *Lab) writeFiles(ctx context.Context, r *runner.Runner) error {
	for _, d := range []string{l.NixConfDir, l.Deployer.Store, l.Deployer.EtcSSH} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return fmt.Errorf("lab files: %w", err)
		}
	}
	if err := os.WriteFile(filepath.Join(l.NixConfDir, "nix.conf"), []byte(nixConf), 0o644); err != nil {
		return fmt.Errorf("lab files: %w", err)
	}
	if _, err := r.Output(ctx, "ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "shoal-lab-deployer", "-f", l.Identity); err != nil {
		return fmt.Errorf("deployer key: %w", err)
	}
	deployerKey, err := os.ReadFile(l.Identity + ".pub")
	if err != nil {
		return fmt.Errorf("deployer key: %w", err)
	}
	err = l.eachHost(func(i int) error {
		h := &l.Hosts[i]
		for _, d := range []string{h.Store(), filepath.Join(h.etcSSH(), "authorized_keys"), filepath.Join(h.etcSSH(), "nix"), filepath.Join(h.run(), "sshd"), filepath.Join(h.Dir, "var-lib"), filepath.Join(h.Dir, "etc")} {
			if err := os.MkdirAll(d, 0o755); err != nil {
				return fmt.Errorf("files of %s: %w", h.Name, err)
			}
		}
		if err := os.Mkdir(filepath.Join(h.Dir, "root"), 0o700); err != nil {
			return fmt.Errorf("files of %s: %w", h.Name, err)
		}
		// The host's own passwd and group; a deploy user's files below
		// add that user to them.
		for _, f := range []string{"passwd", "group"} {
			data, err := os.ReadFile(filepath.Join("/etc", f))
			if err == nil {
				err = os.WriteFile(filepath.Join(h.Dir, "etc", f), data, 0o644)
			}
			if err != nil {
				return fmt.Errorf("files of %s: %w", h.Name, err)
			}
		}
		key := filepath.Join(h.etcSSH(), filepath.Base(hostKeyPath))
		if _, err := r.Output(ctx, "ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", h.Name, "-f", key); err != nil {
			return fmt.Errorf("host key of %s: %w", h.Name, err)
		}
		pub, err := os.ReadFile(key + ".pub")
		if err != nil {
			return fmt.Errorf("host key of %s: %w", h.Name, err)
		}
		fields := strings.Fields(string(pub))
		if len(fields) < 2 {
			return fmt.Errorf("host key of %s: %s is not a public key", h.Name, key+".pub")
		}
		h.HostKey = fields[0] + " " + fields[1]
		for _, f := range []struct {
			path string
			data string
			mode fs.FileMode
		}{
			{filepath.Join(h.etcSSH(), "sshd_config"), sshdConfig(*h), 0o644},
			{filepath.Join(h.etcSSH(), "authorized_keys", "root"), string(deployerKey), 0o600},
			{filepath.Join(h.etcSSH(), "nix", "nix.conf"), hostNixConf(l.DeployUser), 0o644},
		} {
			if err := os.WriteFile(f.path, []byte(f.data), f.mode); err != nil {
				return fmt.Errorf("files of %s: %w", h.Name, err)
			}
		}
		if l.DeployUser != "" {
			return writeDeployUser(*h, l.DeployUser, string(deployerKey))
		}
		return nil
	})
	if err != nil {
		return err
	}
	cfg := sshConfig(l)
	for _, f := range []struct{ path, data string }{
		{l.KnownHosts, knownHosts(l.Hosts)},
		{l.SSHConfig, cfg},
		{filepath.Join(l.Deployer.EtcSSH, "ssh_config"), cfg},
	} {
		if err := os.WriteFile(f.path, []byte(f.data), 0o644); err != nil {
			return fmt.Errorf("lab files: %w", err)
		}
	}
	return l.save()
}

// startRelay starts the lab's link relay, one process for every host's
// link (cheaper than one per host: frames of several links share its
// wake-ups), and waits until it has joined both ends of every link.
func (l *Lab) startRelay(ctx context.Context, r *runner.Runner, relay []string, ip string) error {
	logPath := filepath.Join(l.Dir, "net", "relay.log")
	argv := l.relayArgv(relay)
	pid, err := r.Detach(ctx, logPath, ip, argv[1:]...)
	if err != nil {
		return fmt.Errorf("start the link relay: %w", err)
	}
	for i := range l.Hosts {
		l.Hosts[i].RelayPID = pid
	}
	if err := l.save(); err != nil {
		return err
	}
	ready := filepath.Join(l.Dir, "net", relayReady)
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, err := os.Stat(ready); err == nil {
			return nil
		}
		if !alive(pid) || time.Now().After(deadline) {
			log, _ := os.ReadFile(logPath)
			return fmt.Errorf("the link relay did not start: %s", strings.TrimSpace(string(log)))
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("start the link relay: %w", ctx.Err())
		case <-time.After(10 * time.Millisecond):
		}
	}
}
