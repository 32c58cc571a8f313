package cli

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"

	"filippo.io/age"
	"github.com/spf13/cobra"

	"github.com/shoal-nix/shoal/internal/check"
	"github.com/shoal-nix/shoal/internal/diag"
	"github.com/shoal-nix/shoal/internal/fleet"
	"github.com/shoal-nix/shoal/internal/secrets"
)

type secretsOptions struct {
	fleet    string // --fleet
	identity string // --identity
	json     bool
}

func newSecretsCommand(g *globals) *cobra.Command {
	var o secretsOptions
	cmd := &cobra.Command{
		Use:   "secrets",
		Short: "Manage the fleet's age-encrypted secrets",
		Long: `Secrets are declared in shoal.toml as [secrets.NAME] and kept in the fleet
repository as secrets/NAME.age, encrypted with age to the fleet's admin keys
([fleet] admin_keys, age_recipients) and to the SSH host key of every machine
that receives them ([machines.NAME] host_key). Deploy installs them on the
machines; they never enter the Nix store.

show, edit and rekey decrypt with the admin's identity: --identity FILE, else
$SHOAL_AGE_IDENTITY, else ~/.ssh/id_ed25519 (an OpenSSH ed25519 key or an age
identity file). set reads the value from standard input, never from the command
line. No command but show prints a secret's value.`,
		Example: "  shoal secrets set restic-password < pw.txt\n  shoal secrets list --json\n  shoal secrets rekey",
	}
	cmd.PersistentFlags().StringVar(&o.fleet, "fleet", "", "the fleet: a directory holding shoal.toml (default: the current directory)")
	cmd.PersistentFlags().StringVar(&o.identity, "identity", "", "the admin's identity file (ssh-ed25519 private key or age identity)")
	one := func(use, short string, run func(ctx context.Context, name string) error) *cobra.Command {
		return &cobra.Command{Use: use + " NAME", Short: short, Args: exactArgs(1, "NAME"),
			RunE: func(c *cobra.Command, args []string) error { return run(c.Context(), args[0]) }}
	}
	list := &cobra.Command{Use: "list", Short: "List the declared secrets, their receivers and state", Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error { return runSecretsList(c.Context(), g, o) }}
	list.Flags().BoolVar(&o.json, "json", false, "print the list as JSON")
	chk := &cobra.Command{Use: "check", Short: "Check every secret's file: present, an age file, encrypted to exactly its recipients", Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error { return runSecretsCheck(c.Context(), g, o) }}
	chk.Flags().BoolVar(&o.json, "json", false, "print the result as JSON")
	cmd.AddCommand(
		list, chk,
		one("show", "Decrypt a secret to standard output", func(ctx context.Context, n string) error { return runSecretsShow(ctx, g, o, n) }),
		one("set", "Encrypt standard input as the secret's value", func(ctx context.Context, n string) error { return runSecretsSet(ctx, g, o, n) }),
		one("edit", "Edit a secret in $EDITOR on a private temporary file", func(ctx context.Context, n string) error { return runSecretsEdit(ctx, g, o, n) }),
		&cobra.Command{Use: "generate", Short: "Make every generated secret that has no file yet", Args: cobra.NoArgs,
			RunE: func(c *cobra.Command, _ []string) error { return runSecretsGenerate(c.Context(), g, o) }},
		&cobra.Command{Use: "rekey [NAME...]", Short: "Re-encrypt secrets to their current recipients",
			RunE: func(c *cobra.Command, args []string) error { return runSecretsRekey(c.Context(), g, o, args) }},
	)
	return cmd
}

func exactArgs(n int, what string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) != n {
			return usageError("%s takes %s", cmd.CommandPath(), what)
		}
		return nil
	}
}

// secretsFleet is a fleet loaded for a secrets command: checked, resolved,
// with its directory.
type secretsFleet struct {
	res *check.Result
	dir string
}

func loadSecretsFleet(g *globals, o secretsOptions) (*secretsFleet, error) {
	res, dir, err := loadFleetDir(o.fleet)
	if err != nil {
		return nil, err
	}
	if dir == "" {
		dir = "."
	}
	if res.Resolved == nil {
		g.diagRenderer(g.stderr, res.Docs).render(res.Diags)
		return nil, &exitError{code: ExitFleetError, err: errors.New("the fleet file has errors")}
	}
	return &secretsFleet{res: res, dir: dir}, nil
}

