package secrets

import (
	"fmt"
	"strings"

	"github.com/shoal-nix/shoal/internal/diag"
	"github.com/shoal-nix/shoal/internal/fleet"
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
	if n.Generator != "" {
		fmt.Fprintf(&b, "generator = %q\n", n.Generator)
	}
	return b.String()
}
