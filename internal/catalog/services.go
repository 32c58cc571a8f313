package catalog

import (
	"path"
	"slices"
	"strings"

	"github.com/shoal-nix/shoal/internal/diag"
	"github.com/shoal-nix/shoal/internal/tomltree"
)

// Service is a fleet service: roles a fleet file gives to machines in its
// [services.NAME] table, options that table takes, and what the generator
// wires across the machines of the roles.
type Service struct {
	Name        string // as [services.NAME] writes it
	File        string
	Description string
	Roles       []*Role          // in declaration order
	Options     []*ServiceOption // in declaration order
	Secrets     []*Secret        // in declaration order
	Wires       []Wire
}

// SecretsDir is where a machine keeps the secret files the fleet's
// services read: the one place their paths are made. Until shoal manages
// secrets, the user puts them there; shoal check lists them.
const SecretsDir = "/var/lib/shoal/secrets"

// SecretPath is the path of the secret file named name on a machine.
func SecretPath(name string) string { return SecretsDir + "/" + name }

// Secret is a file the machines of a role need and shoal does not make: a
// password, credentials. The generated configuration reads it by path.
type Secret struct {
	Name        string // the file's name in SecretsDir
	Path        diag.Path
	Role        string
	Description string // what the file holds, said to the user
	// Owner is the user that reads the file; "root" when not told.
	Owner string
	// Unless names a boolean option of the service that, when true, makes
	// the file unneeded.
	Unless string
	// When names an option of the service that must be set (a non-empty
	// string, true) for the file to be needed: the SMTP password only when
	// there is an SMTP user.
	When string
	// Units are the systemd units of the role's machines that read the
	// file: deploy restarts them when it changes, and nothing else.
	Units []string
	// Generator is the fleet generator that can make the file (a kind of
	// [secrets.NAME] generator = ...), "" when a person must provide it.
	Generator string
	// ProvidedWith names an option of the service that, when set, means
	// a person provides the file instead of the generator (a repository
	// of the user's own needs its own credentials).
	ProvidedWith string
	// PerMachine gives each machine of the role its own value.
	PerMachine bool
	// UsersFrom is the htpasswd generator's per-machine secret.
	UsersFrom string
}

// File is where the secret lives on a machine.
func (s *Secret) File() string { return SecretPath(s.Name) }

// Role is a part machines play in a service.
type Role struct {
	Name        string
	Path        diag.Path
	Description string
	// Feature is the feature every machine of the role gets; "" for a role
	// that only names machines others reach (a load balancer's backends).
	Feature string
	// Max is how many machines (selectors) the role may name before the
	// fleet is warned that only the first is wired; 0 means any number.
	Max int64
	// Needs lists roles or options of the service one of which must be
	// given when this role names machines: agents need a server.
	Needs []string
	// Unmet and UnmetHint replace the summary and hint reported when Needs
	// is not met.
	Unmet, UnmetHint string
	// Port is the setting of Feature that holds the port the role's
	// machines listen on; wiring reaches them at their address and it.
	Port string
	// ProfileTests puts Feature into the VM test of every profile when the
	// role names machines: the role is meant for every machine.
	ProfileTests bool
	// PortOption names an option of the service holding the port, for a
	// role that brings no feature (a load balancer's backends).
	PortOption string
	// ReachedBy lists the roles whose machines connect to this role's
	// port: the wiring opens the port to them, and check makes sure each
	// can reach each machine of this role.
	ReachedBy []string
}

// ServiceOption is a key of [services.NAME] other than a role.
type ServiceOption struct {
	Name        string
	Path        diag.Path
	Description string
	// Feature and Setting name the feature setting the option sets on
	// every machine with that feature; its type is the setting's. Empty:
	// the option has its own Type and the generator's wiring reads it.
	Feature, Setting string
	Type             Type
	Default          any
	// Unused, when set, says why the option does nothing yet: a fleet
	// that sets it is warned, with UnusedHint.
	Unused, UnusedHint string
}

