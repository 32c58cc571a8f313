package fleet

import (
	"fmt"
	"net/netip"
	"path"
	"slices"
	"strings"

	"github.com/shoal-nix/shoal/internal/diag"
	"github.com/shoal-nix/shoal/internal/layout"
	"github.com/shoal-nix/shoal/internal/tomltree"
)

// DefaultsShorthands are the [defaults] keys that stand for core settings.
var DefaultsShorthands = []string{"timezone", "locale", "state_version", "kernel", "keymap"}

// Parse decodes a fleet file. It always returns a Fleet, possibly partial,
// and the diagnostics found.
func Parse(name string, src []byte) (*Fleet, diag.List) {
	doc, diags := tomltree.Parse(name, src)
	f := &Fleet{File: name, Doc: doc, Flake: FlakeParts, users: map[string]*User{}, machines: map[string]*Machine{}}
	if doc.Root == nil || diags.HasErrors() {
		return f, diags
	}
	p := parser{f: f, d: tomltree.Decoder{File: name, Diags: &diags, Elsewhere: elsewhere, Paths: &tomltree.Paths{}}}
	p.fleet(doc.Root)
	p.checkDeploy()
	p.passwordSecrets()
	return f, diags
}

type parser struct {
	f *Fleet
	d tomltree.Decoder
}

func (p *parser) fleet(root *tomltree.Node) {
	if root.Len() == 0 {
		p.d.Diags.Errorf(diag.CodeMissing, p.f.File, nil, "the fleet file is empty").
			Hintf("start with a [fleet] table naming the fleet and a [machines.NAME] table; `shoal demo` shows a whole example")
		return
	}
	p.d.Fields(root, nil, "the fleet file", []string{"fleet", "defaults", "networks", "users", "machines", "services", "secrets", "health"}, func(key string, v *tomltree.Node, path diag.Path) {
		switch key {
		case "fleet":
			p.fleetTable(v, path)
		case "defaults":
			p.defaults(v, path)
		case "networks":
			p.named(v, path, "[networks]", networkName, networkRule, p.network)
		case "users":
			p.named(v, path, "[users]", userName, userRule, p.user)
		case "machines":
			// One map and one slice of the right size, rather than grown
			// machine by machine through every size below it.
			p.f.machines = make(map[string]*Machine, v.Len())
			p.f.Machines = make([]*Machine, 0, v.Len())
			p.named(v, path, "[machines]", machineName, machineRule, p.machine)
		case "services":
			p.services(v, path)
		case "secrets":
			p.named(v, path, "[secrets]", secretName, secretRule, p.secret)
		case "health":
			p.healthTable(v, path)
		}
	})
	if root.Get("fleet") == nil {
		p.d.Diags.Errorf(diag.CodeMissing, p.f.File, nil, "the fleet file has no [fleet] table").
			Hintf("add [fleet] with name = \"...\" and nixos = \"26.05\"")
	}
	if root.Get("machines") == nil {
		p.d.Diags.Warnf(diag.CodeNoMachines, p.f.File, nil, "the fleet has no machines").
			Hintf("add a [machines.NAME] table with a profile; `shoal demo` shows a whole fleet")
	}
}

