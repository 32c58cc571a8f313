package fleet

import (
	"net/netip"
	"slices"

	"github.com/shoal-nix/shoal/internal/diag"
	"github.com/shoal-nix/shoal/internal/tomltree"
)

// Ref is a name written in the fleet file, with where it was written.
type Ref = tomltree.Item

// Fleet is the decoded fleet file.
type Fleet struct {
	File string // the file name diagnostics use
	Doc  *tomltree.Doc

	Name      string
	NixOS     string // the NixOS release the generated flake pins
	Domain    string // DNS domain of the machines: NAME.DOMAIN reaches a machine on the LAN
	AdminKeys []Ref  // SSH keys that may log in as the deploy user
	// AgeRecipients are age public keys (age1...) that secrets are
	// encrypted to besides AdminKeys.
	AgeRecipients []Ref
	Inputs        []Input
	Overlays      []Ref  // overlay files, relative to the fleet directory
	Deploy        Deploy // how deploy reaches every machine ([fleet] deploy)
	// Health are the [health] checks, by feature, in file order.
	Health []FeatureHealth
	// Flake is the layout of the generated flake: FlakeParts (the
	// default) or FlakePlain.
	Flake string

	Defaults []Setting // fleet-wide setting values, below profiles and machines

	Networks []*Network // in file order
	Users    []*User
	Machines []*Machine
	Services []*Service
	Secrets  []*Secret

	users    map[string]*User
	machines map[string]*Machine
}

// Input is a flake input the fleet adds beside nixpkgs.
type Input struct {
	Name string
	URL  string
	Path diag.Path
}

// Network is a [networks.NAME] table: a network some machines share,
// over which they reach each other's services.
type Network struct {
	Name string
	Path diag.Path
	Kind string       // lan | tailnet | internet
	CIDR netip.Prefix // the network's addresses; zero when not told
}

// Network kinds: a local network, a Tailscale (or other VPN) tailnet, and
// the internet, where anyone may connect.
const (
	LAN      = "lan"
	Tailnet  = "tailnet"
	Internet = "internet"
)

// NetworkKinds lists the kinds a [networks.NAME] table takes, most
// preferred first: wiring uses a LAN over a tailnet over the internet.
var NetworkKinds = []string{LAN, Tailnet, Internet}

// Address is a machine's address on one network.
type Address struct {
	Network string
	Host    string // an IP address or a DNS name
	Path    diag.Path
}

// User is a login account declared once and placed on machines.
type User struct {
	Name        string
	Path        diag.Path
	Description string
	Groups      []Ref
	SSHKeys     []Ref
	Shell       string
	// HashedPassword is a crypt(3) hash (users.users.NAME.hashedPassword);
	// PasswordFile an absolute path on the machine to a file holding one
	// (hashedPasswordFile). Empty Value: not set.
	HashedPassword Ref
	PasswordFile   Ref
	// PasswordSecret names the [secrets.NAME] that holds the hash
	// (password_file = { secret = "NAME" }); PasswordFile is then that
	// secret's destination, once the secret is declared.
	PasswordSecret Ref
}

// Machine is one host of the fleet.
type Machine struct {
	Name     string
	Path     diag.Path
	Hostname string // defaults to Name
	Profile  Ref    // empty Value: the base profile
	Features []Ref
	Tags     []Ref
	Users    []Ref
	Address  string
	// Addresses are the machine's addresses on the fleet's networks, in
	// file order; empty when the machine gives none.
	Addresses []Address
	System    string // Nix system, e.g. x86_64-linux
	Public    *bool  // explicit exposure; nil means "judge by the address"
	Hardware  Hardware
	Settings  []Setting
	NixOS     []RawOption
	Modules   []Ref
	Deploy    Deploy // how deploy reaches this machine, over the fleet's
	// Health are the machine's own health checks (health = [...]).
	Health []HealthCheck
	// HostKey is the machine's SSH host public key ("ssh-ed25519 ..."):
	// the secrets it receives are encrypted to it.
	HostKey Ref
	Boot    *Boot // nil: not told
	Disk    *Disk // nil: no declarative disk layout
}

// Secret is a [secrets.NAME] table: a file some machines receive at
// deploy, kept encrypted in the fleet repository or made on demand.
type Secret struct {
	Name string
	Path diag.Path
	// Receivers are selectors: machine names, @tags, @all, or a
	// service role as SERVICE.ROLE ("backup.clients").
	Receivers   []Ref
	Destination string // absolute path on the machine; "" for the default
	Owner       string // "root" unless told
	Group       string // "root" unless told
	Mode        uint32 // 0o400 unless told
	Source      string // SourceFile, SourceCommand, SourceGenerator or SourceExternal
	Command     string // for SourceCommand: a shell command whose output is the secret
	Generator   Generator
	// PerMachine gives each receiving machine its own value, stored as
	// secrets/NAME/MACHINE.age and encrypted to the admins and that
	// machine only: a backup client's credentials.
	PerMachine bool
}

// Sources of a secret's content.
const (
	SourceFile      = "file"      // secrets/NAME.age in the fleet repository
	SourceCommand   = "command"   // the output of a command run where shoal runs
	SourceGenerator = "generator" // made by shoal secrets generate, then kept as a file
	// SourceExternal: another tool (agenix, sops-nix) puts the file at its
	// destination; shoal neither stores nor uploads it.
	SourceExternal = "external"
)