// Wire is one block of the generated services module: NixOS option values
// for the machines of Role, under the enable option of its feature.
type Wire struct {
	Role    string
	Comment string
	Path    diag.Path
	// Set holds option values. A string may hold ${ROLE}, the host:port of
	// the first machine of ROLE; an option whose value names a role with
	// no machine is left out. A value {endpoints = "ROLE"} is the list of
	// host:port of every machine of ROLE.
	Set []OptionValue
}

// Endpoints stands, in a wire's option value, for the host:port of every
// machine of Role.
type Endpoints struct{ Role string }

// SecretRef stands, in a wire's option value, for the path of a secret
// file of the service: {secret = "NAME"}.
type SecretRef struct{ Name string }

// PublicRef stands, in a wire's option value, for the text of the public
// half of a key pair the service's secret NAME holds (generator
// ssh-ed25519 or wireguard): {public = "NAME"}. For a per-machine secret it
// is the public half of the machine the configuration is for.
type PublicRef struct{ Name string }

// KeyPairGenerators are the generators whose secrets have a public half.
var KeyPairGenerators = []string{"ssh-ed25519", "wireguard"}

// Secret returns the secret named name, or nil.
func (s *Service) Secret(name string) *Secret {
	for _, x := range s.Secrets {
		if x.Name == name {
			return x
		}
	}
	return nil
}

// Role returns the role named name, or nil.
func (s *Service) Role(name string) *Role {
	for _, r := range s.Roles {
		if r.Name == name {
			return r
		}
	}
	return nil
}

// Option returns the option named name, or nil.
func (s *Service) Option(name string) *ServiceOption {
	for _, o := range s.Options {
		if o.Name == name {
			return o
		}
	}
	return nil
}

// Keys lists the keys [services.NAME] takes: its roles, then its options.
func (s *Service) Keys() []string {
	var keys []string
	for _, r := range s.Roles {
		keys = append(keys, r.Name)
	}
	for _, o := range s.Options {
		keys = append(keys, o.Name)
	}
	return keys
}

// ServiceNames returns all service names, sorted.
func (c *Catalog) ServiceNames() []string { return sortedKeys(c.Services) }

// serviceName is the form of a service name: lowercase letters, digits and
// "_", the way a TOML bare key and a Nix attribute name both read it.
var serviceName = lazyRegexp(`^[a-z][a-z0-9_]*$`)

// placeholderRE finds ${ROLE} in a wire's string values.
var placeholderRE = lazyRegexp(`\$\{([^}]*)\}`)

// Placeholders lists the roles a wire's string value names with ${ROLE}.
func Placeholders(s string) []string {
	var out []string
	for _, m := range placeholderRE().FindAllStringSubmatch(s, -1) {
		out = append(out, m[1])
	}
	return out
}

// ExpandPlaceholders replaces each ${ROLE} of s with endpoint(ROLE); ok is
// false when endpoint has none for a role.
func ExpandPlaceholders(s string, endpoint func(role string) (string, bool)) (string, bool) {
	ok := true
	out := placeholderRE().ReplaceAllStringFunc(s, func(m string) string {
		e, found := endpoint(m[2 : len(m)-1])
		ok = ok && found
		return e
	})
	return out, ok
}

// services reads services/NAME.toml. It runs after features: roles name
// them.
func (l *loader) services() {
	for _, file := range l.dirNames("services") {
		name, ok := strings.CutSuffix(file, ".toml")
		if !ok {
			continue
		}
		rel := path.Join("services", file)
		if !serviceName().MatchString(name) {
			l.diags.Errorf(diag.CodeInvalidName, path.Join(l.prefix, rel), nil, "invalid service name %q: a service name is lowercase letters, digits and \"_\", starting with a letter", name).
				Hintf("rename the file services/%s", file)
			continue
		}
		doc, d, ok := l.parse(rel)
		if !ok {
			continue
		}
		l.c.Services[name] = l.service(name, doc, d)
	}
}

