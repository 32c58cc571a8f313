package secrets

import (
	"slices"
	"strings"

	"github.com/shoal-nix/shoal/internal/diag"
	"github.com/shoal-nix/shoal/internal/fleet"
	"github.com/shoal-nix/shoal/internal/resolve"
)

// Receivers expands a secret's receivers to the fleet's machines, each
// once, in fleet order. A receiver is a machine name, "@tag", "@all", a
// service role "SERVICE.ROLE" (the machines the fleet gives that role), or
// "users.NAME" (the machines user NAME is on: a user's password hash).
// Selectors that match nothing are reported in diags when it is not nil.
func Receivers(rf *resolve.Fleet, s *fleet.Secret, diags *diag.List) []*fleet.Machine {
	f := rf.Spec
	seen := map[string]bool{}
	for _, r := range s.Receivers {
		var ms []*fleet.Machine
		if user, ok := strings.CutPrefix(r.Value, "users."); ok {
			ms = machinesOf(f, user)
			if f.User(user) == nil && diags != nil {
				e := diags.Errorf(diag.CodeUnknownMachine, f.File, r.Path, "secret %s: no user %q in [users]", s.Name, user)
				e.SetHint(diag.DidYouMean(user, userNames(f)))
			}
		} else if svc, role, ok := strings.Cut(r.Value, "."); ok && !strings.HasPrefix(r.Value, "@") {
			ms, ok = roleMembers(rf, svc, role)
			if !ok && diags != nil {
				diags.Errorf(diag.CodeUnknownMachine, f.File, r.Path, "no service role %q in this fleet", r.Value).
					Hintf("name a role of a [services.NAME] table, e.g. \"backup.clients\", a machine, or \"@tag\"")
			}
		} else {
			ms = resolve.Select(f, r.Value)
			if len(ms) == 0 && r.Value != "@all" && diags != nil {
				e := diags.Errorf(diag.CodeUnknownMachine, f.File, r.Path, "secret %s: no machine or tag %q", s.Name, r.Value)
				e.SetHint(diag.DidYouMean(strings.TrimPrefix(r.Value, "@"), append(f.MachineNames(), f.Tags()...)))
			}
		}
		for _, m := range ms {
			seen[m.Name] = true
		}
	}
	var out []*fleet.Machine
	for _, m := range f.Machines {
		if seen[m.Name] {
			out = append(out, m)
		}
	}
	return out
}

// machinesOf lists the machines that list user, in fleet order.
func machinesOf(f *fleet.Fleet, user string) []*fleet.Machine {
	var out []*fleet.Machine
	for _, m := range f.Machines {
		if slices.ContainsFunc(m.Users, func(r fleet.Ref) bool { return r.Value == user }) {
			out = append(out, m)
		}
	}
	return out
}

func userNames(f *fleet.Fleet) []string {
	var out []string
	for _, u := range f.Users {
		out = append(out, u.Name)
	}
	return out
}

func roleMembers(rf *resolve.Fleet, service, role string) ([]*fleet.Machine, bool) {
	for _, s := range rf.Services {
		if s.Name() == service && s.Def.Role(role) != nil {
			return s.Members(role), true
		}
	}
	return nil, false
}

// Receives reports whether machine receives the secret.
func Receives(rf *resolve.Fleet, s *fleet.Secret, machine string) bool {
	return slices.ContainsFunc(Receivers(rf, s, nil), func(m *fleet.Machine) bool { return m.Name == machine })
}
