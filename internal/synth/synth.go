package synth

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
)

// Profiles and their share of a fleet, in percent.
var profileMix = []struct {
	name  string
	share int
}{
	{"server", 50},
	{"desktop", 25},
	{"developer", 20},
	{"base", 5},
}

var (
	serverRoles  = []string{"web", "db", "cache", "ci", "git", "mail", "proxy", "dns", "vpn", "build", "queue", "search"}
	sites        = []string{"fra1", "ams2", "nyc3", "sfo1", "home"}
	offices      = []string{"office-berlin", "office-paris", "office-lisbon", "remote"}
	teams        = []string{"team-platform", "team-data", "team-web", "team-mobile"}
	desktopNames = []string{"ws", "pc", "family", "studio", "kiosk", "lab"}
	baseNames    = []string{"edge", "sensor", "pi", "relay"}
	firstNames   = []string{
		"alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy",
		"mallory", "niaj", "olivia", "peggy", "rupert", "sybil", "trent", "victor", "walter", "yara",
		"zoe", "amir", "bea", "chen", "dmitri", "elif", "farah", "goran", "hana", "ines",
	}
	timezones    = []string{"Europe/Berlin", "Europe/Paris", "America/New_York", "UTC", "Asia/Tokyo"}
	languages    = []string{"c", "go", "java", "node", "python", "rust"}
	editors      = []string{"neovim", "vscode", "emacs", "helix"}
	environments = []string{"gnome", "gnome", "gnome", "plasma", "plasma", "hyprland"}
)

// Fleet returns the text of a shoal.toml with n machines. The same n and
// seed always give the same bytes.
func Fleet(n int, seed int64) []byte {
	g := &gen{rng: rand.New(rand.NewPCG(uint64(seed), 0x5ee0a1)), n: max(n, 0)}
	g.users()
	g.machines()
	return g.write()
}

type gen struct {
	rng *rand.Rand
	n   int

	userList []user
	names    []string // every user's name
	admins   []string // users who administer servers
	list     []*machine
	tags     map[string]bool
	public   int // public addresses handed out
}

type user struct {
	name, description, shell string
	groups, keys             []string
}

type machine struct {
	name, profile, hostname string
	address, system         string
	public                  bool // written as public = true
	cpu, form               string
	gpu                     []string
	memoryGiB, cores        int
	disk                    string
	features, tags, users   []string
	settings                []kv // "feature.name" = literal
	nixos                   []kv // option path = literal
	hardwareTable           bool // [machines.x.hardware] rather than inline
}

type kv struct{ key, value string }

func (g *gen) pick(list []string) string { return list[g.rng.IntN(len(list))] }
func (g *gen) chance(percent int) bool   { return g.rng.IntN(100) < percent }
func (g *gen) between(lo, hi int) int    { return lo + g.rng.IntN(hi-lo+1) }

func (g *gen) pickInts(list []int) int { return list[g.rng.IntN(len(list))] }

// subset returns between 1 and max elements of list, in list order.
func (g *gen) subset(list []string, most int) []string {
	k := g.between(1, min(most, len(list)))
	idx := g.rng.Perm(len(list))[:k]
	slices.Sort(idx)
	out := make([]string, k)
	for i, j := range idx {
		out[i] = list[j]
	}
	return out
}

// sshKey makes a plausible ed25519 public key line.
func (g *gen) sshKey(comment string) string {
	var raw [32]byte
	for i := range raw {
		raw[i] = byte(g.rng.UintN(256))
	}
	// The wire format of an ed25519 key: length-prefixed type, length-prefixed key.
	blob := append([]byte("\x00\x00\x00\x0bssh-ed25519\x00\x00\x00\x20"), raw[:]...)
	return "ssh-ed25519 " + base64.StdEncoding.EncodeToString(blob) + " " + comment
}