// Generator says how shoal secrets generate makes a secret.
type Generator struct {
	Kind   string // password | hex | htpasswd | crypt | ssh-ed25519 | wireguard
	Length int    // password: characters; hex: bytes
	// Users maps htpasswd user names to the secrets holding their
	// passwords, in file order.
	Users []HtpasswdUser
	// UsersFrom names a per-machine secret whose receivers are the
	// htpasswd file's users, each with the password in its value (its
	// RESTIC_REST_PASSWORD= line, or the whole value): a new backup client
	// gets its line with nothing written by hand.
	UsersFrom Ref
	Path      diag.Path
}

// HtpasswdUser is one line of a generated .htpasswd file.
type HtpasswdUser struct {
	User   string
	Secret Ref
}

// Generator kinds.
var GeneratorKinds = []string{"crypt", "hex", "htpasswd", "password", "restic-rest", "ssh-ed25519", "wireguard"}

// Secret returns the secret named name, or nil.
func (f *Fleet) Secret(name string) *Secret {
	for _, s := range f.Secrets {
		if s.Name == name {
			return s
		}
	}
	return nil
}

// Hardware holds the facts about a machine that features and tuning need.
// Zero values mean "not told".
type Hardware struct {
	CPU    string // intel | amd | arm | other
	GPU    []Ref  // nvidia | amd | intel
	Memory Size
	Disk   Size
	Cores  int64
	Form   string // laptop | desktop | server | vm
}

// Setting is a value given to one setting of one feature.
type Setting struct {
	Feature string
	Name    string
	Value   *tomltree.Node
	Path    diag.Path
	// FeaturePath points at the feature's table, for unknown-feature reports.
	FeaturePath diag.Path
}

// RawOption is a NixOS option set directly: nixos."services.openssh.ports".
type RawOption struct {
	Option string
	Value  *tomltree.Node
	Path   diag.Path
}

// Service is a [services.NAME] table of the fleet file: a fleet service of
// the catalog, its roles given to machines and its options. The catalog
// says which keys are which; resolve reads Table against it.
type Service struct {
	Kind  string // the service's name in the catalog
	Path  diag.Path
	Table *tomltree.Node
}

// PlaceholderDevice is the disk device shoal init and shoal new machine
// write until the user names the machine's real disk; check warns about it.
const PlaceholderDevice = "/dev/disk/by-id/CHANGE-ME"

// Layouts of the generated flake, as [fleet] flake names them.
const (
	FlakeParts = "flake-parts" // the default: flake.nix calls flake-parts' mkFlake on flake/
	FlakePlain = "plain"       // flake.nix imports flake/, with no input besides nixpkgs
)

// FlakeLayouts lists the layouts [fleet] flake takes.
var FlakeLayouts = []string{FlakeParts, FlakePlain}

// CPU vendors, GPU vendors and form factors the fleet file accepts.
var (
	CPUVendors  = []string{"amd", "arm", "intel", "other"}
	GPUVendors  = []string{"amd", "intel", "nvidia"}
	FormFactors = []string{"container", "desktop", "laptop", "server", "vm"}
	Systems     = []string{"aarch64-linux", "x86_64-linux"}
)

// User returns the user named name, or nil.
func (f *Fleet) User(name string) *User { return f.users[name] }

// Machine returns the machine named name, or nil.
func (f *Fleet) Machine(name string) *Machine { return f.machines[name] }

// Network returns the network named name, or nil.
func (f *Fleet) Network(name string) *Network {
	for _, n := range f.Networks {
		if n.Name == name {
			return n
		}
	}
	return nil
}

// NetworkNames returns the network names in file order.
func (f *Fleet) NetworkNames() []string {
	names := make([]string, len(f.Networks))
	for i, n := range f.Networks {
		names[i] = n.Name
	}
	return names
}

// MachineNames returns the machine names in file order.
func (f *Fleet) MachineNames() []string {
	names := make([]string, len(f.Machines))
	for i, m := range f.Machines {
		names[i] = m.Name
	}
	return names
}

// UserNames returns the user names in file order.
func (f *Fleet) UserNames() []string {
	names := make([]string, len(f.Users))
	for i, u := range f.Users {
		names[i] = u.Name
	}
	return names
}

// Tags returns every tag used by a machine, sorted.
func (f *Fleet) Tags() []string {
	var tags []string
	for _, m := range f.Machines {
		for _, t := range m.Tags {
			tags = append(tags, t.Value)
		}
	}
	slices.Sort(tags)
	return slices.Compact(tags)
}

// HasTag reports whether m carries tag.
func (m *Machine) HasTag(tag string) bool {
	return slices.ContainsFunc(m.Tags, func(r Ref) bool { return r.Value == tag })
}

// IsPublic reports whether the machine is reachable from the internet: told
// so explicitly, or its address is a globally routable IP address.
func (m *Machine) IsPublic() bool {
	if m.Public != nil {
		return *m.Public
	}
	a, err := netip.ParseAddr(m.Address)
	if err != nil {
		return false
	}
	cgnat := netip.MustParsePrefix("100.64.0.0/10")
	return !(a.IsLoopback() || a.IsPrivate() || a.IsLinkLocalUnicast() || a.IsUnspecified() || cgnat.Contains(a))
}
