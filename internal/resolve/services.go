package resolve

import (
	"maps"
	"slices"
	"strings"

	"github.com/shoal-nix/shoal/internal/catalog"
	"github.com/shoal-nix/shoal/internal/diag"
	"github.com/shoal-nix/shoal/internal/fleet"
	"github.com/shoal-nix/shoal/internal/tomltree"
)

// Service is a [services.NAME] table of the fleet file read against the
// catalog's service of that name.
type Service struct {
	Spec *fleet.Service
	Def  *catalog.Service
	// Roles maps a role to the selectors (machine, @tag, @all) the fleet
	// file gives it.
	Roles map[string][]fleet.Ref
	// Options holds the options the fleet file sets, as written.
	Options map[string]*tomltree.Node
	// Values holds the options' checked values, and the defaults of the
	// options that have one and are not set; an option whose value does
	// not fit is left out.
	Values map[string]any

	f *fleet.Fleet
	// members holds Members of every role with selectors, made once by
	// Resolve: checks and generators ask for them per machine.
	members map[string]roleMembers
}

// roleMembers are the members of a role, with the selectors they were
// expanded from: a copy of a Service given other selectors (as gen's
// service tests make) expands its own.
type roleMembers struct {
	selectors []fleet.Ref
	machines  []*fleet.Machine
}

// Name is the service's name: [services.NAME].
func (s *Service) Name() string { return s.Def.Name }

// Members expands a role's selectors to the fleet's machines, each once,
// in the order the selectors name them.
func (s *Service) Members(role string) []*fleet.Machine {
	sels := s.Roles[role]
	if m, ok := s.members[role]; ok && len(m.selectors) == len(sels) && (len(sels) == 0 || &m.selectors[0] == &sels[0]) {
		return m.machines
	}
	return s.expand(role)
}

// remember makes Members of every role once. The slices are full, so that
// a caller's append copies them.
func (s *Service) remember() {
	members := make(map[string]roleMembers, len(s.Roles))
	for role, sels := range s.Roles {
		members[role] = roleMembers{sels, slices.Clip(s.expand(role))}
	}
	s.members = members
}

func (s *Service) expand(role string) []*fleet.Machine {
	if sels := s.Roles[role]; len(sels) == 1 {
		// One selector names each machine once: no set of the machines
		// seen is needed. The copy keeps the fleet's own list (@all)
		// out of callers' hands.
		return slices.Clone(Select(s.f, sels[0].Value))
	}
	seen := map[string]bool{}
	var out []*fleet.Machine
	for _, sel := range s.Roles[role] {
		for _, m := range Select(s.f, sel.Value) {
			if !seen[m.Name] {
				seen[m.Name] = true
				out = append(out, m)
			}
		}
	}
	return out
}

// services reads the fleet file's [services.NAME] tables: unknown services
// and keys are reported as unknown keys, roles are lists of selectors, and
// options are checked against their types.
func (r *resolver) services() {
	d := tomltree.Decoder{File: r.f.File, Diags: &r.diags}
	names := r.cat.ServiceNames()
	for _, spec := range r.f.Services {
		def := r.cat.Services[spec.Kind]
		if def == nil {
			e := r.diags.Errorf(diag.CodeUnknownKey, r.f.File, spec.Path, "unknown key %q in [services]", spec.Kind)
			if h := diag.DidYouMean(spec.Kind, names); h != "" {
				e.SetHint(h)
			} else {
				e.Hintf("[services] takes: %s", strings.Join(names, ", "))
			}
			continue
		}
		s := &Service{Spec: spec, Def: def, Roles: map[string][]fleet.Ref{}, Options: map[string]*tomltree.Node{}, Values: map[string]any{}, f: r.f}
		what := "services." + spec.Kind
		d.Fields(spec.Table, spec.Path, what, def.Keys(), func(key string, v *tomltree.Node, p diag.Path) {
			if def.Role(key) != nil {
				s.Roles[key] = d.Strings(v, p, what+"."+key)
				return
			}
			s.Options[key] = v
		})
		for _, o := range def.Options {
			if n := s.Options[o.Name]; n != nil {
				r.serviceOption(s, o, n)
			} else if o.Default != nil {
				s.Values[o.Name] = o.Default
			}
		}
		r.out.Services = append(r.out.Services, s)
	}
}