func (g *gen) users() {
	count := max(1, g.n/20)
	for i := range count {
		name := firstNames[i%len(firstNames)]
		if i >= len(firstNames) {
			name += strconv.Itoa(i/len(firstNames) + 1)
		}
		u := user{name: name, description: strings.ToUpper(name[:1]) + name[1:], shell: g.pick([]string{"bash", "bash", "zsh", "fish"})}
		admin := i%5 == 0
		switch {
		case admin:
			u.description += " (operations)"
			u.groups = []string{"wheel", "systemd-journal"}
			g.admins = append(g.admins, name)
		case g.chance(50):
			u.groups = []string{"networkmanager", "docker"}
		default:
			u.groups = []string{"networkmanager"}
		}
		for k := range g.between(1, 2) {
			u.keys = append(u.keys, g.sshKey(fmt.Sprintf("%s@device%d", name, k+1)))
		}
		g.userList = append(g.userList, u)
		g.names = append(g.names, name)
	}
}

func (g *gen) profile(i int) string {
	// The first two machines host the fleet's services, so every fleet has
	// somewhere for agents and backups to go.
	if i < 2 {
		return "server"
	}
	r := g.rng.IntN(100)
	for _, p := range profileMix {
		if r < p.share {
			return p.name
		}
		r -= p.share
	}
	return "server"
}

func (g *gen) machines() {
	g.tags = map[string]bool{}
	width := max(3, len(strconv.Itoa(g.n)))
	for i := range g.n {
		m := &machine{profile: g.profile(i), system: "x86_64-linux"}
		idx := fmt.Sprintf("%0*d", width, i+1)
		switch m.profile {
		case "server":
			g.server(m, i, idx)
		case "desktop", "developer":
			g.desktop(m, i, idx)
		default:
			g.base(m, i, idx)
		}
		if g.chance(3) {
			m.hostname = m.name + "-" + g.pick(sites)
		}
		m.hardwareTable = g.chance(20)
		for _, t := range m.tags {
			g.tags[t] = true
		}
		g.list = append(g.list, m)
	}
}

// privateAddress is unique per machine index.
func privateAddress(prefix string, i int) string {
	return fmt.Sprintf("%s.%d.%d.%d", prefix, i/62500, i/250%250, i%250+1)
}

// publicAddress hands out addresses from the documentation ranges, which
// count as public; it returns "" when they are used up.
func (g *gen) publicAddress() string {
	nets := []string{"203.0.113", "198.51.100", "192.0.2"}
	k := g.public
	if k >= len(nets)*254 {
		return ""
	}
	g.public++
	return fmt.Sprintf("%s.%d", nets[k/254], k%254+1)
}

