package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/shoal-nix/shoal/internal/lab"
	"github.com/shoal-nix/shoal/internal/runner"
)

// labOptions are the flags every lab command takes.
type labOptions struct {
	dir  string
	name string
}

// defaultLabDir is SHOAL_LAB_DIR, or /var/tmp/shoal-lab.
func defaultLabDir() string {
	if d := os.Getenv("SHOAL_LAB_DIR"); d != "" {
		return d
	}
	return "/var/tmp/shoal-lab"
}

func (o *labOptions) AddFlags(cmd *cobra.Command) {
	cmd.PersistentFlags().StringVar(&o.dir, "dir", defaultLabDir(), "lab directory: state, keys, configs and the Nix stores (default from SHOAL_LAB_DIR)")
	cmd.PersistentFlags().StringVar(&o.name, "name", lab.DefaultName, "lab name: the prefix of its network namespaces")
}

func newLabCommand(g *globals) *cobra.Command {
	var o labOptions
	cmd := &cobra.Command{
		Use:   "lab",
		Short: "Test hosts on this machine, to try a deploy without machines (root)",
		Long: `Lab brings up test hosts on this machine: network namespaces h1..hN at
10.231.0.11 and up, each with its own OpenSSH server, host key and Nix store,
linked to a deployer side at 10.231.0.1 that has a Nix store of its own. No
namespace has a route out of 10.231.0.0/16, and nothing listens outside it.
Links can be shaped: --rate with the kernel's tbf, --delay with a relay.

From the deployer side (shoal lab exec), ssh h1 and nix copy --to
ssh://root@h1 work with strict host key checking. The lab needs root, and
ip, tc, sshd, ssh, ssh-keygen and nix (apt-get install iproute2
openssh-server openssh-client nix-bin).`,
		Example: `  shoal lab up --hosts 3 --rate 100mbit --delay 25ms
  shoal lab exec -- ssh h1 true
  shoal lab link h2 --down
  shoal lab status
  shoal lab down`,
	}
	o.AddFlags(cmd)
	cmd.AddCommand(newLabUpCommand(g, &o), newLabDownCommand(g, &o), newLabStatusCommand(g, &o), newLabExecCommand(g, &o), newLabLinkCommand(g, &o), newLabRelayCommand(g))
	return cmd
}

type labUpOptions struct {
	hosts      int
	rate       string
	delay      time.Duration
	deployUser string
}

func newLabUpCommand(g *globals, lo *labOptions) *cobra.Command {
	var o labUpOptions
	cmd := &cobra.Command{
		Use:   "up",
		Short: "Bring the lab up",
		Long: `Up makes the lab's namespaces, links, keys and configs, and starts each
host's sshd. It records the lab in DIR/lab.json for lab down and lab status.
It refuses to start over a lab that is up. If it fails, it tears down what
it made.

--rate limits each host's link, in each direction, with tbf (100mbit, 1gbit,
512kbit). --delay adds a one-way delay in each direction of each host's link
(a deployer-host round trip gains twice the delay) through one relay process
for every link.

--deploy-user NAME adds a non-root account to every host, only inside the
host (its own /etc/passwd, /etc/group and /etc/sudoers): it logs in with the
lab's key, becomes root with sudo -n, and adds to the host's store through
the host's own nix-daemon, which trusts it. Deploy as it with
deploy = { user = "NAME", become = "sudo" }. It needs sudo installed.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runLabUp(cmd.Context(), g, *lo, o)
		},
	}
	cmd.Flags().IntVar(&o.hosts, "hosts", lab.DefaultHosts, fmt.Sprintf("number of hosts (1 to %d)", lab.MaxHosts))
	cmd.Flags().StringVar(&o.rate, "rate", "", "limit each host's link to this rate, e.g. 100mbit")
	cmd.Flags().DurationVar(&o.delay, "delay", 0, "add this one-way delay to each host's link, e.g. 25ms")
	cmd.Flags().StringVar(&o.deployUser, "deploy-user", "", "add this non-root deploy user, with sudo and a trusted nix-daemon, to every host")
	return cmd
}

func (g *globals) labRunner() *runner.Runner { return &runner.Runner{Trace: g.traceWriter()} }

func runLabUp(ctx context.Context, g *globals, lo labOptions, o labUpOptions) error {
	rate, err := lab.ParseRate(o.rate)
	if err != nil {
		return usageError("--rate: %v", err)
	}
	opts := lab.Options{Dir: lo.dir, Name: lo.name, Hosts: o.hosts, Link: lab.Link{Rate: rate, Delay: o.delay}, DeployUser: o.deployUser}
	if o.delay > 0 {
		exe, err := os.Executable()
		if err != nil {
			return fmt.Errorf("find shoal's own program for the link relay: %w", err)
		}
		opts.Relay = []string{exe, "lab", "relay"}
	}
	if err := opts.Validate(); err != nil {
		return usageError("%v", err)
	}
	// Ctrl-C cancels ctx: lab up stops and tears down what it made.
	l, err := lab.Up(ctx, opts, g.labRunner(), g.stderr)
	if err != nil {
		return err
	}
	fmt.Fprintf(g.stdout, "lab %s is up in %s with %s:\n", l.Name, l.Dir, lab.HostsText(len(l.Hosts)))
	for _, h := range l.Hosts {
		fmt.Fprintf(g.stdout, "  %-4s %s\n", h.Name, h.Address)
	}
	fmt.Fprintf(g.stdout, `
Try it (the deployer side has its own Nix store; ssh h1 checks host keys strictly):
  shoal lab exec -- ssh h1 hostname
  p=$(shoal lab exec -- nix-store --add /etc/hostname)
  shoal lab exec -- nix copy --to ssh://root@h1 $p
  ls %s/nix/store
  shoal lab status
  shoal lab down
`, l.Hosts[0].Dir)
	if lo.dir != defaultLabDir() {
		fmt.Fprintf(g.stdout, "(give --dir %s to each command, or set SHOAL_LAB_DIR)\n", l.Dir)
	}
	return nil
}

func newLabDownCommand(g *globals, lo *labOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "down",
		Short: "Tear the lab down",
		Long: `Down ends the processes in the lab's namespaces (and only those), deletes
the namespaces and removes the files lab up wrote. It also clears what a
failed or interrupted lab up left. Tearing down a lab that is not there
is not an error. --name also removes namespaces of a lab by that name
that have no record (after lab.json was lost).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			o := *lo
			if !cmd.Flags().Changed("name") {
				o.name = "" // only what the record in --dir names
			}
			return runLabDown(cmd.Context(), g, o)
		},
	}
}

