package secrets

import (
	"bytes"
	"io/fs"
	"path"
	"slices"
	"strings"

	"github.com/shoal-nix/shoal/internal/catalog"
	"github.com/shoal-nix/shoal/internal/diag"
	"github.com/shoal-nix/shoal/internal/fleet"
	"github.com/shoal-nix/shoal/internal/resolve"
)

// PublicFileOf is the path, relative to the fleet directory, of the public
// half machine has of the key pair s: secrets/NAME.pub, or
// secrets/NAME/MACHINE.pub for a per-machine secret. shoal secrets
// generate writes it beside the encrypted private half; it is committed.
func PublicFileOf(s *fleet.Secret, machine string) string {
	if s.PerMachine {
		return PublicFile(s.Name + "/" + machine)
	}
	return PublicFile(s.Name)
}

// publicKey is the key under which resolve.Fleet.PublicKeys holds the
// public half machine has of s.
func publicKey(s *fleet.Secret, machine string) string {
	if s.PerMachine {
		return s.Name + "/" + machine
	}
	return s.Name
}

// ReadPublicKeys reads the public halves of the fleet's secrets that have
// one in fsys (the fleet directory is dir), for resolve.Fleet.PublicKeys:
// each one's first line, for every machine of the fleet. Files that
// are missing or empty are left out; MissingPublic reports the ones the
// configuration needs.
func ReadPublicKeys(fsys fs.FS, dir string, rf *resolve.Fleet) map[string]string {
	out := map[string]string{}
	for _, s := range rf.Spec.Secrets {
		var machines []string
		if s.PerMachine {
			// Every machine's: a secret another tool installs
			// (source external) names no receivers.
			machines = rf.Spec.MachineNames()
		} else {
			machines = []string{""}
		}
		for _, m := range machines {
			data, err := fs.ReadFile(fsys, path.Join(dir, PublicFileOf(s, m)))
			if err != nil {
				continue
			}
			line, _, _ := bytes.Cut(data, []byte("\n"))
			if line = bytes.TrimSpace(line); len(line) > 0 {
				out[publicKey(s, m)] = string(line)
			}
		}
	}
	return out
}

// MissingPublic reports each public half the fleet's services write into
// the generated configuration (the peers' keys of a WireGuard mesh) that
// rf.PublicKeys does not hold, at the secret's declaration, with the
// command that makes it. needs are the services' needs (Needs); those the
// fleet does not declare are Undeclared's to report.
func MissingPublic(rf *resolve.Fleet, needs []Need) diag.List {
	var diags diag.List
	f := rf.Spec
	for _, n := range needs {
		s := f.Secret(n.Name)
		if s == nil || !slices.Contains(catalog.KeyPairGenerators, n.KeyPair) {
			continue
		}
		var missing []string
		for _, m := range n.Machines {
			if _, ok := rf.PublicKey(s.Name, m); !ok {
				missing = append(missing, PublicFileOf(s, m))
			}
		}
		if len(missing) == 0 {
			continue
		}
		e := diags.Errorf(diag.CodePublicMissing, f.File, s.Path, "%s needs the public half of secret %s, but %s %s missing", n.Receivers, s.Name, strings.Join(missing, ", "), plural(len(missing), "is", "are"))
		switch s.Source {
		case fleet.SourceGenerator:
			e.Hintf("run shoal secrets generate: it makes %s and writes %s beside %s; commit %s", plural(len(missing), "the key pair", "the key pairs"), plural(len(missing), "the public half", "the public halves"), plural(len(missing), "its private half", "their private halves"), plural(len(missing), "it", "them"))
		default:
			e.Hintf("write the public key of the key pair (one line: %s) to %s and commit it, or set generator = %q in [secrets.%s] and run shoal secrets generate", publicForm(n.KeyPair), missing[0], n.KeyPair, s.Name)
		}
		e.Relate(n.File, n.Path, "services.%s reads it", strings.SplitN(n.Receivers, ".", 2)[0])
	}
	return diags
}

func publicForm(kind string) string {
	if kind == "wireguard" {
		return "the output of wg pubkey"
	}
	return "ssh-ed25519 AAAA..."
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