func (g *gen) server(m *machine, i int, idx string) {
	role := g.pick(serverRoles)
	switch i {
	case 0:
		role = "metrics"
	case 1:
		role = "nas"
	}
	m.name = role + "-" + idx
	site := g.pick(sites)
	m.tags = []string{role, site}
	if g.chance(75) {
		m.tags = append(m.tags, "prod")
	} else {
		m.tags = append(m.tags, "staging")
	}

	m.form = "server"
	if i > 1 && g.chance(40) {
		m.form = "vm"
	}
	if i > 1 && g.chance(12) {
		m.system, m.cpu = "aarch64-linux", "arm"
	} else {
		m.cpu = g.pick([]string{"intel", "amd"})
	}
	if m.form == "vm" {
		m.memoryGiB = g.pickInts([]int{2, 4, 8, 16})
		m.disk = g.pick([]string{"40GB", "80GB", "160GB"})
		m.cores = g.pickInts([]int{1, 2, 4, 8})
	} else {
		m.memoryGiB = g.pickInts([]int{16, 32, 64, 128, 256})
		m.disk = g.pick([]string{"480GB", "960GB", "2TB", "4TB"})
		m.cores = g.pickInts([]int{8, 16, 24, 32, 64})
	}
	if i == 1 {
		m.disk = g.pick([]string{"8TB", "16TB", "24TB"})
		m.tags[0] = "storage"
	}
	if i == 0 && g.n > 1000 {
		// Prometheus and Loki's disk grows with the machines they watch
		// (about 3 GiB a machine, SH126): past a thousand, no stock disk
		// above holds it. Smaller fleets stay as they were.
		m.disk = strconv.Itoa((4*g.n+999)/1000) + "TB"
	}

	switch {
	case i < 2:
		m.address = privateAddress("10", i)
	case g.chance(6):
		if a := g.publicAddress(); a != "" {
			m.address = a
			m.tags = append(m.tags, "public")
		} else {
			m.address = privateAddress("10", i)
		}
	case g.chance(15):
		m.address = m.name + "." + site + ".example.net"
		if g.chance(30) {
			m.public = true
			m.tags = append(m.tags, "public")
		}
	default:
		m.address = privateAddress("10", i)
	}

	if m.system == "x86_64-linux" && m.form == "server" && i > 1 && g.chance(4) {
		m.gpu = []string{"nvidia"}
		m.features = append(m.features, "gpu-nvidia")
		m.tags = append(m.tags, "gpu")
		if g.chance(30) {
			m.settings = append(m.settings, kv{"gpu-nvidia.open", "false"})
		}
	}
	switch {
	case g.chance(30):
		m.features = append(m.features, "docker")
	case g.chance(12):
		m.features = append(m.features, "podman")
		if g.chance(50) {
			m.settings = append(m.settings, kv{"podman.docker_compat", "true"})
		}
	}
	if m.memoryGiB <= 8 && g.chance(60) {
		m.features = append(m.features, "zram")
		m.settings = append(m.settings, kv{"zram.memory_percent", strconv.Itoa(g.pickInts([]int{25, 50, 100}))})
	}

	if role == "vpn" || g.chance(10) {
		m.features = append(m.features, "tailscale")
		if role == "vpn" {
			m.settings = append(m.settings, kv{"tailscale.routing", `"server"`})
		}
	}

	m.users = g.subset(g.admins, 2)
	if g.chance(10) {
		m.settings = append(m.settings, kv{"ssh.port", "2222"})
	}
	// Strict hardening locks kernel modules, which container engines
	// need later: the catalog refuses the pair.
	if g.chance(20) && !slices.Contains(m.features, "docker") && !slices.Contains(m.features, "podman") {
		m.settings = append(m.settings, kv{"hardening.level", `"strict"`})
	}
	if g.chance(10) {
		m.settings = append(m.settings, kv{"core.timezone", quote(g.pick(timezones))})
	}

	if g.chance(30) {
		m.nixos = append(m.nixos, kv{"services.openssh.openFirewall", "true"})
	}
	if m.form == "server" && g.chance(40) {
		m.nixos = append(m.nixos, kv{"services.smartd.enable", "true"})
	}
	if (role == "web" || role == "proxy") && g.chance(70) {
		m.nixos = append(m.nixos, kv{"networking.firewall.allowedTCPPorts", "[80, 443]"})
	}
	if g.chance(15) {
		m.nixos = append(m.nixos, kv{"services.fail2ban.maxretry", strconv.Itoa(g.between(3, 10))})
	}
	if g.chance(10) {
		m.nixos = append(m.nixos, kv{"boot.tmp.cleanOnBoot", "true"})
	}
}