func (sf *secretsFleet) secret(name string) (*fleet.Secret, error) {
	s := sf.res.Fleet.Secret(name)
	if s == nil {
		var names []string
		for _, s := range sf.res.Fleet.Secrets {
			names = append(names, s.Name)
		}
		hint := diag.DidYouMean(name, names)
		if hint == "" {
			hint = fmt.Sprintf("declare it in shoal.toml:\n\n[secrets.%s]\nreceivers = [\"MACHINE\"]", name)
		}
		return nil, usageError("no secret %q in [secrets]; %s", name, hint)
	}
	return s, nil
}

// file is the path of the file holding machine's value of s ("" for a
// secret that is not per machine).
func (sf *secretsFleet) file(s *fleet.Secret, machine string) string {
	return filepath.Join(sf.dir, filepath.FromSlash(secrets.FileOf(s, machine)))
}

// arg reads a secret argument: NAME, or NAME/MACHINE for a per-machine
// secret.
func (sf *secretsFleet) arg(a string) (*fleet.Secret, string, error) {
	name, machine, _ := strings.Cut(a, "/")
	s, err := sf.secret(name)
	if err != nil {
		return nil, "", err
	}
	receivers := sf.receivers(s)
	switch {
	case s.PerMachine && machine == "":
		return nil, "", usageError("secret %s has one value per machine: name one, as %s/MACHINE (%s)", s.Name, s.Name, strings.Join(receivers, ", "))
	case !s.PerMachine && machine != "":
		return nil, "", usageError("secret %s has one value for all its machines: name it %s", s.Name, s.Name)
	case s.PerMachine && !slices.Contains(receivers, machine):
		return nil, "", usageError("machine %q does not receive secret %s; its receivers: %s", machine, s.Name, strings.Join(receivers, ", "))
	}
	return s, machine, nil
}

// receivers names the machines that receive s.
func (sf *secretsFleet) receivers(s *fleet.Secret) []string {
	var names []string
	for _, m := range secrets.Receivers(sf.res.Resolved, s, nil) {
		names = append(names, m.Name)
	}
	return names
}

// machines lists the files of s by machine: "" alone for a secret that is
// not per machine, else each receiver.
func (sf *secretsFleet) machines(s *fleet.Secret) []string {
	if !s.PerMachine {
		return []string{""}
	}
	return sf.receivers(s)
}

func (sf *secretsFleet) recipients(s *fleet.Secret, machine string) ([]secrets.Recipient, error) {
	ms := secrets.Receivers(sf.res.Resolved, s, nil)
	if s.PerMachine {
		ms = []*fleet.Machine{sf.res.Fleet.Machine(machine)}
	}
	rs, err := secrets.Recipients(sf.res.Fleet, ms)
	if err != nil {
		return nil, fmt.Errorf("secret %s: %w", s.Name, err)
	}
	return rs, nil
}

// write encrypts value to the recipients of machine's value of s and
// replaces its file.
func (sf *secretsFleet) write(s *fleet.Secret, machine string, value []byte) error {
	rs, err := sf.recipients(s, machine)
	if err != nil {
		return err
	}
	ct, err := secrets.Encrypt(value, rs)
	if err != nil {
		return fmt.Errorf("secret %s: %w", s.Name, err)
	}
	return writeFileAtomic(sf.file(s, machine), ct)
}

func (sf *secretsFleet) read(s *fleet.Secret, machine string, ids []age.Identity) ([]byte, error) {
	rel := secrets.FileOf(s, machine)
	ct, err := os.ReadFile(sf.file(s, machine))
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("secret %s has no file %s yet", s.Name, rel)
		}
		return nil, err
	}
	pt, err := secrets.Decrypt(ct, ids)
	if err != nil {
		return nil, fmt.Errorf("decrypt %s: %w", rel, err)
	}
	return pt, nil
}

func writeFileAtomic(name string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(name), ".shoal-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", name, err)
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	return os.Rename(tmp.Name(), name)
}

func (o secretsOptions) identities() ([]age.Identity, error) {
	return secrets.LoadIdentities(o.identity, os.Getenv, nil)
}

