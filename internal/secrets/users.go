package secrets

import (
	"fmt"
	"strings"

	"github.com/shoal-nix/shoal/internal/diag"
	"github.com/shoal-nix/shoal/internal/fleet"
	"github.com/shoal-nix/shoal/internal/resolve"
)

// UserPasswords checks the users whose password_file names a secret
// ({ secret = "NAME" }): the secret must be declared (the lines to add,
// a crypt generator that asks for the password), go somewhere that
// survives a reboot (NixOS reads hashedPasswordFile at activation, at boot
// too, before any deploy could upload to /run/keys), and reach every
// machine the user is on.
func UserPasswords(rf *resolve.Fleet) diag.List {
	var diags diag.List
	f := rf.Spec
	for _, u := range f.Users {
		ref := u.PasswordSecret
		if ref.Value == "" {
			continue
		}
		machines := machinesOf(f, u.Name)
		s := f.Secret(ref.Value)
		if s == nil {
			diags.Errorf(diag.CodeSecretUndeclared, f.File, ref.Path, "user %s's password hash is secret %s, which [secrets] does not declare", u.Name, ref.Value).
				Hintf("add to shoal.toml (shoal secrets generate then asks for the password, or reads it from stdin, and keeps its SHA-512 crypt hash):\n\n%s", UserPasswordLines(u.Name, ref.Value))
			continue
		}
		if strings.HasPrefix(s.Dest(), "/run/") {
			diags.Errorf(diag.CodeSecretNotHere, f.File, s.Path, "secret %s goes to %s, which is empty at boot, but NixOS reads %s's password hash at activation, boot included", s.Name, s.Dest(), u.Name).
				Hintf("write destination = %q in [secrets.%s]: a file under /var/lib survives a reboot", "/var/lib/shoal/secrets/"+s.Name, s.Name).
				Relate(f.File, ref.Path, "password_file of %s", u.Name)
		}
		if s.Source == fleet.SourceExternal {
			continue // another tool puts it there
		}
		var missing []string
		for _, m := range machines {
			if !Receives(rf, s, m.Name) {
				missing = append(missing, m.Name)
			}
		}
		if len(missing) > 0 {
			diags.Errorf(diag.CodeSecretNotHere, f.File, s.Path, "user %s is on %s, which %s not receive secret %s holding their password hash", u.Name, strings.Join(missing, ", "), plural(len(missing), "does", "do"), s.Name).
				Hintf("add %q to receivers of [secrets.%s]: then every machine the user is on receives it, new ones too", "users."+u.Name, s.Name).
				Relate(f.File, ref.Path, "password_file of %s", u.Name)
		}
	}
	return diags
}

// UserPasswordLines is the [secrets.NAME] table that declares a user's
// password hash.
func UserPasswordLines(user, name string) string {
	return fmt.Sprintf("[secrets.%s]\nreceivers = [%q]\ndestination = %q\ngenerator = \"crypt\"\n", name, "users."+user, "/var/lib/shoal/secrets/"+name)
}

// SettingSecrets checks the feature settings written { secret = "NAME" }
// (tailscale.auth_key_file): every machine whose value comes from one must
// receive the secret, or the file it reads is not there.
func SettingSecrets(rf *resolve.Fleet) diag.List {
	var diags diag.List
	f := rf.Spec
	uses := map[string]fleet.Setting{} // by the setting's path
	add := func(ss []fleet.Setting) {
		for _, s := range ss {
			if _, ok := resolve.SecretSetting(s); ok {
				uses[s.Path.String()] = s
			}
		}
	}
	add(f.Defaults)
	for _, m := range f.Machines {
		add(m.Settings)
	}
	if len(uses) == 0 {
		return nil
	}
	missing := map[string][]string{} // machines, by the setting's path
	var order []string
	for _, rm := range rf.Machines {
		for _, ft := range rm.Features {
			for _, v := range ft.Settings {
				if v.Origin == nil || v.Origin.File != f.File {
					continue
				}
				key := v.Origin.Path.String()
				use, ok := uses[key]
				if !ok {
					continue
				}
				name, _ := resolve.SecretSetting(use)
				s := f.Secret(name)
				if s == nil || s.Source == fleet.SourceExternal || Receives(rf, s, rm.Name()) {
					continue
				}
				if missing[key] == nil {
					order = append(order, key)
				}
				missing[key] = append(missing[key], rm.Name())
			}
		}
	}
	for _, key := range order {
		use := uses[key]
		name, _ := resolve.SecretSetting(use)
		s := f.Secret(name)
		ms := missing[key]
		diags.Errorf(diag.CodeSecretNotHere, f.File, use.Path, "%s.%s reads secret %s on %s, which %s not receive it", use.Feature, use.Name, name, strings.Join(ms, ", "), plural(len(ms), "does", "do")).
			Hintf("add %s to receivers of [secrets.%s]", quoteAll(ms), name).
			Relate(f.File, s.Path, "secret %s", name)
	}
	return diags
}

func quoteAll(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = fmt.Sprintf("%q", s)
	}
	return strings.Join(q, ", ")
}