func (p *parser) fleetTable(v *tomltree.Node, path diag.Path) {
	p.d.Fields(v, path, "[fleet]", []string{"name", "nixos", "domain", "admin_keys", "age_recipients", "inputs", "overlays", "deploy", "flake"}, func(key string, v *tomltree.Node, path diag.Path) {
		switch key {
		case "name":
			p.f.Name, _ = p.d.String(v, path, "fleet.name")
		case "nixos":
			if v.Kind == tomltree.Float {
				p.d.Diags.Errorf(diag.CodeWrongType, p.f.File, path, "fleet.nixos must be a string, not a number").
					Hintf("write nixos = %q, in quotes: TOML reads 24.10 as the number 24.1", fmt.Sprintf("%.2f", v.Float()))
				return
			}
			if s, ok := p.d.String(v, path, "fleet.nixos"); ok {
				if !isRelease(s) {
					p.d.Diags.Errorf(diag.CodeInvalidValue, p.f.File, path, "%q is not a NixOS release", s).
						Hintf("write a release such as \"26.05\" or \"unstable\"")
				}
				p.f.NixOS = s
			}
		case "domain":
			if s, ok := p.d.String(v, path, "fleet.domain"); ok {
				if problem := domainProblem(s); problem != "" {
					p.d.Diags.Errorf(diag.CodeInvalidValue, p.f.File, path, "domain %q %s", s, problem).
						Hintf("write the DNS domain of your machines, such as \"home.arpa\" or \"example.net\"")
				}
				p.f.Domain = strings.TrimSuffix(s, ".")
			}
		case "admin_keys":
			p.f.AdminKeys = p.sshKeys(v, path, "fleet.admin_keys")
		case "flake":
			if s, ok := p.d.String(v, path, "fleet.flake"); ok && p.oneOf(s, FlakeLayouts, path, "flake layout") {
				p.f.Flake = s
			}
		case "age_recipients":
			for _, r := range p.d.Strings(v, path, "fleet.age_recipients") {
				if !isAgeRecipient(r.Value) {
					p.d.Diags.Errorf(diag.CodeInvalidValue, p.f.File, r.Path, "this is not an age recipient").
						Hintf("write an age public key (age1..., from age-keygen -y KEYFILE); SSH keys go in admin_keys")
					continue
				}
				p.f.AgeRecipients = append(p.f.AgeRecipients, r)
			}
		case "inputs":
			p.inputs(v, path)
		case "deploy":
			p.f.Deploy = p.deployTable(v, path, false)
		case "overlays":
			for _, o := range p.d.Strings(v, path, "fleet.overlays") {
				if p.relativeNix(o, "overlay") {
					p.f.Overlays = append(p.f.Overlays, o)
				}
			}
		}
	})
}

var inputName = NamePattern{First: "A-Za-z_", Rest: "A-Za-z0-9_-"} // ^[A-Za-z_][A-Za-z0-9_-]*$

// inputs decodes [fleet.inputs]: name = "flake URL".
func (p *parser) inputs(v *tomltree.Node, path diag.Path) {
	if !p.d.IsTable(v, path, "fleet.inputs") {
		return
	}
	for _, name := range v.Keys {
		ip := path.Child(name)
		url, ok := p.d.String(v.Get(name), ip, "fleet.inputs."+name)
		if !ok {
			continue
		}
		switch {
		case !inputName.MatchString(name) || name == "nixpkgs" || name == "self":
			p.d.Diags.Errorf(diag.CodeInvalidName, p.f.File, ip, "invalid input name %q", name).
				Hintf("input names are Nix identifiers other than nixpkgs and self (shoal pins nixpkgs itself)")
		default:
			if problem, hint := inputProblem(url); problem != "" {
				p.d.Diags.Errorf(diag.CodeInvalidValue, p.f.File, ip, "%s", problem).Hintf("%s", hint)
				continue
			}
			p.f.Inputs = append(p.f.Inputs, Input{Name: name, URL: url, Path: ip})
		}
	}
}

// relativeNix reports whether a module or overlay path stays inside the
// fleet directory, reporting it when not.
func (p *parser) relativeNix(r Ref, what string) bool {
	if r.Value == "" || strings.HasPrefix(r.Value, "/") || slices.Contains(strings.Split(r.Value, "/"), "..") {
		p.d.Diags.Errorf(diag.CodeInvalidValue, p.f.File, r.Path, "%s path %q must be relative to the fleet directory and stay inside it", what, r.Value)
		return false
	}
	if layout.Owned(path.Clean(r.Value)) {
		p.d.Diags.Errorf(diag.CodeInvalidValue, p.f.File, r.Path, "%s path %q is where shoal gen writes its own files", what, r.Value).
			Hintf("keep your modules outside %s, e.g. in machines/NAME/ or nixos/", layout.OwnedPlaces)
		return false
	}
	return true
}

