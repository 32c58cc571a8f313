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
