package fleet

import (
	"path"
	"strconv"
	"strings"

	"github.com/shoal-nix/shoal/internal/diag"
	"github.com/shoal-nix/shoal/internal/tomltree"
)

var (
	// secretName is ^[a-z][a-z0-9_-]{0,63}$.
	secretName = NamePattern{First: "a-z", Rest: "a-z0-9_-", Max: 64}
	secretRule = "a secret name is lowercase letters, digits, \"-\" and \"_\", starting with a letter, at most 64"
	// unixName is ^[a-z_][a-z0-9_-]{0,31}$.
	unixName = NamePattern{First: "a-z_", Rest: "a-z0-9_-", Max: 32}
)

// isAgeRecipient reports whether s has the shape of an age X25519
// recipient: ^age1[02-9ac-hj-np-z]{58}$ (the bech32 alphabet).
func isAgeRecipient(s string) bool {
	rest, ok := strings.CutPrefix(s, "age1")
	if !ok || len(rest) != 58 {
		return false
	}
	for i := 0; i < len(rest); i++ {
		if !inSet("02-9ac-hj-np-z", rest[i]) {
			return false
		}
	}
	return true
}

// SecretKeys are the keys of a [secrets.NAME] table.
var SecretKeys = []string{"receivers", "destination", "owner", "group", "mode", "source", "command", "generator", "length", "users", "users_from", "per_machine"}

func (p *parser) secret(name string, v *tomltree.Node, sp diag.Path) {
	s := &Secret{Name: name, Path: sp, Owner: "root", Group: "root", Mode: 0o400, Source: SourceFile}
	p.f.Secrets = append(p.f.Secrets, s)
	var sourcePath diag.Path
	p.d.Fields(v, sp, "a secret", SecretKeys, func(key string, v *tomltree.Node, kp diag.Path) {
		switch key {
		case "receivers":
			s.Receivers = p.d.Strings(v, kp, "receivers")
		case "destination":
			if d, ok := p.d.String(v, kp, "destination"); ok {
				if !strings.HasPrefix(d, "/") || path.Clean(d) != d || d == "/" || strings.HasPrefix(d, "/nix/") {
					p.d.Diags.Errorf(diag.CodeInvalidValue, p.f.File, kp, "destination %q is not an absolute file path outside /nix", d).
						Hintf("leave it out for /run/keys/%s, or write e.g. \"/var/lib/shoal/secrets/%s\" for a secret needed at boot", name, name)
				} else {
					s.Destination = d
				}
			}
		case "owner", "group":
			if u, ok := p.d.String(v, kp, key); ok {
				if !unixName.MatchString(u) {
					p.d.Diags.Errorf(diag.CodeInvalidValue, p.f.File, kp, "%s %q is not a user or group name", key, u)
				} else if key == "owner" {
					s.Owner = u
				} else {
					s.Group = u
				}
			}
		case "mode":
			if m, ok := p.d.String(v, kp, "mode"); ok {
				n, err := strconv.ParseUint(m, 8, 32)
				if err != nil || len(m) < 3 || n > 0o777 || n&0o400 == 0 {
					p.d.Diags.Errorf(diag.CodeInvalidValue, p.f.File, kp, "mode %q is not an octal file mode the owner can read", m).
						Hintf("write it as a string, e.g. \"0400\" or \"0440\"")
				} else {
					s.Mode = uint32(n)
				}
			}
		case "source":
			if src, ok := p.d.String(v, kp, "source"); ok && p.oneOf(src, []string{SourceCommand, SourceExternal, SourceFile, SourceGenerator}, kp, "source") {
				s.Source, sourcePath = src, kp
			}
		case "command":
			s.Command, _ = p.d.String(v, kp, "command")
		case "generator":
			if g, ok := p.d.String(v, kp, "generator"); ok && p.oneOf(g, GeneratorKinds, kp, "generator") {
				s.Generator.Kind, s.Generator.Path = g, kp
			}
		case "length":
			if n, ok := p.d.Int(v, kp, "length"); ok {
				if n < 8 || n > 4096 {
					p.d.Diags.Errorf(diag.CodeInvalidValue, p.f.File, kp, "length must be between 8 and 4096, not %d", n)
				} else {
					s.Generator.Length = int(n)
				}
			}
		case "per_machine":
			s.PerMachine, _ = p.d.Bool(v, kp, "per_machine")
		case "users_from":
			if from, ok := p.d.String(v, kp, "users_from"); ok {
				s.Generator.UsersFrom = Ref{Value: from, Path: kp}
			}
		case "users":
			if p.d.IsTable(v, kp, "users") {
				for _, u := range v.Keys {
					if sec, ok := p.d.String(v.Get(u), kp.Key(u), "users."+u); ok {
						s.Generator.Users = append(s.Generator.Users, HtpasswdUser{User: u, Secret: Ref{Value: sec, Path: kp.Key(u)}})
					}
				}
			}
		}
	})
	if s.Generator.Kind != "" && sourcePath == nil {
		s.Source = SourceGenerator
	}
	switch {
	case s.Source == SourceCommand && s.Command == "":
		p.d.Diags.Errorf(diag.CodeMissing, p.f.File, sp, "secret %q has source = \"command\" but no command", name).
			Hintf("add command = \"pass show %s\" (its output is the secret)", name)
	case s.Source == SourceGenerator && s.Generator.Kind == "":
		p.d.Diags.Errorf(diag.CodeMissing, p.f.File, sp, "secret %q has source = \"generator\" but no generator", name).
			Hintf("add generator = one of %s", strings.Join(GeneratorKinds, ", "))
	case s.Generator.Kind == "htpasswd" && len(s.Generator.Users) == 0 && s.Generator.UsersFrom.Value == "":
		p.d.Diags.Errorf(diag.CodeMissing, p.f.File, sp, "secret %q is an htpasswd file with no users", name).
			Hintf("add users_from = \"restic-environment\" (a per-machine secret: one user per receiving machine), or users = { laptop = \"restic-rest-laptop\" }")
	case s.Generator.Kind == "restic-rest" && !s.PerMachine:
		p.d.Diags.Errorf(diag.CodeInvalidValue, p.f.File, s.Generator.Path, "secret %q: generator \"restic-rest\" makes each machine its own login, so the secret must be per machine", name).
			Hintf("add per_machine = true to [secrets.%s]", name)
	case s.Generator.UsersFrom.Value != "" && s.Generator.Kind != "htpasswd":
		p.d.Diags.Errorf(diag.CodeInvalidValue, p.f.File, s.Generator.UsersFrom.Path, "users_from is for generator = \"htpasswd\" only")
	}
	if len(s.Receivers) == 0 && s.Source != SourceExternal {
		p.d.Diags.Errorf(diag.CodeMissing, p.f.File, sp, "secret %q names no receivers", name).
			Hintf("add receivers = [\"nas\"]: machines, \"@tag\"s or service roles such as \"backup.clients\"")
	}
}

// Dest is where the secret is written on a machine.
func (s *Secret) Dest() string {
	if s.Destination != "" {
		return s.Destination
	}
	return "/run/keys/" + s.Name
}