func (l *loader) service(name string, doc *tomltree.Doc, d tomltree.Decoder) *Service {
	s := &Service{Name: name, File: doc.Name}
	var wires *tomltree.Node
	var wiresPath diag.Path
	d.Fields(doc.Root, nil, "a service", []string{"description", "roles", "options", "secrets", "wire"}, func(key string, v *tomltree.Node, p diag.Path) {
		switch key {
		case "description":
			s.Description, _ = d.String(v, p, "description")
		case "roles":
			if d.IsTable(v, p, "roles") {
				for _, rn := range v.Keys {
					if r := l.role(rn, v.Get(rn), p.Child(rn), d); r != nil {
						s.Roles = append(s.Roles, r)
					}
				}
			}
		case "options":
			if d.IsTable(v, p, "options") {
				for _, on := range v.Keys {
					if o := l.serviceOption(on, v.Get(on), p.Child(on), d); o != nil {
						s.Options = append(s.Options, o)
					}
				}
			}
		case "secrets":
			if d.IsTable(v, p, "secrets") {
				for _, sn := range v.Keys {
					if x := l.secret(sn, v.Get(sn), p.Child(sn), d); x != nil {
						s.Secrets = append(s.Secrets, x)
					}
				}
			}
		case "wire":
			wires, wiresPath = v, p // read once roles and options are known
		}
	})
	if len(s.Roles) == 0 && doc.Root.Get("roles") == nil {
		d.Diags.Errorf(diag.CodeMissing, d.File, nil, "service %q has no roles", name).
			Hintf("declare at least one, such as [roles.server] with feature = \"%s-server\"", strings.ReplaceAll(name, "_", "-"))
	}
	l.serviceRefs(s, d)
	if wires != nil {
		l.tables(wires, wiresPath, d, "wire", func(v *tomltree.Node, p diag.Path) {
			if w, ok := l.wire(s, v, p, d); ok {
				s.Wires = append(s.Wires, w)
			}
		})
	}
	// The generator writes an option's setting values in the first block of
	// the role that brings the feature: without one, resolve would layer a
	// value the flake never sets.
	for _, o := range s.Options {
		if o.Feature == "" || !slices.ContainsFunc(s.Roles, func(r *Role) bool { return r.Feature == o.Feature }) {
			continue
		}
		if !slices.ContainsFunc(s.Wires, func(w Wire) bool { return s.Role(w.Role).Feature == o.Feature }) {
			d.Diags.Errorf(diag.CodeCatalogFile, d.File, o.Path.Child("sets"), "option %q sets %s.%s, but no [[wire]] is for a role that brings %s", o.Name, o.Feature, o.Setting, o.Feature).
				Hintf("add a [[wire]] with role = the role that brings %s: the generated flake sets the value there", o.Feature)
		}
	}
	return s
}

func (l *loader) role(name string, v *tomltree.Node, p diag.Path, d tomltree.Decoder) *Role {
	r := &Role{Name: name, Path: p}
	if !serviceName().MatchString(name) {
		d.Diags.Errorf(diag.CodeInvalidName, d.File, p, "invalid role name %q: a role name is lowercase letters, digits and \"_\", starting with a letter", name)
		return nil
	}
	ok := d.Fields(v, p, "a role", []string{"description", "feature", "max", "needs", "unmet", "unmet_hint", "port", "port_option", "reached_by", "profile_tests"}, func(key string, v *tomltree.Node, p diag.Path) {
		switch key {
		case "description":
			r.Description, _ = d.String(v, p, "description")
		case "feature":
			r.Feature, _ = d.String(v, p, "feature")
		case "max":
			if n, ok := d.Int(v, p, "max"); ok {
				if n < 1 {
					d.Diags.Errorf(diag.CodeInvalidValue, d.File, p, "max of role %q is %d: it must be at least 1", name, n).
						Hintf("leave max out for any number of machines")
				}
				r.Max = n
			}
		case "needs":
			for _, it := range d.Strings(v, p, "needs") {
				r.Needs = append(r.Needs, it.Value)
			}
		case "unmet":
			r.Unmet, _ = d.String(v, p, "unmet")
		case "unmet_hint":
			r.UnmetHint, _ = d.String(v, p, "unmet_hint")
		case "port":
			r.Port, _ = d.String(v, p, "port")
		case "port_option":
			r.PortOption, _ = d.String(v, p, "port_option")
		case "reached_by":
			for _, it := range d.Strings(v, p, "reached_by") {
				r.ReachedBy = append(r.ReachedBy, it.Value)
			}
		case "profile_tests":
			r.ProfileTests, _ = d.Bool(v, p, "profile_tests")
		}
	})
	if !ok {
		return nil
	}
	return r
}