func runSecretsList(_ context.Context, g *globals, o secretsOptions) error {
	sf, err := loadSecretsFleet(g, o)
	if err != nil {
		return err
	}
	_, st := secrets.Check(os.DirFS(sf.dir), ".", sf.res.Resolved)
	if o.json {
		if st == nil {
			st = []secrets.Status{}
		}
		return writeJSON(g.stdout, st)
	}
	tw := tabwriter.NewWriter(g.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tSOURCE\tSTATE\tDESTINATION\tOWNER\tMODE\tRECEIVERS")
	for _, s := range st {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s:%s\t%s\t%s\n", s.Name, s.Source, s.State, s.Dest, s.Owner, s.Group, s.Mode, strings.Join(s.Receivers, ","))
	}
	return tw.Flush()
}

func runSecretsCheck(_ context.Context, g *globals, o secretsOptions) error {
	sf, err := loadSecretsFleet(g, o)
	if err != nil {
		return err
	}
	diags, st := secrets.Check(os.DirFS(sf.dir), ".", sf.res.Resolved)
	diags = append(diags, secrets.Scan(sf.res.Fleet)...)
	locs := map[string]diag.Locator{}
	for n, d := range sf.res.Docs {
		locs[n] = d
	}
	diags.Correlate(locs)
	diags.Sort()
	if o.json {
		if st == nil {
			st = []secrets.Status{}
		}
		if diags == nil {
			diags = diag.List{}
		}
		if err := writeJSON(g.stdout, struct {
			Secrets     []secrets.Status  `json:"secrets"`
			Diagnostics []diag.Diagnostic `json:"diagnostics"`
		}{st, diags}); err != nil {
			return err
		}
	} else {
		g.diagRenderer(g.stdout, sf.res.Docs).render(diags)
		fmt.Fprintf(g.stdout, "%d %s checked: %s\n", len(st), plural(len(st), "secret"), summary(diags))
	}
	if diags.HasErrors() {
		return &exitError{code: ExitFleetError}
	}
	return nil
}

func runSecretsShow(_ context.Context, g *globals, o secretsOptions, name string) error {
	sf, err := loadSecretsFleet(g, o)
	if err != nil {
		return err
	}
	s, machine, err := sf.arg(name)
	if err != nil {
		return err
	}
	if s.Source == fleet.SourceCommand || s.Source == fleet.SourceExternal {
		return usageError("secret %s is not stored by shoal (source = %q)", s.Name, s.Source)
	}
	ids, err := o.identities()
	if err != nil {
		return err
	}
	pt, err := sf.read(s, machine, ids)
	if err != nil {
		return err
	}
	_, err = g.stdout.Write(pt)
	return err
}

func runSecretsSet(_ context.Context, g *globals, o secretsOptions, name string) error {
	sf, err := loadSecretsFleet(g, o)
	if err != nil {
		return err
	}
	s, machine, err := sf.arg(name)
	if err != nil {
		return err
	}
	if s.Source == fleet.SourceCommand || s.Source == fleet.SourceExternal {
		return usageError("secret %s is not stored by shoal (source = %q)", s.Name, s.Source)
	}
	if f, ok := g.stdin.(*os.File); ok && isTerminal(f) {
		fmt.Fprintf(g.stderr, "type the value of %s, then Ctrl-D:\n", s.Name)
	}
	value, err := io.ReadAll(g.stdin)
	if err != nil {
		return fmt.Errorf("read the value from standard input: %w", err)
	}
	if len(value) == 0 {
		return usageError("standard input is empty: shoal secrets set %s < FILE", s.Name)
	}
	if err := sf.write(s, machine, value); err != nil {
		return err
	}
	fmt.Fprintf(g.stderr, "wrote %s\n", secrets.FileOf(s, machine))
	return nil
}

func runSecretsEdit(ctx context.Context, g *globals, o secretsOptions, name string) error {
	sf, err := loadSecretsFleet(g, o)
	if err != nil {
		return err
	}
	s, machine, err := sf.arg(name)
	if err != nil {
		return err
	}
	if s.Source == fleet.SourceCommand || s.Source == fleet.SourceExternal {
		return usageError("secret %s is not stored by shoal (source = %q)", s.Name, s.Source)
	}
	var old []byte
	if _, err := os.Stat(sf.file(s, machine)); err == nil {
		ids, err := o.identities()
		if err != nil {
			return err
		}
		if old, err = sf.read(s, machine, ids); err != nil {
			return err
		}
	}
	editor := os.Getenv("VISUAL")
	if editor == "" {
		editor = os.Getenv("EDITOR")
	}
	if editor == "" {
		editor = "vi"
	}
	// A private directory outside the repository, on tmpfs where there is
	// one; removed on every way out, Ctrl-C included (Main cancels ctx and
	// waits for this function to return).
	base := os.Getenv("XDG_RUNTIME_DIR")
	if base == "" {
		if fi, err := os.Stat("/dev/shm"); err == nil && fi.IsDir() {
			base = "/dev/shm"
		}
	}
	tmpDir, err := os.MkdirTemp(base, "shoal-secret-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmpDir)
	if err := os.Chmod(tmpDir, 0o700); err != nil {
		return err
	}
	file := filepath.Join(tmpDir, strings.ReplaceAll(name, "/", "-"))
	if err := os.WriteFile(file, old, 0o600); err != nil {
		return err
	}
	c := exec.CommandContext(ctx, "sh", "-c", editor+` "$1"`, "editor", file)
	c.Stdin, c.Stdout, c.Stderr = os.Stdin, g.stdout, g.stderr
	if err := c.Run(); err != nil {
		return fmt.Errorf("editor %s: %w (nothing was changed)", editor, err)
	}
	value, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	if bytes.Equal(value, old) {
		fmt.Fprintf(g.stderr, "%s unchanged\n", s.Name)
		return nil
	}
	if len(value) == 0 {
		return errors.New("the file is empty: nothing was changed")
	}
	if err := sf.write(s, machine, value); err != nil {
		return err
	}
	fmt.Fprintf(g.stderr, "wrote %s\n", secrets.FileOf(s, machine))
	return nil
}

func runSecretsGenerate(_ context.Context, g *globals, o secretsOptions) error {
	sf, err := loadSecretsFleet(g, o)
	if err != nil {
		return err
	}
	var ids []age.Identity
	identities := func() ([]age.Identity, error) {
		var err error
		if ids == nil {
			ids, err = o.identities()
		}
		return ids, err
	}
	made := map[secretFile][]byte{} // values made in this run, for htpasswd
	var stdin *bufio.Reader
	value := func(s *fleet.Secret, machine string) ([]byte, error) {
		if v, ok := made[secretFile{s.Name, machine}]; ok {
			return v, nil
		}
		ids, err := identities()
		if err != nil {
			return nil, err
		}
		return sf.read(s, machine, ids)
	}
	in := secrets.Inputs{
		Secret: func(name string) ([]byte, error) {
			s := sf.res.Fleet.Secret(name)
			if s == nil {
				return nil, fmt.Errorf("no secret %q", name)
			}
			return value(s, "")
		},
		Values: func(name string) ([]secrets.MachineValue, error) {
			s := sf.res.Fleet.Secret(name)
			if s == nil {
				return nil, fmt.Errorf("no secret %q", name)
			}
			var out []secrets.MachineValue
			for _, m := range sf.machines(s) {
				v, err := value(s, m)
				if err != nil {
					return nil, err
				}
				out = append(out, secrets.MachineValue{Machine: m, Value: v})
			}
			return out, nil
		},
		Prompt: func(name string) ([]byte, error) {
			fmt.Fprintf(g.stderr, "password for %s (one line): ", name)
			// One reader for every prompt: piped passwords come one a
			// line, and a reader per prompt would swallow the next ones.
			if stdin == nil {
				stdin = bufio.NewReader(g.stdin)
			}
			line, err := stdin.ReadString('\n')
			line = strings.TrimRight(line, "\r\n")
			if line == "" {
				return nil, fmt.Errorf("no password typed for %s: %w", name, err)
			}
			return []byte(line), nil
		},
	}
	n := 0
	for _, s := range secrets.GenerateOrder(sf.res.Fleet) {
		if s.Source != fleet.SourceGenerator {
			continue
		}
		for _, machine := range sf.machines(s) {
			redo, err := sf.outdated(s, machine, made, identities, g.stderr)
			if err != nil {
				return err
			}
			if _, err := os.Stat(sf.file(s, machine)); err == nil && !redo {
				continue // made once, then kept
			}
			in.Machine = machine
			gen, err := secrets.Generate(s, in)
			if err != nil {
				return fmt.Errorf("generate %s: %w", secrets.FileOf(s, machine), err)
			}
			if err := sf.write(s, machine, gen.Secret); err != nil {
				return err
			}
			made[secretFile{s.Name, machine}] = gen.Secret
			if gen.Public != nil {
				pub := strings.TrimSuffix(secrets.FileOf(s, machine), ".age") + ".pub"
				if err := writeFileAtomic(filepath.Join(sf.dir, filepath.FromSlash(pub)), gen.Public); err != nil {
					return err
				}
			}
			fmt.Fprintf(g.stderr, "generated %s (%s)\n", secrets.FileOf(s, machine), s.Generator.Kind)
			n++
		}
	}
	fmt.Fprintf(g.stderr, "%d %s generated\n", n, plural(n, "secret"))
	return nil
}

// secretFile names one stored value: a secret, and its machine for a
// per-machine secret.
type secretFile struct{ name, machine string }

// outdated reports whether an htpasswd file made from a per-machine
// secret must be made again: a machine's value was made in this run, or
// the file's users are not that secret's receivers (a client was added or
// removed). User names are not secret; reading them needs the identity.
func (sf *secretsFleet) outdated(s *fleet.Secret, machine string, made map[secretFile][]byte, identities func() ([]age.Identity, error), warn io.Writer) (bool, error) {
	from := sf.res.Fleet.Secret(s.Generator.UsersFrom.Value)
	if from == nil {
		return false, nil
	}
	for k := range made {
		if k.name == from.Name {
			return true, nil
		}
	}
	if _, err := os.Stat(sf.file(s, machine)); err != nil {
		return true, nil
	}
	ids, err := identities()
	if errors.Is(err, secrets.ErrNoIdentity) {
		// Only a changed list of users makes the file again, and the
		// list is inside it: without the admin's identity, keep it.
		fmt.Fprintf(warn, "shoal: kept %s: whether it lists every receiver of %s cannot be read without the admin's identity (%v)\n", secrets.FileOf(s, machine), from.Name, err)
		return false, nil
	}
	if err != nil {
		return false, err
	}
	old, err := sf.read(s, machine, ids)
	if err != nil {
		return false, err
	}
	var users []string
	for _, line := range strings.Split(strings.TrimSpace(string(old)), "\n") {
		if u, _, ok := strings.Cut(line, ":"); ok {
			users = append(users, u)
		}
	}
	want := sf.machines(from)
	for _, u := range s.Generator.Users {
		want = append(want, u.User)
	}
	slices.Sort(users)
	slices.Sort(want)
	return !slices.Equal(users, want), nil
}

func runSecretsRekey(_ context.Context, g *globals, o secretsOptions, names []string) error {
	sf, err := loadSecretsFleet(g, o)
	if err != nil {
		return err
	}
	var list []*fleet.Secret
	for _, n := range names {
		s, err := sf.secret(n)
		if err != nil {
			return err
		}
		list = append(list, s)
	}
	if len(names) == 0 {
		list = sf.res.Fleet.Secrets
	}
	ids, err := o.identities()
	if err != nil {
		return err
	}
	n := 0
	for _, s := range list {
		if s.Source == fleet.SourceCommand || s.Source == fleet.SourceExternal {
			continue
		}
		for _, machine := range sf.machines(s) {
			if _, err := os.Stat(sf.file(s, machine)); errors.Is(err, os.ErrNotExist) {
				if len(names) > 0 && !s.PerMachine {
					return fmt.Errorf("secret %s has no file %s yet", s.Name, secrets.FileOf(s, machine))
				}
				continue
			}
			pt, err := sf.read(s, machine, ids)
			if err != nil {
				return err
			}
			if err := sf.write(s, machine, pt); err != nil {
				return err
			}
			n++
		}
	}
	fmt.Fprintf(g.stderr, "%d %s re-encrypted\n", n, plural(n, "secret"))
	return nil
}