func (g *gen) desktop(m *machine, i int, idx string) {
	prefix := g.pick(desktopNames)
	if m.profile == "developer" {
		prefix = "dev"
	}
	m.name = prefix + "-" + idx
	m.form = "desktop"
	if g.chance(45) {
		m.form = "laptop"
	}
	m.cpu = g.pick([]string{"intel", "amd"})
	if g.chance(5) {
		m.system, m.cpu = "aarch64-linux", "arm"
	}

	switch {
	case m.system != "x86_64-linux":
	case m.form == "laptop":
		m.gpu = []string{"intel"}
		if m.cpu == "amd" {
			m.gpu = []string{"amd"}
		}
		if g.chance(30) {
			m.gpu = append(m.gpu, "nvidia")
		}
	default:
		m.gpu = []string{g.pick([]string{"nvidia", "nvidia", "amd", "amd", "intel"})}
	}
	if slices.Contains(m.gpu, "nvidia") {
		m.features = append(m.features, "gpu-nvidia")
	}
	if slices.Contains(m.gpu, "amd") && m.form == "desktop" {
		m.features = append(m.features, "gpu-amd")
	}
	if slices.Equal(m.gpu, []string{"intel"}) {
		m.features = append(m.features, "gpu-intel")
	}

	m.memoryGiB = g.pickInts([]int{8, 16, 16, 32, 32, 64})
	m.disk = g.pick([]string{"512GB", "1TB", "1TB", "2TB"})
	m.cores = g.pickInts([]int{4, 8, 12, 16})
	if m.profile == "developer" {
		m.memoryGiB = max(m.memoryGiB, 16)
	}

	env := g.pick(environments)
	m.settings = append(m.settings, kv{"desktop.environment", quote(env)})
	if m.form == "laptop" {
		m.features = append(m.features, "laptop")
		if env == "hyprland" && g.chance(50) {
			m.settings = append(m.settings, kv{"laptop.power_manager", `"tlp"`})
		}
	}
	if m.form == "desktop" && m.system == "x86_64-linux" && m.memoryGiB >= 16 && g.chance(30) {
		m.features = append(m.features, "gaming")
		m.tags = append(m.tags, "gaming")
	}
	if m.memoryGiB <= 8 && g.chance(50) {
		m.features = append(m.features, "zram")
	}
	if m.form == "laptop" && g.chance(30) {
		m.features = append(m.features, "tailscale")
		m.settings = append(m.settings, kv{"tailscale.routing", `"client"`})
	}
	if m.profile == "developer" && g.chance(25) {
		m.features = append(m.features, "virtualization")
		if g.chance(50) {
			m.settings = append(m.settings, kv{"virtualization.tpm", "false"})
		}
	}

	m.tags = append([]string{"workstation", g.pick(offices)}, m.tags...)
	if m.profile == "developer" {
		m.tags = append(m.tags, g.pick(teams))
		m.settings = append(m.settings,
			kv{"development.languages", list(g.subset(languages, 3))},
			kv{"development.editors", list(g.subset(editors, 2))})
	}
	m.users = g.subset(g.names, 3)

	switch {
	case g.chance(40):
		m.address = privateAddress("10", i)
	case g.chance(50):
		m.address = m.name + ".lan"
	}
	if g.chance(10) {
		m.settings = append(m.settings, kv{"core.keymap", quote(g.pick([]string{"de", "fr", "us"}))})
	}
	if g.chance(35) {
		m.nixos = append(m.nixos, kv{"services.fwupd.enable", "true"})
	}
	if m.form == "laptop" && m.cpu == "intel" && g.chance(60) {
		m.nixos = append(m.nixos, kv{"services.thermald.enable", "true"})
	}
	if m.form == "laptop" && g.chance(50) {
		m.nixos = append(m.nixos, kv{"hardware.bluetooth.enable", "true"})
	}
	if g.chance(20) {
		m.nixos = append(m.nixos, kv{"programs.firefox.enable", "true"})
	}
}

func (g *gen) base(m *machine, i int, idx string) {
	m.name = g.pick(baseNames) + "-" + idx
	m.form = g.pick([]string{"server", "vm"})
	if g.chance(50) {
		m.system, m.cpu = "aarch64-linux", "arm"
	} else {
		m.cpu = g.pick([]string{"intel", "amd"})
	}
	m.memoryGiB = g.pickInts([]int{1, 2, 4})
	m.disk = g.pick([]string{"32GB", "64GB", "128GB"})
	m.cores = g.pickInts([]int{1, 2, 4})
	m.tags = []string{"edge", g.pick(sites)}
	m.address = privateAddress("10", i)
	if g.chance(60) {
		m.features = append(m.features, "zram")
		m.settings = append(m.settings, kv{"zram.memory_percent", "100"})
	}
	if g.chance(25) {
		m.features = append(m.features, "wifi")
		if g.chance(40) {
			m.settings = append(m.settings, kv{"wifi.backend", `"wpa_supplicant"`})
		}
	}
	if g.chance(50) {
		m.users = []string{g.pick(g.admins)}
	}
	if g.chance(30) {
		m.nixos = append(m.nixos, kv{"programs.tmux.enable", "true"})
	}
}

