package lab

import (
	"fmt"
	"math"
	"net/netip"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Limits and the address plan.
const (
	DefaultHosts = 3
	MaxHosts     = 16
	DefaultName  = "shoal"
	// MaxDelay bounds --delay: a lab link is slow, not broken.
	MaxDelay = 5 * time.Second

	prefixBits = 16
)

// DeployerAddr is the deployer side's address, on the lab bridge.
var DeployerAddr = netip.MustParseAddr("10.231.0.1")

// HostAddr is the address of host i (1-based): 10.231.0.11 and up.
func HostAddr(i int) netip.Addr {
	return netip.AddrFrom4([4]byte{10, 231, 0, byte(10 + i)})
}

// HostName is the name of host i (1-based) in ssh_config: h1, h2, ...
func HostName(i int) string { return "h" + strconv.Itoa(i) }

// Subnet is the lab network; no route leads out of it.
func Subnet() netip.Prefix { return netip.PrefixFrom(DeployerAddr, prefixBits).Masked() }

// namespace names the network namespace of a host ("h1") or of the
// deployer ("ctl") in the lab called name.
func namespace(name, member string) string { return name + "-" + member }

var labName = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-z][a-z0-9-]{0,19}$`) })

// safePath is what may appear in the lab directory's path: it is written
// unquoted into ssh_config and NIX_SSHOPTS, which split on white space and
// expand %.
var safePath = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^/[A-Za-z0-9._/+,@:=-]*$`) })

// Options say what lab to bring up.
type Options struct {
	// Dir is the lab directory: state, keys, configs, the Nix stores.
	Dir string
	// Name prefixes the lab's namespace names (NAME-ctl, NAME-h1, ...).
	Name string
	// Hosts is the number of hosts, 1 to MaxHosts.
	Hosts int
	// Link shapes every host's link, each on its own.
	Link Link
	// Relay is the command line that runs RelayMain (the relay's flags are
	// appended). It is needed only when Link.Delay is set.
	Relay []string
	// DeployUser, when set, is a non-root account on every host (only
	// inside the host: its /etc/passwd, /etc/group and /etc/sudoers are
	// the host's own) that logs in with the deployer's key, becomes root
	// with sudo without a password, and adds to the host's store through
	// the host's own nix-daemon, which trusts it.
	DeployUser string
}

// Link is how a host's link is shaped; the zero Link is a plain veth.
type Link struct {
	// Rate limits each direction of the link, in bits per second; 0 does not.
	Rate Rate
	// Delay is added in each direction: the deployer-host round trip gains
	// twice the delay.
	Delay time.Duration
}

// Validate checks the options and fills in defaults.
func (o *Options) Validate() error {
	if o.Name == "" {
		o.Name = DefaultName
	}
	if !labName().MatchString(o.Name) {
		return fmt.Errorf("lab name %q: use 1-20 lowercase letters, digits and dashes, starting with a letter", o.Name)
	}
	if o.Hosts == 0 {
		o.Hosts = DefaultHosts
	}
	if o.Hosts < 1 || o.Hosts > MaxHosts {
		return fmt.Errorf("--hosts %d: a lab has 1 to %d hosts", o.Hosts, MaxHosts)
	}
	dir, err := checkDir(o.Dir)
	if err != nil {
		return err
	}
	o.Dir = dir
	if o.Link.Delay < 0 || o.Link.Delay > MaxDelay {
		return fmt.Errorf("--delay %s: give a delay from 0 to %s", o.Link.Delay, MaxDelay)
	}
	if o.DeployUser != "" && (!deployUserName().MatchString(o.DeployUser) || o.DeployUser == "root") {
		return fmt.Errorf("lab deploy user %q: use a login name of lowercase letters, digits, - and _, not root", o.DeployUser)
	}
	if o.Link.Delay > 0 && len(o.Relay) == 0 {
		return fmt.Errorf("a link delay needs the relay command (Options.Relay)")
	}
	return nil
}

// deployUserName is a login name the lab may add to its hosts.
var deployUserName = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-z_][a-z0-9_-]{0,31}$`) })

// checkDir makes dir absolute and refuses paths the lab cannot use.
func checkDir(dir string) (string, error) {
	if dir == "" {
		return "", fmt.Errorf("no lab directory given (--dir)")
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", fmt.Errorf("lab directory %s: %w", dir, err)
	}
	if !safePath().MatchString(abs) {
		return "", fmt.Errorf("lab directory %q: use a path of letters, digits and ._/+,@:=- only (it is written unquoted into ssh_config)", abs)
	}
	for _, hidden := range []string{"/nix", "/etc/ssh", "/run", "/proc", "/sys", "/dev"} {
		if abs == hidden || strings.HasPrefix(abs, hidden+"/") {
			return "", fmt.Errorf("lab directory %s: it cannot be under %s, which lab hosts mount over or which is not a disk; try /var/tmp/shoal-lab", abs, hidden)
		}
	}
	if abs == "/" {
		return "", fmt.Errorf("lab directory /: give a directory of its own, e.g. /var/tmp/shoal-lab")
	}
	return abs, nil
}

// Rate is a link rate in bits per second.
type Rate int64

var rateUnits = []struct {
	suffix string
	mult   float64
}{{"tbit", 1e12}, {"gbit", 1e9}, {"mbit", 1e6}, {"kbit", 1e3}, {"bit", 1}}

// ParseRate reads a rate as tc writes it: 100mbit, 1gbit, 512kbit, 1.5mbit.
// "" and "0" mean no limit.
func ParseRate(s string) (Rate, error) {
	t := strings.ToLower(strings.TrimSpace(s))
	if t == "" || t == "0" {
		return 0, nil
	}
	if strings.HasSuffix(t, "bps") {
		return 0, fmt.Errorf("rate %q: tc's bps units are bytes per second, which reads ambiguously; write bits, e.g. 100mbit", s)
	}
	for _, u := range rateUnits {
		num, ok := strings.CutSuffix(t, u.suffix)
		if !ok {
			continue
		}
		v, err := strconv.ParseFloat(num, 64)
		if err != nil || v < 0 || math.IsInf(v, 0) || math.IsNaN(v) {
			break
		}
		bits := v * u.mult
		if bits < 8000 || bits > 100e9 {
			return 0, fmt.Errorf("rate %q: give a rate from 8kbit to 100gbit", s)
		}
		return Rate(math.Round(bits)), nil
	}
	return 0, fmt.Errorf("rate %q: write a number and a unit, e.g. 100mbit, 1gbit or 512kbit", s)
}

// String writes the rate in the largest unit that keeps it whole.
func (r Rate) String() string {
	if r == 0 {
		return "unlimited"
	}
	for _, u := range rateUnits {
		m := int64(u.mult)
		if int64(r)%m == 0 {
			return strconv.FormatInt(int64(r)/m, 10) + u.suffix
		}
	}
	return strconv.FormatInt(int64(r), 10) + "bit"
}

// tbfArgs are tc's arguments for a tbf qdisc at rate r: a burst of 10 ms at
// the rate (at least ten full frames), and up to 100 ms of queue.
func tbfArgs(r Rate) []string {
	burst := max(int64(r)/8/100, 10*1514)
	return []string{"tbf", "rate", strconv.FormatInt(int64(r), 10) + "bit", "burst", strconv.FormatInt(burst, 10), "latency", "100ms"}
}