func runLabDown(ctx context.Context, g *globals, lo labOptions) error {
	if _, err := lab.Preflight(lab.SystemEnv(), false); err != nil {
		return err
	}
	start := time.Now()
	if err := lab.Down(ctx, lo.dir, lo.name, g.labRunner(), g.stderr); err != nil {
		return err
	}
	fmt.Fprintf(g.stderr, "lab: down in %.2fs\n", time.Since(start).Seconds())
	return nil
}

type labStatusOptions struct {
	json bool
}

func newLabStatusCommand(g *globals, lo *labOptions) *cobra.Command {
	var o labStatusOptions
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Show the lab's hosts, addresses, sshd and stores",
		Long: `Status reads the lab's record and looks at what runs: each namespace,
each host's sshd and link relay, and how many paths each host's Nix store
holds. Exit status: 0 when everything runs, 1 otherwise (or no lab).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runLabStatus(cmd.Context(), g, *lo, o)
		},
	}
	cmd.Flags().BoolVar(&o.json, "json", false, "print the status as JSON")
	return cmd
}

func runLabStatus(_ context.Context, g *globals, lo labOptions, o labStatusOptions) error {
	l, err := lab.Load(lo.dir)
	if errors.Is(err, lab.ErrNoLab) {
		return fmt.Errorf("no lab in %s: bring one up with shoal lab up", lo.dir)
	}
	if err != nil {
		return err
	}
	s := l.Status()
	if o.json {
		enc := json.NewEncoder(g.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(s); err != nil {
			return err
		}
	} else {
		state := "up"
		if !s.Ready {
			state = "not ready (lab up failed or is running)"
		}
		fmt.Fprintf(g.stdout, "lab %s in %s: %s; link %s\n", s.Name, s.Dir, state, s.Link)
		fmt.Fprintf(g.stdout, "  deployer %-10s %s  namespace %s  store %s\n", s.Deployer.Address, upDown(s.Deployer.NamespaceUp), s.Deployer.Namespace, s.Deployer.Store)
		for _, h := range s.Hosts {
			sshd := "sshd down"
			if h.SSHD {
				sshd = fmt.Sprintf("sshd up (pid %d)", h.SSHDPID)
			}
			relay := ""
			if h.Relay != nil {
				relay = "  relay " + upDown(*h.Relay)
			}
			fmt.Fprintf(g.stdout, "  %-8s %-11s %s  %s%s  link %s  store %s (%d paths)\n", h.Name, h.Address, upDown(h.NamespaceUp), sshd, relay, h.Link, h.Store, h.StorePaths)
		}
		fmt.Fprintf(g.stdout, "  ssh config: %s\n", s.SSHConfig)
	}
	if !s.Healthy() {
		return &exitError{code: ExitFailure}
	}
	return nil
}

func upDown(up bool) string {
	if up {
		return "up  "
	}
	return "DOWN"
}

func newLabExecCommand(g *globals, lo *labOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "exec -- COMMAND [ARG...]",
		Short: "Run a command on the lab's deployer side",
		Long: `Exec runs a command on the lab's deployer side: in its network namespace,
with the deployer's Nix store on /nix and the lab's ssh_config as the
system-wide one, so that ssh h1 and nix copy --to ssh://root@h1 work. The
exit status is the command's.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runLabExec(cmd.Context(), g, *lo, args)
		},
	}
}