// secretName is the form of a secret's file name.
var secretName = lazyRegexp(`^[a-z][a-z0-9._-]*$`)

func (l *loader) secret(name string, v *tomltree.Node, p diag.Path, d tomltree.Decoder) *Secret {
	x := &Secret{Name: name, Path: p, Owner: "root"}
	if !secretName().MatchString(name) {
		d.Diags.Errorf(diag.CodeInvalidName, d.File, p, "invalid secret name %q: a secret's file name is lowercase letters, digits, \".\", \"-\" and \"_\", starting with a letter", name)
		return nil
	}
	ok := d.Fields(v, p, "a secret", []string{"role", "description", "owner", "unless", "when", "units", "generator", "provided_with", "per_machine", "users_from"}, func(key string, v *tomltree.Node, p diag.Path) {
		switch key {
		case "role":
			x.Role, _ = d.String(v, p, "role")
		case "description":
			x.Description, _ = d.String(v, p, "description")
		case "owner":
			x.Owner, _ = d.String(v, p, "owner")
		case "unless":
			x.Unless, _ = d.String(v, p, "unless")
		case "when":
			x.When, _ = d.String(v, p, "when")
		case "units":
			for _, u := range d.Strings(v, p, "units") {
				x.Units = append(x.Units, u.Value)
			}
		case "generator":
			x.Generator, _ = d.String(v, p, "generator")
		case "provided_with":
			x.ProvidedWith, _ = d.String(v, p, "provided_with")
		case "per_machine":
			x.PerMachine, _ = d.Bool(v, p, "per_machine")
		case "users_from":
			x.UsersFrom, _ = d.String(v, p, "users_from")
		}
	})
	if !ok {
		return nil
	}
	if x.Role == "" {
		d.Diags.Errorf(diag.CodeMissing, d.File, p, "secret %q names no role", name).
			Hintf("add role = the role whose machines need the file")
		return nil
	}
	return x
}

func (l *loader) serviceOption(name string, v *tomltree.Node, p diag.Path, d tomltree.Decoder) *ServiceOption {
	o := &ServiceOption{Name: name, Path: p}
	bad := false // a malformed key, reported already
	var def *tomltree.Node
	var defPath diag.Path
	ok := d.Fields(v, p, "a service option", []string{"description", "sets", "type", "values", "min", "max", "default", "unused", "unused_hint"}, func(key string, v *tomltree.Node, p diag.Path) {
		switch key {
		case "description":
			o.Description, _ = d.String(v, p, "description")
		case "sets":
			if s, ok := d.String(v, p, "sets"); ok {
				feature, setting, found := strings.Cut(s, ".")
				if !found || feature == "" || setting == "" {
					d.Diags.Errorf(diag.CodeInvalidValue, d.File, p, "sets = %q names no feature setting", s).
						Hintf("write FEATURE.SETTING, such as \"backup-client.schedule\"")
					bad = true
					return
				}
				o.Feature, o.Setting = feature, setting
			}
		case "type", "values", "min", "max":
			l.typeKey(&o.Type, key, v, p, d)
		case "default":
			def, defPath = v, p
		case "unused":
			o.Unused, _ = d.String(v, p, "unused")
		case "unused_hint":
			o.UnusedHint, _ = d.String(v, p, "unused_hint")
		}
	})
	if !ok || bad {
		return nil
	}
	switch {
	case o.Feature != "" && o.Type.Kind != "":
		d.Diags.Errorf(diag.CodeCatalogFile, d.File, p, "service option %q has both sets and type", name).
			Hintf("leave out type: an option that sets a feature setting has the setting's type")
		return nil
	case o.Feature == "" && o.Type.Kind == "":
		d.Diags.Errorf(diag.CodeMissing, d.File, p, "service option %q has neither sets nor type", name).
			Hintf("add sets = \"FEATURE.SETTING\", or type = one of %s for an option the wiring reads", strings.Join(settingKinds, ", "))
		return nil
	case o.Feature != "" && def != nil:
		d.Diags.Errorf(diag.CodeCatalogFile, d.File, defPath, "service option %q sets %s.%s and has a default of its own", name, o.Feature, o.Setting).
			Hintf("leave out default: the setting's default applies")
		return nil
	}
	if o.Type.Kind == KindEnum && len(o.Type.Values) == 0 {
		d.Diags.Errorf(diag.CodeMissing, d.File, p, "enum service option %q lists no values", name)
	}
	if def != nil {
		val, problem, _ := o.Type.Check(def)
		if problem != "" {
			d.Diags.Errorf(diag.CodeInvalidValue, d.File, defPath, "default of %q: %s", name, problem)
		}
		o.Default = val
	}
	return o
}

