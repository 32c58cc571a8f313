package secrets

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"

	"filippo.io/age"

	"github.com/shoal-nix/shoal/internal/fleet"
	"github.com/shoal-nix/shoal/internal/resolve"
)

// Upload is one secret to install on one machine. Data is the secret's
// value: it must go to the machine on the SSH session's standard input
// only, never into an argument, a log, a record or an error. String and
// JSON leave it out; Hash (hex SHA-256 of Data) is what may be recorded
// or compared, so that a dry run can say which secrets would change.
type Upload struct {
	Name  string      `json:"name"`
	Dest  string      `json:"destination"`
	Owner string      `json:"owner"`
	Group string      `json:"group"`
	Mode  fs.FileMode `json:"mode"`
	Hash  string      `json:"sha256"`
	// Readers are the systemd units of the machine that read the file
	// (from the catalog): deploy restarts them when the value changes.
	Readers []string `json:"readers,omitempty"`
	Data    []byte   `json:"-"`
}

// String describes the upload without its value.
func (u Upload) String() string {
	return fmt.Sprintf("%s -> %s (%s:%s %04o, sha256 %s)", u.Name, u.Dest, u.Owner, u.Group, u.Mode, u.Hash)
}

// GoString keeps %#v from printing the value too.
func (u Upload) GoString() string { return "secrets.Upload{" + u.String() + "}" }

// Source is where deploy reads secrets' values from: the fleet repository
// (FS, with the fleet file in Dir), decrypted with the admin's identities,
// and the commands of secrets whose source is a command.
type Source struct {
	FS         fs.FS
	Dir        string
	Identities []age.Identity
	// Command runs a secret's command (through deploy's runner, with the
	// fleet directory as working directory and $SHOAL_MACHINE set to the
	// receiving machine, which a per-machine secret's command needs) and
	// returns its standard output, which is the secret. Its argv may be
	// traced; its output must not be.
	Command func(ctx context.Context, command, machine string) ([]byte, error)
}

// Plan returns the secrets machine receives, in declaration order, with
// their values: decrypted from secrets/NAME.age or read from their
// command. Deploy calls it once per machine before activation, then sends
// the result with InstallScript over its own SSH connection.
func (src Source) Plan(ctx context.Context, rf *resolve.Fleet, machine string) ([]Upload, error) {
	var out []Upload
	for _, s := range rf.Spec.Secrets {
		if s.Source == fleet.SourceExternal || !Receives(rf, s, machine) {
			continue
		}
		data, err := src.Value(ctx, s, machine)
		if err != nil {
			return nil, fmt.Errorf("secret %s for %s: %w", s.Name, machine, err)
		}
		sum := sha256.Sum256(data)
		out = append(out, Upload{Name: s.Name, Dest: s.Dest(), Owner: s.Owner, Group: s.Group, Mode: fs.FileMode(s.Mode), Hash: hex.EncodeToString(sum[:]),
			Readers: Readers(rf, machine, s.Dest()), Data: data})
	}
	return out, nil
}

// Readers returns the systemd units of machine that read the file at
// dest, as the catalog's services declare them (each [secrets.NAME] of a
// service says which units of its role read it), sorted.
func Readers(rf *resolve.Fleet, machine, dest string) []string {
	var units []string
	for _, svc := range rf.Services {
		for _, x := range svc.Def.Secrets {
			if x.File() != dest {
				continue
			}
			if slices.ContainsFunc(svc.Members(x.Role), func(m *fleet.Machine) bool { return m.Name == machine }) {
				units = append(units, x.Units...)
			}
		}
	}
	slices.Sort(units)
	return slices.Compact(units)
}