func runLabExec(ctx context.Context, g *globals, lo labOptions, args []string) error {
	l, err := lab.Load(lo.dir)
	if errors.Is(err, lab.ErrNoLab) {
		return fmt.Errorf("no lab in %s: bring one up with shoal lab up", lo.dir)
	}
	if err != nil {
		return err
	}
	argv := l.DeployerArgv(args...)
	r := &runner.Runner{Env: l.DeployerEnv()}
	if tw := g.traceWriter(); tw != nil {
		fmt.Fprintf(tw, "+ %s\n", r.Line(argv))
	}
	// The command stays in the terminal's process group, so that it gets
	// Ctrl-C itself, as when run without shoal; if shoal is stopped
	// otherwise, the command gets SIGTERM.
	c := exec.CommandContext(ctx, argv[0], argv[1:]...)
	c.Env = append(os.Environ(), r.Env...)
	c.Stdin, c.Stdout, c.Stderr = g.stdin, g.stdout, g.stderr
	c.Cancel = func() error { return c.Process.Signal(syscall.SIGTERM) }
	c.WaitDelay = 3 * time.Second
	err = c.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return &exitError{code: ee.ExitCode()}
	}
	if err != nil {
		return fmt.Errorf("lab exec: %w", err)
	}
	return nil
}

type labLinkOptions struct {
	rate string
	down bool
	up   bool
}

func newLabLinkCommand(g *globals, lo *labOptions) *cobra.Command {
	var o labLinkOptions
	cmd := &cobra.Command{
		Use:   "link HOST [--rate RATE] [--down | --up]",
		Short: "Change one host's link: its rate, or pull it out and plug it back in",
		Long: `Link changes one host's link while the lab runs. --rate sets the limit of
both directions (0 lifts it). --down pulls the link out: frames to and from
the host are lost and connections time out, as with a pulled cable; --up
plugs it back in.`,
		Example: "  shoal lab link h2 --down\n  shoal lab link h2 --up --rate 10mbit",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runLabLink(cmd.Context(), g, *lo, o, args[0], cmd.Flags().Changed("rate"))
		},
	}
	cmd.Flags().StringVar(&o.rate, "rate", "", "limit the link to this rate, e.g. 10mbit; 0 lifts the limit")
	cmd.Flags().BoolVar(&o.down, "down", false, "pull the link out")
	cmd.Flags().BoolVar(&o.up, "up", false, "plug the link back in")
	cmd.MarkFlagsMutuallyExclusive("down", "up")
	return cmd
}

func runLabLink(ctx context.Context, g *globals, lo labOptions, o labLinkOptions, host string, setRate bool) error {
	rate, err := lab.ParseRate(o.rate)
	if err != nil {
		return usageError("--rate: %v", err)
	}
	if !setRate && !o.down && !o.up {
		return usageError("lab link %s: say what to change: --rate, --down or --up", host)
	}
	l, err := lab.Load(lo.dir)
	if errors.Is(err, lab.ErrNoLab) {
		return fmt.Errorf("no lab in %s: bring one up with shoal lab up", lo.dir)
	}
	if err != nil {
		return err
	}
	if _, ok := l.Host(host); !ok {
		return usageError("no host %q in the lab at %s", host, l.Dir)
	}
	r := g.labRunner()
	if setRate {
		if err := l.SetRate(ctx, r, host, rate); err != nil {
			return err
		}
	}
	if o.down || o.up {
		if err := l.SetLinkUp(ctx, r, host, o.up); err != nil {
			return err
		}
	}
	for _, h := range l.Status().Hosts {
		if h.Name == host {
			fmt.Fprintf(g.stderr, "lab: %s link %s\n", host, h.Link)
		}
	}
	return nil
}

// newLabRelayCommand is the link relay that lab up starts for the hosts'
// links when they have a delay; it is not for users.
func newLabRelayCommand(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:                "relay",
		Hidden:             true,
		DisableFlagParsing: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			if code := lab.RelayMain(args, g.stderr); code != 0 {
				return &exitError{code: code}
			}
			return nil
		},
	}
}