// serviceRefs checks what a service's roles and options name: features
// in the catalog, settings of those features, roles and options of the
// service.
func (l *loader) serviceRefs(s *Service, d tomltree.Decoder) {
	brought := map[string]bool{}
	misnamed := false // a role brings a feature the catalog lacks: perhaps the one an option sets
	for _, r := range s.Roles {
		if r.Feature == "" {
			if r.Port != "" {
				d.Diags.Errorf(diag.CodeCatalogFile, d.File, r.Path.Child("port"), "role %q has a port setting but brings no feature", r.Name).
					Hintf("add feature = \"FEATURE\" to the role, or leave out port")
			}
			continue
		}
		brought[r.Feature] = true
		f := l.c.Features[r.Feature]
		if f == nil {
			d.Diags.Errorf(diag.CodeCatalogFile, d.File, r.Path.Child("feature"), "role %q brings feature %q, which the catalog does not have", r.Name, r.Feature).
				SetHint(diag.DidYouMean(r.Feature, l.c.FeatureNames()))
			misnamed = true
			continue
		}
		if r.Port != "" {
			if st := f.Setting(r.Port); st == nil || st.Type.Kind != KindPort {
				d.Diags.Errorf(diag.CodeCatalogFile, d.File, r.Path.Child("port"), "role %q: feature %s has no port setting %q", r.Name, r.Feature, r.Port).
					Hintf("name a setting of %s with type = \"port\"", r.Feature)
			}
		}
	}
	for _, r := range s.Roles {
		for i, n := range r.ReachedBy {
			if n == r.Name || s.Role(n) == nil {
				d.Diags.Errorf(diag.CodeCatalogFile, d.File, r.Path.Child("reached_by", i), "role %q is reached by %q, which is no other role of service %s", r.Name, n, s.Name).
					SetHint(diag.DidYouMean(n, roleNames(s)))
			}
		}
		if len(r.ReachedBy) > 0 && r.Port == "" && r.PortOption == "" {
			d.Diags.Errorf(diag.CodeCatalogFile, d.File, r.Path.Child("reached_by"), "role %q is reached by other roles but has no port", r.Name).
				Hintf("add port = \"SETTING\" (a port setting of the role's feature) or port_option = \"OPTION\"")
		}
		if r.PortOption != "" {
			if o := s.Option(r.PortOption); o == nil || o.Type.Kind != KindPort {
				d.Diags.Errorf(diag.CodeCatalogFile, d.File, r.Path.Child("port_option"), "role %q: service %s has no option %q of type port", r.Name, s.Name, r.PortOption).
					Hintf("declare [options.%s] with type = \"port\"", r.PortOption)
			}
		}
		for i, n := range r.Needs {
			if n == r.Name || s.Role(n) == nil && s.Option(n) == nil {
				d.Diags.Errorf(diag.CodeCatalogFile, d.File, r.Path.Child("needs", i), "role %q needs %q, which is no other role or option of service %s", r.Name, n, s.Name).
					SetHint(diag.DidYouMean(n, s.Keys()))
			}
		}
	}
	for _, o := range s.Options {
		if o.Feature == "" {
			continue
		}
		at := o.Path.Child("sets")
		if !brought[o.Feature] && !misnamed {
			d.Diags.Errorf(diag.CodeCatalogFile, d.File, at, "option %q sets a setting of %s, which no role of service %s brings", o.Name, o.Feature, s.Name).
				Hintf("set a setting of a feature a role brings, so that it reaches the machines of that role")
			continue
		}
		if f := l.c.Features[o.Feature]; brought[o.Feature] && f != nil && f.Setting(o.Setting) == nil {
			d.Diags.Errorf(diag.CodeCatalogFile, d.File, at, "option %q sets %s.%s, which feature %s does not declare", o.Name, o.Feature, o.Setting, o.Feature).
				SetHint(diag.DidYouMean(o.Setting, f.SettingNames()))
		}
	}
	for _, x := range s.Secrets {
		if s.Role(x.Role) == nil {
			d.Diags.Errorf(diag.CodeCatalogFile, d.File, x.Path.Child("role"), "secret %q names role %q, which service %s does not have", x.Name, x.Role, s.Name).
				SetHint(diag.DidYouMean(x.Role, roleNames(s)))
		}
		if x.Unless != "" {
			if o := s.Option(x.Unless); o == nil || o.Type.Kind != KindBool {
				d.Diags.Errorf(diag.CodeCatalogFile, d.File, x.Path.Child("unless"), "secret %q: service %s has no boolean option %q", x.Name, s.Name, x.Unless)
			}
		}
		if x.When != "" && s.Option(x.When) == nil {
			d.Diags.Errorf(diag.CodeCatalogFile, d.File, x.Path.Child("when"), "secret %q: service %s has no option %q", x.Name, s.Name, x.When).
				SetHint(diag.DidYouMean(x.When, s.Keys()))
		}
	}
	seen := map[string]bool{}
	for _, k := range s.Keys() {
		if seen[k] {
			// A role and an option share a name: [services.NAME] could not
			// tell them apart.
			d.Diags.Errorf(diag.CodeCatalogFile, d.File, diag.P("options", k), "%q is both a role and an option of service %s", k, s.Name).
				Hintf("rename the option")
		}
		seen[k] = true
	}
}