func (g *gen) write() []byte {
	var b bytes.Buffer
	b.Grow(g.n*700 + 4096)
	fmt.Fprintf(&b, "# A synthetic fleet of %d machines, written by shoal's synth package.\n\n", g.n)
	b.WriteString("[fleet]\n")
	fmt.Fprintf(&b, "name = \"synth-%d\"\n", g.n)
	b.WriteString("nixos = \"26.05\"\n")
	fmt.Fprintf(&b, "admin_keys = [\n  %s,\n  %s,\n]\n\n", quote(g.sshKey("admin@ops")), quote(g.sshKey("deploy@ci")))
	// Every machine is on one tailnet, over which the fleet's services
	// reach each other.
	b.WriteString("[networks.tailnet]\nkind = \"tailnet\"\ncidr = \"100.64.0.0/10\"\n\n")

	b.WriteString("[defaults]\n")
	fmt.Fprintf(&b, "timezone = %s\n", quote(g.pick(timezones)))
	b.WriteString("locale = \"en_US.UTF-8\"\n")
	b.WriteString("state_version = \"26.05\"\n")
	b.WriteString("kernel = \"lts\"\n\n")
	b.WriteString("[defaults.settings.nix]\n")
	b.WriteString("gc_keep = \"14d\"\n\n")

	for _, u := range g.userList {
		fmt.Fprintf(&b, "[users.%s]\n", u.name)
		fmt.Fprintf(&b, "description = %s\n", quote(u.description))
		fmt.Fprintf(&b, "groups = %s\n", list(u.groups))
		fmt.Fprintf(&b, "ssh_keys = %s\n", list(u.keys))
		fmt.Fprintf(&b, "shell = %s\n", quote(u.shell))
		fmt.Fprintf(&b, "hashed_password = %s\n\n", quote(fakeHash(u.name)))
	}

	for i, m := range g.list {
		g.writeMachine(&b, m, i)
	}

	if len(g.list) > 0 {
		g.writeServices(&b)
	}
	return b.Bytes()
}

func (g *gen) writeMachine(b *bytes.Buffer, m *machine, i int) {
	fmt.Fprintf(b, "[machines.%s]\n", m.name)
	if m.profile != "base" || g.chance(50) {
		fmt.Fprintf(b, "profile = %s\n", quote(m.profile))
	}
	if m.hostname != "" {
		fmt.Fprintf(b, "hostname = %s\n", quote(m.hostname))
	}
	if m.address != "" {
		fmt.Fprintf(b, "address = %s\n", quote(m.address))
	}
	fmt.Fprintf(b, "addresses = { tailnet = \"100.%d.%d.%d\" }\n", 64+i/62500, i/250%250, i%250+1)
	if m.public {
		b.WriteString("public = true\n")
	}
	if m.system != "x86_64-linux" || g.chance(10) {
		fmt.Fprintf(b, "system = %s\n", quote(m.system))
	}
	if len(m.features) > 0 {
		fmt.Fprintf(b, "features = %s\n", list(m.features))
	}
	fmt.Fprintf(b, "tags = %s\n", list(m.tags))
	if len(m.users) > 0 {
		fmt.Fprintf(b, "users = %s\n", list(m.users))
	}
	fmt.Fprintf(b, "disk = %s\n", diskFor(m))
	hw := []kv{{"cpu", quote(m.cpu)}}
	if len(m.gpu) > 0 {
		hw = append(hw, kv{"gpu", list(m.gpu)})
	}
	hw = append(hw,
		kv{"memory", quote(strconv.Itoa(m.memoryGiB) + "GiB")},
		kv{"disk", quote(m.disk)},
		kv{"cores", strconv.Itoa(m.cores)},
		kv{"form", quote(m.form)})
	if !m.hardwareTable {
		b.WriteString("hardware = { ")
		for i, f := range hw {
			if i > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(b, "%s = %s", f.key, f.value)
		}
		b.WriteString(" }\n")
	}
	for _, s := range m.settings {
		fmt.Fprintf(b, "settings.%s = %s\n", s.key, s.value)
	}
	for _, o := range m.nixos {
		fmt.Fprintf(b, "nixos.%s = %s\n", quote(o.key), o.value)
	}
	if m.hardwareTable {
		fmt.Fprintf(b, "\n[machines.%s.hardware]\n", m.name)
		for _, f := range hw {
			fmt.Fprintf(b, "%s = %s\n", f.key, f.value)
		}
	}
	b.WriteString("\n")
}