// isRelease accepts "YY.MM" and "unstable".
func isRelease(s string) bool {
	if s == "unstable" {
		return true
	}
	if len(s) != 5 || s[2] != '.' {
		return false
	}
	for _, i := range []int{0, 1, 3, 4} {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s[3:] == "05" || s[3:] == "11"
}

func (p *parser) sshKeys(v *tomltree.Node, path diag.Path, what string) []Ref {
	keys := p.d.Strings(v, path, what)
	for _, k := range keys {
		if strings.Contains(k.Value, "PRIVATE KEY") {
			p.d.Diags.Errorf(diag.CodeInvalidValue, p.f.File, k.Path, "this is a private SSH key, not a public one").
				Hintf("remove it, and consider the key leaked if this file was shared; paste the .pub file instead")
			continue
		}
		if !looksLikeSSHKey(k.Value) {
			p.d.Diags.Errorf(diag.CodeInvalidValue, p.f.File, k.Path, "this is not an SSH public key").
				Hintf("paste the whole line of the .pub file, e.g. \"ssh-ed25519 AAAA... alice@laptop\"")
		}
	}
	return keys
}

func looksLikeSSHKey(s string) bool {
	fields := strings.Fields(s)
	if len(fields) < 2 {
		return false
	}
	if !isKeyType(fields[0]) {
		// Options come first: from="10.0.0.0/8",no-agent-forwarding ssh-ed25519 ...
		_, key, ok := sshKeyOptions(strings.TrimSpace(s))
		if fields = strings.Fields(key); !ok || len(fields) < 2 {
			return false
		}
	}
	switch {
	case strings.HasPrefix(fields[0], "ssh-"), strings.HasPrefix(fields[0], "ecdsa-sha2-"), strings.HasPrefix(fields[0], "sk-"):
		return len(fields[1]) >= 16 && !strings.ContainsAny(s, "\n\r")
	}
	return false
}

func isKeyType(s string) bool {
	return strings.HasPrefix(s, "ssh-") || strings.HasPrefix(s, "ecdsa-sha2-") || strings.HasPrefix(s, "sk-")
}

func (p *parser) defaults(v *tomltree.Node, path diag.Path) {
	known := append(slices.Clone(DefaultsShorthands), "settings")
	p.d.Fields(v, path, "[defaults]", known, func(key string, v *tomltree.Node, path diag.Path) {
		if key == "settings" {
			p.f.Defaults = append(p.f.Defaults, p.settings(v, path)...)
			return
		}
		p.f.Defaults = append(p.f.Defaults, Setting{Feature: "core", Name: key, Value: v, Path: path, FeaturePath: path})
	})
}

// named decodes a table of named entries ([users.NAME], [machines.NAME]).
func (p *parser) named(v *tomltree.Node, path diag.Path, what string, re NamePattern, rule string, each func(name string, v *tomltree.Node, path diag.Path)) {
	if !p.d.IsTable(v, path, what) {
		return
	}
	for _, name := range v.Keys {
		np := p.d.Key(path, name)
		if re.MatchString(name) {
			each(name, v.Get(name), np)
			continue
		}
		kind := strings.TrimSuffix(strings.Trim(what, "[]"), "s")
		problem := nameProblem(name, re, rule)
		p.d.Diags.Errorf(diag.CodeInvalidName, p.f.File, np, "invalid %s name %q: it %s", kind, name, problem)
	}
}

func (p *parser) user(name string, v *tomltree.Node, path diag.Path) {
	u := &User{Name: name, Path: path}
	p.f.Users = append(p.f.Users, u)
	p.f.users[name] = u
	p.d.Fields(v, path, "a user", []string{"description", "groups", "ssh_keys", "shell", "hashed_password", "password_file"}, func(key string, v *tomltree.Node, path diag.Path) {
		switch key {
		case "description":
			u.Description, _ = p.d.String(v, path, "description")
			if strings.ContainsAny(u.Description, "\n:") {
				p.d.Diags.Errorf(diag.CodeInvalidValue, p.f.File, path, "a user's description cannot contain newlines or colons").
					Hintf("NixOS writes it to /etc/passwd, where colons separate fields; use a dash or a comma instead")
			}
		case "groups":
			u.Groups = p.names(v, path, "groups", userName, groupRule)
		case "ssh_keys":
			u.SSHKeys = p.sshKeys(v, path, "ssh_keys")
		case "shell":
			if s, ok := p.d.String(v, path, "shell"); ok {
				if !slices.Contains([]string{"bash", "zsh", "fish"}, s) {
					p.d.Diags.Errorf(diag.CodeInvalidValue, p.f.File, path, "unsupported shell %q", s).Hintf("use bash, zsh or fish")
				}
				u.Shell = s
			}
		case "hashed_password":
			p.hashedPassword(u, v, path)
		case "password_file":
			p.passwordFile(u, v, path)
		}
	})
}

var machineKeys = []string{"profile", "features", "tags", "users", "address", "addresses", "hostname", "system", "public", "hardware", "settings", "nixos", "modules", "deploy", "host_key", "boot", "disk", "health"}

func (p *parser) machine(name string, v *tomltree.Node, path diag.Path) {
	m := &Machine{Name: name, Path: path, Hostname: name, System: "x86_64-linux"}
	p.f.Machines = append(p.f.Machines, m)
	p.f.machines[name] = m
	p.d.Fields(v, path, "a machine", machineKeys, func(key string, v *tomltree.Node, path diag.Path) {
		switch key {
		case "profile":
			if s, ok := p.d.String(v, path, "profile"); ok {
				m.Profile = Ref{Value: s, Path: path}
			}
		case "features":
			m.Features = p.names(v, path, "features", FeatureName, featureRule)
		case "tags":
			m.Tags = p.names(v, path, "tags", tagName, tagRule)
		case "users":
			m.Users = p.d.Strings(v, path, "users")
		case "address":
			if s, ok := p.d.String(v, path, "address"); ok {
				if problem, hint := addressProblem(s); problem != "" {
					p.d.Diags.Errorf(diag.CodeInvalidValue, p.f.File, path, "%s", problem).Hintf("%s", hint)
				}
				m.Address = s
			}
		case "addresses":
			p.addresses(m, v, path)
		case "hostname":
			if s, ok := p.d.String(v, path, "hostname"); ok {
				if problem := nameProblem(s, machineName, machineRule); problem != "" {
					p.d.Diags.Errorf(diag.CodeInvalidName, p.f.File, path, "invalid host name %q: it %s", s, problem)
				}
				m.Hostname = s
			}
		case "system":
			if s, ok := p.d.String(v, path, "system"); ok {
				p.oneOf(s, Systems, path, "system")
				m.System = s
			}
		case "host_key":
			if s, ok := p.d.String(v, path, "host_key"); ok {
				if !strings.HasPrefix(s, "ssh-ed25519 ") || !looksLikeSSHKey(s) {
					p.d.Diags.Errorf(diag.CodeInvalidValue, p.f.File, path, "host_key is not an ssh-ed25519 public key").
						Hintf("paste the machine's ed25519 host key: ssh-keyscan -t ed25519 %s (without the host name in front)", m.Name)
				} else {
					m.HostKey = Ref{Value: s, Path: path}
				}
			}
		case "public":
			if b, ok := p.d.Bool(v, path, "public"); ok {
				m.Public = &b
			}
		case "hardware":
			p.hardware(m, v, path)
		case "boot":
			p.boot(m, v, path)
		case "disk":
			p.disk(m, v, path)
		case "settings":
			m.Settings = p.settings(v, path)
		case "nixos":
			p.rawOptions(m, v, path)
		case "deploy":
			m.Deploy = p.deployTable(v, path, true)
		case "health":
			m.Health = p.healthChecks(v, path, "machines."+name+".health")
		case "modules":
			// Paths outside the fleet are reported here and dropped, so
			// that nothing later looks for them.
			for _, mod := range p.d.Strings(v, path, "modules") {
				if p.relativeNix(mod, "module") {
					m.Modules = append(m.Modules, mod)
				}
			}
		}
	})
}

func (p *parser) oneOf(s string, allowed []string, path diag.Path, what string) bool {
	if slices.Contains(allowed, s) {
		return true
	}
	e := p.d.Diags.Errorf(diag.CodeInvalidValue, p.f.File, path, "%s %q is not one of %s", what, s, strings.Join(allowed, ", "))
	e.SetHint(diag.DidYouMean(s, allowed))
	return false
}

// names decodes a list of names that must match re.
func (p *parser) names(v *tomltree.Node, path diag.Path, what string, re NamePattern, rule string) []Ref {
	items := p.d.Strings(v, path, what)
	out := items[:0]
	for _, it := range items {
		if problem := nameProblem(it.Value, re, rule); problem != "" {
			p.d.Diags.Errorf(diag.CodeInvalidName, p.f.File, it.Path, "invalid name %q in %s: it %s", it.Value, what, problem)
			continue
		}
		out = append(out, it)
	}
	return out
}

func (p *parser) hardware(m *Machine, v *tomltree.Node, path diag.Path) {
	h := &m.Hardware
	// The keys' paths are only reported at, or extended (gpu's elements).
	p.d.TransientFields(v, path, "hardware", []string{"cpu", "gpu", "memory", "disk", "cores", "form"}, func(key string, v *tomltree.Node, path diag.Path) {
		switch key {
		case "cpu":
			if s, ok := p.d.String(v, path, "hardware.cpu"); ok && p.oneOf(s, CPUVendors, path, "cpu vendor") {
				h.CPU = s
			}
		case "gpu":
			for _, g := range p.d.Strings(v, path, "hardware.gpu") {
				if p.oneOf(g.Value, GPUVendors, g.Path, "gpu vendor") {
					h.GPU = append(h.GPU, g)
				}
			}
		case "memory", "disk":
			size := p.size(v, path, "hardware."+key)
			if key == "memory" {
				h.Memory = size
			} else {
				h.Disk = size
			}
		case "cores":
			if n, ok := p.d.Int(v, path, "hardware.cores"); ok {
				if n < 1 || n > 4096 {
					p.d.Diags.Errorf(diag.CodeInvalidValue, p.f.File, path, "hardware.cores must be between 1 and 4096, not %d", n)
				} else {
					h.Cores = n
				}
			}
		case "form":
			if s, ok := p.d.String(v, path, "hardware.form"); ok && p.oneOf(s, FormFactors, path, "form factor") {
				h.Form = s
			}
		}
	})
}

func (p *parser) size(v *tomltree.Node, path diag.Path, what string) Size {
	if v.Kind == tomltree.Integer {
		p.d.Diags.Errorf(diag.CodeWrongType, p.f.File, path, "%s must be a size with a unit, not a bare number", what).
			Hintf("write %q", fmt.Sprintf("%dGiB", v.Int))
		return 0
	}
	s, ok := p.d.String(v, path, what)
	if !ok {
		return 0
	}
	if t := strings.TrimSpace(s); allDigits(t) {
		p.d.Diags.Errorf(diag.CodeInvalidValue, p.f.File, path, "%s: %q has no unit", what, s).
			Hintf("write %q (or %q, %q)", t+"GiB", t+"MiB", t+"TB")
		return 0
	}
	size, err := ParseSize(s)
	if err != nil {
		p.d.Diags.Errorf(diag.CodeInvalidValue, p.f.File, path, "%s: %v", what, err)
		return 0
	}
	return size
}

// settings decodes settings.FEATURE.NAME = value.
func (p *parser) settings(v *tomltree.Node, path diag.Path) []Setting {
	var out []Setting
	if !p.d.IsTable(v, path, "settings") {
		return nil
	}
	for _, feature := range v.Keys {
		fv, fp := v.Get(feature), p.d.Key(path, feature)
		if !p.d.IsTable(fv, fp, "settings."+feature) {
			continue
		}
		for _, name := range fv.Keys {
			out = append(out, Setting{Feature: feature, Name: name, Value: fv.Get(name), Path: p.d.Key(fp, name), FeaturePath: fp})
		}
	}
	return out
}

func (p *parser) rawOptions(m *Machine, v *tomltree.Node, path diag.Path) {
	if !p.d.IsTable(v, path, "nixos") {
		return
	}
	for _, opt := range v.Keys {
		val, op := v.Get(opt), p.d.Key(path, opt)
		if val.Kind == tomltree.Table && !strings.Contains(opt, ".") {
			p.d.Diags.Errorf(diag.CodeInvalidValue, p.f.File, op, "write NixOS options as quoted paths: nixos.%q", opt+".…").
				Hintf("for example nixos.\"services.openssh.ports\" = [2222]")
			continue
		}
		m.NixOS = append(m.NixOS, RawOption{Option: opt, Value: val, Path: op})
	}
}

// services records each [services.NAME] table. Which services exist and
// which of their keys are roles or options is the catalog's to say:
// resolve reads the tables against it.
func (p *parser) services(v *tomltree.Node, path diag.Path) {
	if !p.d.IsTable(v, path, "[services]") {
		return
	}
	for _, name := range v.Keys {
		t, tp := v.Get(name), p.d.Key(path, name)
		if !p.d.IsTable(t, tp, "services."+name) {
			continue
		}
		p.f.Services = append(p.f.Services, &Service{Kind: name, Path: tp, Table: t})
	}
}

// networkName is the form of a network name, as [networks.NAME] and a
// machine's addresses write it.
var networkName = NamePattern{First: "a-z", Rest: "a-z0-9_-"} // ^[a-z][a-z0-9_-]*$

const networkRule = "must be lowercase letters, digits, \"-\" and \"_\", starting with a letter"

// network decodes [networks.NAME]: kind = "lan" | "tailnet" | "internet",
// and an optional cidr.
func (p *parser) network(name string, v *tomltree.Node, path diag.Path) {
	n := &Network{Name: name, Path: path}
	p.d.Fields(v, path, "a network", []string{"kind", "cidr"}, func(key string, v *tomltree.Node, path diag.Path) {
		switch key {
		case "kind":
			if s, ok := p.d.String(v, path, "kind"); ok && p.oneOf(s, NetworkKinds, path, "network kind") {
				n.Kind = s
			}
		case "cidr":
			if s, ok := p.d.String(v, path, "cidr"); ok {
				pfx, err := netip.ParsePrefix(s)
				if err != nil {
					p.d.Diags.Errorf(diag.CodeInvalidValue, p.f.File, path, "cidr %q is not an address range", s).
						Hintf("write an address and a prefix length, such as \"10.0.0.0/24\" or \"100.64.0.0/10\"")
					return
				}
				n.CIDR = pfx.Masked()
			}
		}
	})
	if n.Kind == "" && v.Kind == tomltree.Table && v.Get("kind") == nil {
		p.d.Diags.Errorf(diag.CodeMissing, p.f.File, path, "network %s has no kind", name).
			Hintf("add kind = \"lan\", \"tailnet\" or \"internet\"")
	}
	p.f.Networks = append(p.f.Networks, n)
}

// addresses decodes a machine's addresses = { NETWORK = "address" }. The
// networks are checked once every [networks.NAME] is known.
func (p *parser) addresses(m *Machine, v *tomltree.Node, path diag.Path) {
	if !p.d.IsTable(v, path, "addresses") {
		return
	}
	for _, net := range v.Keys {
		ap := p.d.Key(path, net)
		s, ok := p.d.String(v.Get(net), ap, "addresses."+net)
		if !ok {
			continue
		}
		if s == "" || strings.ContainsAny(s, " /\t\n") {
			p.d.Diags.Errorf(diag.CodeInvalidValue, p.f.File, ap, "address %q is not a host name or IP address", s).
				Hintf("write the machine's address on network %s, e.g. \"10.0.0.5\" or \"nas.home.arpa\"", net)
			continue
		}
		m.Addresses = append(m.Addresses, Address{Network: net, Host: s, Path: ap})
	}
}

// domainProblem says what is wrong with a DNS domain, or "".
func domainProblem(s string) string {
	d := strings.TrimSuffix(s, ".")
	if d == "" {
		return "is empty"
	}
	for _, label := range strings.Split(d, ".") {
		if label == "" || len(label) > 63 || strings.HasPrefix(label, "-") || strings.HasSuffix(label, "-") {
			return "is not a DNS domain"
		}
		for _, r := range label {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-') {
				return "is not a DNS domain"
			}
		}
	}
	return ""
}
