package secrets

import (
	"fmt"
	"slices"
	"strings"

	"github.com/shoal-nix/shoal/internal/catalog"
	"github.com/shoal-nix/shoal/internal/diag"
	"github.com/shoal-nix/shoal/internal/fleet"
	"github.com/shoal-nix/shoal/internal/resolve"
)

// Need is a secret file that the generated configuration of some machines
// reads by path: a catalog service or feature declares it (the restic
// password of backup clients, the REST server's .htpasswd). check turns
// the catalog's declarations into Needs and calls Undeclared.
type Need struct {
	Name        string // the secret's name, as [secrets.NAME] must spell it
	Receivers   string // who reads it: a selector such as "backup.clients"
	Dest        string // the path the generated Nix reads
	Owner       string // the user that reads it; "" for root
	Description string // what the file holds
	// Generator is the generator that can make it, "" when a person must
	// provide the value.
	Generator string
	// PerMachine gives each receiver its own value; UsersFrom is an
	// htpasswd generator's per-machine secret.
	PerMachine bool
	UsersFrom  string
	// KeyPair is the generator of a key pair whose public half the
	// generated configuration writes in (ssh-ed25519, wireguard), ""
	// otherwise.
	KeyPair string
	// Machines are the machines that read it, as the service names them.
	Machines []string
	// File and Path say where the need comes from (the fleet file's
	// service table that brings it), for the diagnostic's position.
	File string
	Path diag.Path
}

// Undeclared reports each need the fleet does not declare in [secrets],
// with the exact lines to add, and each declared one whose destination is
// not the path the configuration reads.
func Undeclared(f *fleet.Fleet, needs []Need) diag.List {
	var diags diag.List
	for _, n := range needs {
		s := f.Secret(n.Name)
		if s == nil {
			diags.Errorf(diag.CodeSecretUndeclared, n.File, n.Path, "%s needs secret %s (%s), which [secrets] does not declare", n.Receivers, n.Name, n.Description).
				Hintf("add to shoal.toml:\n\n%s", n.Lines())
			continue
		}
		if s.Source != fleet.SourceExternal && n.PerMachine && !s.PerMachine {
			diags.Errorf(diag.CodeSecretUndeclared, f.File, s.Path, "secret %s has one value for all its machines, but each of %s needs its own", n.Name, n.Receivers).
				Hintf("add per_machine = true to [secrets.%s]", n.Name)
		}
		if s.Source != fleet.SourceExternal && s.Dest() != n.Dest {
			diags.Errorf(diag.CodeSecretUndeclared, f.File, s.Path, "secret %s goes to %s, but %s read it at %s", n.Name, s.Dest(), n.Receivers, n.Dest).
				Hintf("write destination = %q in [secrets.%s]", n.Dest, n.Name)
		}
	}
	return diags
}

// Lines is the [secrets.NAME] table that declares the need.
func (n Need) Lines() string {
	var b strings.Builder
	fmt.Fprintf(&b, "[secrets.%s]\nreceivers = [%q]\n", n.Name, n.Receivers)
	if n.Dest != "/run/keys/"+n.Name {
		fmt.Fprintf(&b, "destination = %q\n", n.Dest)
	}
	if n.Owner != "" && n.Owner != "root" {
		fmt.Fprintf(&b, "owner = %q\n", n.Owner)
	}
	if n.PerMachine {
		b.WriteString("per_machine = true\n")
	}
	if n.Generator != "" {
		fmt.Fprintf(&b, "generator = %q\n", n.Generator)
	}
	if n.UsersFrom != "" {
		fmt.Fprintf(&b, "users_from = %q\n", n.UsersFrom)
	}
	if n.Generator == "" {
		// Nothing can make it: a person gives the value, once or each deploy.
		fmt.Fprintf(&b, "# the value: shoal secrets set %s < FILE; or source = \"command\" with command = \"pass show ...\"\n", n.Name)
	}
	return b.String()
}

// Needs lists the secret files the fleet's services read on their
// machines (the catalog's [secrets.NAME] of each service), in service
// order: the needs of a role with no machine, those an option makes
// unneeded (no_auth), and those an unset option does not call for (the
// SMTP password without smtp_user) are left out.
func Needs(rf *resolve.Fleet) []Need {
	var out []Need
	for _, svc := range rf.Services {
		for _, x := range svc.Def.Secrets {
			if x.Unless != "" && svc.Values[x.Unless] == true || x.When != "" && !isSet(svc.Values[x.When]) {
				continue
			}
			if len(svc.Members(x.Role)) == 0 {
				continue
			}
			n := Need{Name: x.Name, Receivers: svc.Name() + "." + x.Role, Dest: x.File(), Owner: x.Owner, Description: x.Description,
				Generator: x.Generator, PerMachine: x.PerMachine, UsersFrom: x.UsersFrom, File: rf.Spec.File, Path: svc.Spec.Path}
			if slices.Contains(catalog.KeyPairGenerators, x.Generator) {
				n.KeyPair = x.Generator
			}
			for _, m := range svc.Members(x.Role) {
				n.Machines = append(n.Machines, m.Name)
			}
			if v, ok := svc.Values[x.ProvidedWith].(string); ok && v != "" {
				n.Generator, n.UsersFrom = "", "" // a person provides it
			}
			out = append(out, n)
		}
	}
	return out
}

// isSet says whether a service option's value asks for something: a
// non-empty string or list, true, a number.
func isSet(v any) bool {
	switch v := v.(type) {
	case nil:
		return false
	case string:
		return v != ""
	case bool:
		return v
	case []any:
		return len(v) > 0
	case []string:
		return len(v) > 0
	}
	return true
}