func (l *loader) wire(s *Service, v *tomltree.Node, p diag.Path, d tomltree.Decoder) (Wire, bool) {
	w := Wire{Path: p}
	before := len(*d.Diags)
	d.Fields(v, p, "a wire", []string{"role", "comment", "set"}, func(key string, v *tomltree.Node, p diag.Path) {
		switch key {
		case "role":
			w.Role, _ = d.String(v, p, "role")
		case "comment":
			w.Comment, _ = d.String(v, p, "comment")
		case "set":
			if d.IsTable(v, p, "set") {
				w.Set = l.options(v, p, d)
				for i := range w.Set {
					w.Set[i].Value = wireValue(v.Get(w.Set[i].Option))
				}
			}
		}
	})
	r := s.Role(w.Role)
	switch {
	case w.Role == "":
		d.Diags.Errorf(diag.CodeMissing, d.File, p, "a wire names no role").
			Hintf("add role = one of %s", strings.Join(roleNames(s), ", "))
	case r == nil:
		d.Diags.Errorf(diag.CodeCatalogFile, d.File, p.Child("role"), "a wire names role %q, which service %s does not have", w.Role, s.Name).
			SetHint(diag.DidYouMean(w.Role, roleNames(s)))
	case r.Feature == "":
		d.Diags.Errorf(diag.CodeCatalogFile, d.File, p.Child("role"), "a wire for role %q, which brings no feature: it would apply to no machine", w.Role).
			Hintf("wire the roles that bring a feature; they can name this role's machines with ${%s} or {endpoints = %q}", w.Role, w.Role)
	}
	for _, o := range w.Set {
		for _, name := range secretRefs(o.Value) {
			if s.Secret(name) == nil {
				e := d.Diags.Errorf(diag.CodeCatalogFile, d.File, o.Path, "option %s names secret %q, which service %s does not declare", o.Option, name, s.Name)
				e.Hintf("add [secrets.%s] with role = %q", name, w.Role)
			}
		}
		for _, name := range publicRefs(o.Value) {
			if x := s.Secret(name); x == nil || !slices.Contains(KeyPairGenerators, x.Generator) {
				e := d.Diags.Errorf(diag.CodeCatalogFile, d.File, o.Path, "option %s names the public half of secret %q, which service %s does not declare as a key pair", o.Option, name, s.Name)
				e.Hintf("add [secrets.%s] with role = %q and generator = one of %s", name, w.Role, strings.Join(KeyPairGenerators, ", "))
			}
		}
		for _, ref := range wireRefs(o.Value) {
			if rr := s.Role(ref); rr == nil || rr.Port == "" {
				e := d.Diags.Errorf(diag.CodeCatalogFile, d.File, o.Path, "option %s names role %q, which service %s has not, or which has no port", o.Option, ref, s.Name)
				if rr == nil {
					e.SetHint(diag.DidYouMean(ref, roleNames(s)))
				} else {
					e.Hintf("add port = \"SETTING\" to [roles.%s]: the setting of %s its machines listen on", ref, rr.Feature)
				}
			}
		}
	}
	return w, len(*d.Diags) == before
}