// serviceOption checks an option's value against its type, or the type of
// the setting it sets; a value that fits a setting becomes a layer of that
// setting on every machine with the feature.
func (r *resolver) serviceOption(s *Service, o *catalog.ServiceOption, n *tomltree.Node) {
	typ := o.Type
	var st *catalog.Setting
	if o.Feature != "" {
		if def := r.cat.Features[o.Feature]; def != nil {
			st = def.Setting(o.Setting)
		}
		if st == nil {
			return // the catalog loader reports it
		}
		typ = st.Type
	}
	path := s.Spec.Path.Child(o.Name)
	name := "services." + s.Spec.Kind + "." + o.Name
	v, problem, elem := typ.Check(n)
	if problem != "" {
		at := path
		if elem >= 0 {
			at = path.Child(elem)
		}
		e := r.diags.Errorf(diag.CodeServiceOption, r.f.File, at, "%s: %s", name, problem)
		switch {
		case typ.Hint(n) != "":
			e.Hintf("%s", typ.Hint(n))
		case st != nil:
			e.Hintf("it sets %s.%s on every machine with %s", o.Feature, o.Setting, o.Feature)
		}
		return
	}
	s.Values[o.Name] = v
	if st != nil {
		set := fleet.Setting{Feature: o.Feature, Name: o.Setting, Value: n, Path: path, FeaturePath: s.Spec.Path}
		r.serviceVals[o.Feature] = append(r.serviceVals[o.Feature], layered{set, &Origin{Kind: FromService, Detail: name, File: r.f.File, Path: path}, v})
	}
}

// assignRoles records, for every machine a role names, the feature the
// role brings.
func (r *resolver) assignRoles() {
	for _, s := range r.out.Services {
		for _, role := range slices.Sorted(maps.Keys(s.Roles)) {
			feature := s.Def.Role(role).Feature
			detail := feature + "\x00services." + s.Spec.Kind + "." + role
			for _, sel := range s.Roles[role] {
				for _, m := range r.selectRef(sel) {
					if feature != "" {
						r.serviceRoles[m.Name] = append(r.serviceRoles[m.Name], Reason{Kind: ByService, Detail: detail, File: r.f.File, Path: sel.Path})
					}
				}
			}
		}
	}
}

// Wired returns the machines of a role that the wiring connects: all of
// them, or the first when the role takes one machine (max = 1).
func (s *Service) Wired(role string) []*fleet.Machine {
	ms := s.Members(role)
	if r := s.Def.Role(role); r != nil && r.Max == 1 && len(ms) > 1 {
		ms = ms[:1]
	}
	return ms
}

// Link is a machine that connects to another's port in a service: a
// scrape, a log push, a backup, a load balancer's request.
type Link struct {
	Client, Server         *fleet.Machine
	ClientRole, ServerRole *catalog.Role
}

// Links lists who connects to whom in s: each wired machine of a role
// that reaches another (reached_by) to each wired machine of that role,
// in file order. A machine does not connect to itself over the network.
func (s *Service) Links() []Link {
	// Counted first, so that the links of a large fleet's roles (an agent
	// per machine) take one slice of the right size.
	n := 0
	for _, sr := range s.Def.Roles {
		for _, cname := range sr.ReachedBy {
			servers, clients := s.Wired(sr.Name), s.Wired(cname)
			n += len(servers) * len(clients)
		}
	}
	out := make([]Link, 0, n)
	for _, sr := range s.Def.Roles {
		for _, cname := range sr.ReachedBy {
			cr := s.Def.Role(cname)
			for _, srv := range s.Wired(sr.Name) {
				for _, c := range s.Wired(cname) {
					if c != srv {
						out = append(out, Link{Client: c, Server: srv, ClientRole: cr, ServerRole: sr})
					}
				}
			}
		}
	}
	return out
}

// RolePort is the port m listens on in a role of s: the value on m of
// the feature setting the role's port names, or the service option its
// port_option names; ok is false when the role has no port.
func (f *Fleet) RolePort(s *Service, role string, m *fleet.Machine) (int64, bool) {
	r := s.Def.Role(role)
	switch {
	case r == nil:
		return 0, false
	case r.PortOption != "":
		p, ok := s.Values[r.PortOption].(int64)
		return p, ok
	case r.Feature != "" && r.Port != "":
		if rm := f.Machine(m.Name); rm != nil {
			if ft := rm.Feature(r.Feature); ft != nil {
				if v := ft.Value(r.Port); v != nil {
					p, ok := v.Value.(int64)
					return p, ok
				}
			}
		}
	}
	return 0, false
}
