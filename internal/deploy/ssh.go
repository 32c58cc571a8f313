package deploy

import (
	"fmt"

	"github.com/shoal-nix/shoal/internal/secrets"
	"strconv"
	"strings"
	"time"
)

// Become names how a non-root deploy user runs privileged steps.
type Become string

// The ways to become root that deploy knows.
const (
	BecomeNone Become = ""
	BecomeSudo Become = "sudo"
	BecomeDoas Become = "doas"
	BecomeRun0 Become = "run0"
)

// Becomes lists the accepted become values, for diagnostics and help.
var Becomes = []string{string(BecomeSudo), string(BecomeDoas), string(BecomeRun0)}

// prefix is the argv that runs a command as root without ever prompting.
func (b Become) prefix() []string {
	switch b {
	case BecomeSudo:
		return []string{"sudo", "-n", "--"}
	case BecomeDoas:
		return []string{"doas", "-n", "--"}
	case BecomeRun0:
		return []string{"run0", "--no-ask-password", "--"}
	}
	return nil
}

// Target is one machine to deploy and how to reach it.
type Target struct {
	Machine string
	// Host is the address or name ssh connects to.
	Host string
	// User is the deploy user; "" means root.
	User string
	// Port is the ssh port; 0 leaves it to ssh (and its config).
	Port int
	// Become runs the privileged steps when User is not root.
	Become Become
	// Closure is the system's store path, the toplevel.
	Closure string
	// Checks run after activation, beside the systemd state.
	Checks []Check
	// Secrets are installed before the closure is copied, over the
	// host's own ssh connection; only their hashes are recorded.
	Secrets []secrets.Upload

	// tuning is what a fast deploy adds to the host's ssh options.
	tuning tuning
}

// user returns the deploy user, root unless set.
func (t Target) user() string {
	if t.User == "" {
		return "root"
	}
	return t.User
}

// dest is USER@HOST.
func (t Target) dest() string { return t.user() + "@" + t.Host }

// SSH holds the ssh options of one run.
type SSH struct {
	// ControlDir is a private directory for the ControlMaster sockets;
	// empty means no connection sharing.
	ControlDir string
	// AcceptNewHostKeys accepts and records the key of a host not yet in
	// known_hosts (StrictHostKeyChecking=accept-new); a changed key is
	// refused either way.
	AcceptNewHostKeys bool
	ConnectTimeout    time.Duration
	// ServerAliveInterval notices a dead link; three missed answers end
	// the connection.
	ServerAliveInterval time.Duration
	// ControlPersist keeps each master up between commands.
	ControlPersist time.Duration
	// Fast lets a deploy choose cheaper algorithms where the user's
	// ssh_config chooses none: aes128-gcm@openssh.com first when this
	// machine has AES instructions, and for the connections that carry
	// no secret (the confirmation's, and the master of a host that gets
	// none) curve25519-sha256 first when ssh's default is the costly
	// sntrup761x25519. See tune.
	Fast bool

	// defaults is ssh's built-in configuration, asked once per run.
	defaults *sshDefaults
}

// seconds renders d as whole seconds, at least 1.
func seconds(d time.Duration) string {
	s := int(d.Round(time.Second) / time.Second)
	if s < 1 {
		s = 1
	}
	return strconv.Itoa(s)
}

// connection says which connection a command uses.
type connection int

const (
	// shared goes through the host's ControlMaster (starting it if need be).
	shared connection = iota
	// fresh opens a new TCP connection and SSH session, as the
	// confirmation must.
	fresh
)

// Options returns the -o options for t, in the one-word -oKEY=VALUE form
// that NIX_SSHOPTS (split at white space) also takes.
func (s SSH) Options(t Target, c connection) []string {
	strict := "yes"
	if s.AcceptNewHostKeys {
		strict = "accept-new"
	}
	opts := []string{
		"-oBatchMode=yes",
		"-oStrictHostKeyChecking=" + strict,
		"-oConnectTimeout=" + seconds(s.ConnectTimeout),
		"-oServerAliveInterval=" + seconds(s.ServerAliveInterval),
		"-oServerAliveCountMax=3",
	}
	if t.Port != 0 {
		opts = append(opts, "-oPort="+strconv.Itoa(t.Port))
	}
	switch {
	case c == fresh || s.ControlDir == "":
		opts = append(opts, "-oControlMaster=no", "-oControlPath=none")
	default:
		opts = append(opts, "-oControlMaster=auto", "-oControlPersist="+seconds(s.ControlPersist),
			"-oControlPath="+s.controlPath(t))
	}
	return append(opts, t.tuning.options(c)...)
}

// controlPath is the socket of t's master. The directory is private to
// the run; the machine name keeps the path short and one per host.
func (s SSH) controlPath(t Target) string {
	return s.ControlDir + "/" + t.Machine
}

// Argv returns the ssh command that runs remote (one string, built with
// Quote) on t's host.
func (s SSH) Argv(t Target, c connection, remote string) []string {
	argv := append([]string{"ssh"}, s.Options(t, c)...)
	return append(argv, "--", t.dest(), remote)
}

// ExitArgv returns the command that ends t's ControlMaster.
func (s SSH) ExitArgv(t Target) []string {
	return []string{"ssh", "-oControlPath=" + s.controlPath(t), "-O", "exit", "--", t.dest()}
}

// NixSSHOpts is the value of NIX_SSHOPTS for nix copy to t: the same
// options as ssh gets, sharing the host's master.
func (s SSH) NixSSHOpts(t Target) (string, error) {
	opts := s.Options(t, shared)
	for _, o := range opts {
		if strings.ContainsAny(o, " \t\n") {
			return "", fmt.Errorf("ssh option %q holds white space, which NIX_SSHOPTS cannot carry", o)
		}
	}
	return strings.Join(opts, " "), nil
}

// script returns the remote command running the sh script with args,
// as root through t's Become when privileged.
func script(t Target, privileged bool, body string, args ...string) string {
	words := []string{"sh", "-c", body, "sh"}
	words = append(words, args...)
	if privileged && t.user() != "root" {
		words = append(t.Become.prefix(), words...)
	}
	return Quote(words...)
}