// Value returns the value of a secret that machine receives (the one
// value of a secret that is not per machine).
func (src Source) Value(ctx context.Context, s *fleet.Secret, machine string) ([]byte, error) {
	if s.Source == fleet.SourceCommand {
		if src.Command == nil {
			return nil, fmt.Errorf("secret %s comes from a command, and no command runner was given", s.Name)
		}
		return src.Command(ctx, s.Command, machine)
	}
	file := FileOf(s, machine)
	ct, err := fs.ReadFile(src.FS, path.Join(src.Dir, file))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", file, err)
	}
	pt, err := Decrypt(ct, src.Identities)
	if err != nil {
		return nil, fmt.Errorf("decrypt %s: %w", file, err)
	}
	return pt, nil
}

// installFunc is the remote side of InstallScript: it reads one line of
// base64 from standard input, writes it decoded to a temporary file next
// to the destination, sets owner, group and mode on it, and renames it
// into place, so a reader never sees a partial file or the wrong mode.
const installFunc = `set -eu
umask 077
tmp=
trap 'if [ -n "$tmp" ]; then rm -f "$tmp"; fi' EXIT
put() {
	IFS= read -r line || { echo "shoal: the secrets on standard input end early" >&2; exit 1; }
	dir=${1%/*}
	[ -d "$dir" ] || mkdir -p -m 0755 "$dir"
	tmp=$(mktemp "$dir/.shoal-secret.XXXXXX")
	printf '%s' "$line" | base64 -d > "$tmp"
	# An owner that the new system creates does not exist before its
	# activation: the file stays root's until deploy chowns it after.
	if ! chown "$2:$3" "$tmp" 2>/dev/null; then
		chown 0:0 "$tmp"
		printf 'later %s\n' "$1"
	fi
	chmod "$4" "$tmp"
	mv -f "$tmp" "$1"
	tmp=
}
`

// InstallScript returns a POSIX shell script and the standard input to
// run it with, as root on the machine (ssh HOST sh -c SCRIPT, or through
// sudo), to install every upload atomically with its owner, group and
// mode. The script holds only paths, owners and modes; the values are on
// stdin, one base64 line each, so they never appear on a command line.
func InstallScript(ups []Upload) (script string, stdin []byte) {
	var b strings.Builder
	b.WriteString(installFunc)
	var in strings.Builder
	for _, u := range ups {
		fmt.Fprintf(&b, "put %s %s %s %04o\n", shellQuote(u.Dest), shellQuote(u.Owner), shellQuote(u.Group), u.Mode)
		in.WriteString(base64.StdEncoding.EncodeToString(u.Data))
		in.WriteByte('\n')
	}
	return b.String(), []byte(in.String())
}

// OwnerScript returns a script that gives each upload's file its owner
// and group, for the files InstallScript left to root because their owner
// did not exist yet (it printed "later PATH"): deploy runs it after the
// activation that creates the owners.
func OwnerScript(ups []Upload) string {
	var b strings.Builder
	b.WriteString("set -e\n")
	for _, u := range ups {
		fmt.Fprintf(&b, "chown %s %s\n", shellQuote(u.Owner+":"+u.Group), shellQuote(u.Dest))
	}
	return b.String()
}

// HashScript returns a script that prints "OWNER:GROUP:MODE SHA256  PATH"
// for each upload's destination that exists (MODE in octal, as stat
// prints it), so deploy, and --dry-run, can compare it with Hash and the
// declared owner and mode and say which secrets would change without
// reading them back.
func HashScript(ups []Upload) string {
	var b strings.Builder
	b.WriteString("for f in")
	for _, u := range ups {
		b.WriteString(" " + shellQuote(u.Dest))
	}
	b.WriteString("; do if [ -f \"$f\" ]; then printf '%s ' \"$(stat -c '%U:%G:%a' \"$f\")\"; sha256sum \"$f\"; fi; done\n")
	return b.String()
}

// Meta is the OWNER:GROUP:MODE that HashScript prints for the upload's
// file when it is as declared.
func (u Upload) Meta() string { return fmt.Sprintf("%s:%s:%o", u.Owner, u.Group, u.Mode) }

// shellQuote quotes s for a POSIX shell.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