// writeServices puts monitoring and logs on the first machine and backups
// on the second, with selectors naming only tags that some machine has.
func (g *gen) writeServices(b *bytes.Buffer) {
	monitor := g.list[0].name
	store := monitor
	if len(g.list) > 1 {
		store = g.list[1].name
	}
	b.WriteString("[services.monitoring]\n")
	fmt.Fprintf(b, "server = [%s]\n", quote(monitor))
	b.WriteString("agents = [\"@all\"]\n")
	b.WriteString("retention = \"30d\"\n")
	b.WriteString("scrape_interval = \"30s\"\n\n")

	logged := "@all"
	if g.tags["prod"] {
		logged = "@prod"
	}
	b.WriteString("[services.logs]\n")
	fmt.Fprintf(b, "server = [%s]\n", quote(monitor))
	fmt.Fprintf(b, "agents = [%s]\n", quote(logged))
	b.WriteString("retention = \"90d\"\n\n")

	// The backup server is never one of its clients (check warns: its
	// backups would sit on the disks they are meant to outlive).
	storeTags := g.list[min(1, len(g.list)-1)].tags
	var clients []string
	for _, t := range []string{"workstation", "db", "git", "mail"} {
		if g.tags[t] && !slices.Contains(storeTags, t) {
			clients = append(clients, "@"+t)
		}
	}
	for _, m := range g.list[min(2, len(g.list)):] {
		if m.profile == "server" && !slices.Contains(m.tags, "db") {
			clients = append(clients, m.name)
			break
		}
	}
	if len(clients) == 0 {
		for _, m := range g.list {
			if m.name != store {
				clients = append(clients, m.name)
			}
		}
	}
	b.WriteString("[services.backup]\n")
	fmt.Fprintf(b, "server = [%s]\n", quote(store))
	if len(clients) > 0 { // a fleet of one machine has nothing to back up elsewhere
		fmt.Fprintf(b, "clients = %s\n", list(clients))
	}
	b.WriteString("schedule = \"daily\"\n")
	b.WriteString("keep_daily = 7\n")
	b.WriteString("keep_weekly = 4\n")
	b.WriteString("keep_monthly = 6\n")
	// The backup's and Grafana's secret files, put in place by another tool: a synthetic
	// fleet has no host keys to encrypt to.
	for _, name := range []string{"restic-password", "restic-environment", "restic-htpasswd", "grafana-secret-key", "grafana-admin-password"} {
		fmt.Fprintf(b, "\n[secrets.%s]\nsource = \"external\"\ndestination = %s\n", name, quote("/var/lib/shoal/secrets/"+name))
	}
}

// quote writes s as a TOML basic string. Generated text is plain ASCII, so
// only quotes and backslashes need escaping.
func quote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c < 0x20 || c == 0x7f:
			fmt.Fprintf(&b, "\\u%04x", c)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}

func list(items []string) string {
	quoted := make([]string, len(items))
	for i, s := range items {
		quoted[i] = quote(s)
	}
	return "[" + strings.Join(quoted, ", ") + "]"
}

// fakeHash is a well-formed yescrypt hash derived from the user's name:
// the fleet checks clean, and nobody can log in with it.
func fakeHash(name string) string {
	const b64 = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	sum := sha256.Sum256([]byte("synth " + name))
	var out []byte
	for i := range 59 {
		out = append(out, b64[int(sum[i%len(sum)]+byte(i))%len(b64)])
	}
	return "$y$j9T$" + string(out[:16]) + "$" + string(out[16:])
}

// diskFor is a disk layout for a machine, varied by its name (not by the
// generator's random source, so that the rest of the fleet stays as it was).
func diskFor(m *machine) string {
	sum := sha256.Sum256([]byte(m.name))
	boot := "uefi"
	if m.form == "vm" && sum[0]%2 == 0 {
		boot = "bios"
	}
	fs := []string{"ext4", "ext4", "btrfs", "xfs"}[sum[1]%4]
	dev := "/dev/nvme0n1"
	if m.form == "vm" {
		dev = "/dev/vda"
	}
	s := fmt.Sprintf("{ device = %s, boot = %s, fs = %s", quote(dev), quote(boot), quote(fs))
	if m.form == "laptop" {
		s += ", luks = true"
	}
	if sum[2]%3 == 0 {
		s += ", swap = \"4GiB\""
	}
	return s + " }"
}