func roleNames(s *Service) []string {
	names := make([]string, len(s.Roles))
	for i, r := range s.Roles {
		names[i] = r.Name
	}
	return names
}

// wireValue converts a wire's option value to a Go value, turning
// {endpoints = "ROLE"} into Endpoints.
func wireValue(n *tomltree.Node) any {
	switch n.Kind {
	case tomltree.Array:
		out := make([]any, len(n.Items))
		for i, it := range n.Items {
			out[i] = wireValue(it)
		}
		return out
	case tomltree.Table:
		if e := n.Get("endpoints"); e != nil && n.Len() == 1 && e.Kind == tomltree.String {
			return Endpoints{Role: e.Str}
		}
		if e := n.Get("secret"); e != nil && n.Len() == 1 && e.Kind == tomltree.String {
			return SecretRef{Name: e.Str}
		}
		if e := n.Get("public"); e != nil && n.Len() == 1 && e.Kind == tomltree.String {
			return PublicRef{Name: e.Str}
		}
		out := make(map[string]any, n.Len())
		for _, k := range n.Keys {
			out[k] = wireValue(n.Get(k))
		}
		return out
	}
	return n.Value()
}

// wireRefs lists the roles a wire's option value names, in order.
func wireRefs(v any) []string {
	switch x := v.(type) {
	case Endpoints:
		return []string{x.Role}
	case string:
		return Placeholders(x)
	case []any:
		var out []string
		for _, e := range x {
			out = append(out, wireRefs(e)...)
		}
		return out
	case map[string]any:
		var out []string
		for _, k := range sortedKeys(x) {
			out = append(out, wireRefs(x[k])...)
		}
		return out
	}
	return nil
}

// secretRefs lists the secrets a wire's option value names, in order.
func secretRefs(v any) []string {
	switch x := v.(type) {
	case SecretRef:
		return []string{x.Name}
	case []any:
		var out []string
		for _, e := range x {
			out = append(out, secretRefs(e)...)
		}
		return out
	case map[string]any:
		var out []string
		for _, k := range sortedKeys(x) {
			out = append(out, secretRefs(x[k])...)
		}
		return out
	}
	return nil
}

// publicRefs lists the secrets whose public halves a wire's option value
// names, in order.
func publicRefs(v any) []string {
	switch x := v.(type) {
	case PublicRef:
		return []string{x.Name}
	case []any:
		var out []string
		for _, e := range x {
			out = append(out, publicRefs(e)...)
		}
		return out
	case map[string]any:
		var out []string
		for _, k := range sortedKeys(x) {
			out = append(out, publicRefs(x[k])...)
		}
		return out
	}
	return nil
}

// typeKey reads one of the keys that make a Type: type, values, min, max.
func (l *loader) typeKey(t *Type, key string, v *tomltree.Node, p diag.Path, d tomltree.Decoder) {
	switch key {
	case "type":
		if k, ok := d.String(v, p, "type"); ok {
			if !slices.Contains(settingKinds, k) {
				d.Diags.Errorf(diag.CodeInvalidValue, d.File, p, "type %q is not one of %s", k, strings.Join(settingKinds, ", ")).SetHint(diag.DidYouMean(k, settingKinds))
			}
			t.Kind = k
		}
	case "values":
		for _, it := range d.Strings(v, p, "values") {
			t.Values = append(t.Values, it.Value)
		}
	case "min", "max":
		if n, ok := d.Int(v, p, key); ok {
			if key == "min" {
				t.Min = &n
			} else {
				t.Max = &n
			}
		}
	}
}
