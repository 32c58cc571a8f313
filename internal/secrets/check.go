package secrets

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"slices"
	"strings"

	"github.com/shoal-nix/shoal/internal/diag"
	"github.com/shoal-nix/shoal/internal/fleet"
	"github.com/shoal-nix/shoal/internal/resolve"
)

// headerLimit bounds what Check reads of each file: an age header with a
// few dozen recipients is a few KiB.
const headerLimit = 64 << 10

// Status is what Check found about one secret's file.
type Status struct {
	Name      string   `json:"name"`
	Source    string   `json:"source"`
	File      string   `json:"file,omitempty"`
	Dest      string   `json:"destination"`
	Owner     string   `json:"owner"`
	Group     string   `json:"group"`
	Mode      string   `json:"mode"`
	Receivers []string `json:"receivers"`
	// State is ok, missing, corrupt, rekey (not encrypted to a current
	// recipient), stale (encrypted to a former one), command (a command's
	// output, nothing stored) or external (put in place by another tool).
	State string `json:"state"`
	// Missing and Stale name recipients ("machine nas", "admin key 1").
	Missing []string `json:"missing_recipients,omitempty"`
	Stale   int      `json:"stale_recipients,omitempty"`
}

// Check inspects each declared secret's file in fsys (the fleet directory
// is dir) by reading its age header only: it never decrypts. It returns
// the diagnostics and a status per secret, in declaration order.
func Check(fsys fs.FS, dir string, rf *resolve.Fleet) (diag.List, []Status) {
	var diags diag.List
	f := rf.Spec
	var out []Status
	if slices.ContainsFunc(f.Secrets, stored) {
		unusableKeys(f, &diags)
	}
	for _, s := range f.Secrets {
		ms := Receivers(rf, s, &diags)
		st := Status{Name: s.Name, Source: s.Source, Dest: s.Dest(), Owner: s.Owner, Group: s.Group, Mode: fmt.Sprintf("%04o", s.Mode), Receivers: []string{}}
		for _, m := range ms {
			st.Receivers = append(st.Receivers, m.Name)
			if m.HostKey.Value == "" && stored(s) {
				diags.Errorf(diag.CodeMissing, f.File, m.Path, "machine %s receives secret %s but has no host_key", m.Name, s.Name).
					Hintf("add host_key = \"ssh-ed25519 AAAA...\" to [machines.%s]; ssh-keyscan -t ed25519 ADDRESS prints it (leave out the host name in front)", m.Name)
			}
		}
		for _, u := range s.Generator.Users {
			if f.Secret(u.Secret.Value) == nil {
				e := diags.Errorf(diag.CodeSecretUndeclared, f.File, u.Secret.Path, "htpasswd user %s takes its password from secret %q, which [secrets] does not declare", u.User, u.Secret.Value)
				e.SetHint(diag.DidYouMean(u.Secret.Value, secretNames(f)))
			}
		}
		if from := s.Generator.UsersFrom; from.Value != "" {
			switch d := f.Secret(from.Value); {
			case d == nil:
				e := diags.Errorf(diag.CodeSecretUndeclared, f.File, from.Path, "htpasswd users_from names secret %q, which [secrets] does not declare", from.Value)
				e.SetHint(diag.DidYouMean(from.Value, secretNames(f)))
			case !d.PerMachine:
				diags.Errorf(diag.CodeInvalidValue, f.File, from.Path, "htpasswd users_from names secret %s, which is not per machine", from.Value).
					Hintf("add per_machine = true to [secrets.%s]: each machine then has its own login", from.Value)
			}
		}
		if s.Source == fleet.SourceCommand || s.Source == fleet.SourceExternal {
			st.State = s.Source // nothing stored in the repository
			out = append(out, st)
			continue
		}
		if s.PerMachine {
			st.File = Dir + "/" + s.Name + "/MACHINE.age"
			st.State = "ok"
			for _, m := range ms {
				st.State = worse(st.State, checkFile(fsys, dir, f, s, FileOf(s, m.Name), []*fleet.Machine{m}, &st, &diags))
			}
			leftovers(fsys, dir, f, s, st.Receivers, &diags)
			slices.Sort(st.Missing)
		} else {
			st.File = File(s.Name)
			st.State = checkFile(fsys, dir, f, s, st.File, ms, &st, &diags)
		}
		out = append(out, st)
	}
	return diags, out
}

// unusableKeys reports the admin and host keys that secrets cannot be
// encrypted to (not ed25519, or not a key at all).
func unusableKeys(f *fleet.Fleet, diags *diag.List) {
	keys := append(slices.Clone(f.AdminKeys), f.AgeRecipients...)
	for _, m := range f.Machines {
		if m.HostKey.Value != "" {
			keys = append(keys, m.HostKey)
		}
	}
	for _, k := range keys {
		if _, err := ParseRecipient(k.Value); err != nil {
			diags.Errorf(diag.CodeInvalidValue, f.File, k.Path, "secrets cannot be encrypted to this key: %v", err).
				Hintf("secrets need ssh-ed25519 keys (or age1... recipients): paste the whole line of an id_ed25519.pub or ssh_host_ed25519_key.pub")
		}
	}
}

func secretNames(f *fleet.Fleet) []string {
	var names []string
	for _, s := range f.Secrets {
		names = append(names, s.Name)
	}
	return names
}

// states orders a secret's states from good to bad: a per-machine
// secret's state is its worst file's.
var states = []string{"ok", "stale", "rekey", "missing", "corrupt"}

func worse(a, b string) string {
	if slices.Index(states, b) > slices.Index(states, a) {
		return b
	}
	return a
}

// leftovers warns of the files a per-machine secret still has for
// machines that no longer receive it: they hold a value those machines
// could decrypt.
func leftovers(fsys fs.FS, dir string, f *fleet.Fleet, s *fleet.Secret, receivers []string, diags *diag.List) {
	entries, err := fs.ReadDir(fsys, path.Join(dir, Dir, s.Name))
	if err != nil {
		return
	}
	for _, e := range entries {
		m, ok := strings.CutSuffix(e.Name(), ".age")
		if !ok || e.IsDir() || slices.Contains(receivers, m) {
			continue
		}
		diags.Warnf(diag.CodeSecretStale, f.File, s.Path, "secret %s still has a file for %s, which no longer receives it", s.Name, m).
			Hintf("remove %s (git rm): %s can decrypt it; change the value of the others if that matters", File(s.Name+"/"+m), m)
	}
}

func checkFile(fsys fs.FS, dir string, f *fleet.Fleet, s *fleet.Secret, file string, ms []*fleet.Machine, st *Status, diags *diag.List) string {
	data, err := readHead(fsys, path.Join(dir, file))
	label := strings.TrimSuffix(strings.TrimPrefix(file, Dir+"/"), ".age") // NAME or NAME/MACHINE
	if errors.Is(err, fs.ErrNotExist) {
		e := diags.Errorf(diag.CodeSecretMissing, f.File, s.Path, "secret %s has no file %s", s.Name, file)
		if s.Source == fleet.SourceGenerator {
			e.Hintf("run shoal secrets generate to make it")
		} else {
			e.Hintf("run shoal secrets set %s < FILE (or shoal secrets edit %s) to create it", label, label)
		}
		return "missing"
	}
	if err != nil {
		diags.Errorf(diag.CodeSecretCorrupt, f.File, s.Path, "secret %s: cannot read %s: %v", s.Name, file, errors.Unwrap(err))
		return "corrupt"
	}
	stanzas, err := Header(data)
	if err != nil {
		diags.Errorf(diag.CodeSecretCorrupt, f.File, s.Path, "secret %s: %s is %v", s.Name, file, err).
			Hintf("if it holds the secret in clear, treat the secret as leaked; re-create it with shoal secrets set %s", label)
		return "corrupt"
	}
	want, _ := Recipients(f, ms) // keys that cannot be used are reported by the parser
	state := "ok"
	tags := map[string]bool{}
	x25519 := 0
	for _, st := range stanzas {
		switch st.Type {
		case "ssh-ed25519":
			if len(st.Args) > 0 {
				tags[st.Args[0]] = true
			}
		case "X25519":
			x25519++
		}
	}
	wantTags := map[string]bool{}
	wantX := 0
	for _, r := range want {
		if r.Tag == "" {
			wantX++
			continue
		}
		wantTags[r.Tag] = true
		if !tags[r.Tag] {
			st.Missing = append(st.Missing, r.Who)
		}
	}
	if x25519 < wantX {
		st.Missing = append(st.Missing, fmt.Sprintf("%d age recipient(s)", wantX-x25519))
	}
	if len(st.Missing) > 0 {
		diags.Errorf(diag.CodeSecretRecipient, f.File, s.Path, "secret %s is not encrypted to %s", s.Name, strings.Join(st.Missing, ", ")).
			Hintf("run shoal secrets rekey %s (it decrypts with your identity and encrypts to the current recipients)", s.Name)
		state = "rekey"
	}
	for t := range tags {
		if !wantTags[t] {
			st.Stale++
		}
	}
	if x25519 > wantX {
		st.Stale += x25519 - wantX
	}
	if st.Stale > 0 {
		diags.Warnf(diag.CodeSecretStale, f.File, s.Path, "secret %s is still encrypted to %s", s.Name, staleKeys(st.Stale)).
			Hintf("run shoal secrets rekey %s; a removed key kept the old value: change the secret itself if that key may be compromised", s.Name)
		if state == "ok" {
			state = "stale"
		}
	}
	slices.Sort(st.Missing)
	return state
}

// readHead reads at most headerLimit bytes of a file.
func readHead(fsys fs.FS, name string) ([]byte, error) {
	fh, err := fsys.Open(name)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	data, err := io.ReadAll(io.LimitReader(fh, headerLimit))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	return data, nil
}

func staleKeys(n int) string {
	if n == 1 {
		return "a key that is no longer its recipient"
	}
	return fmt.Sprintf("%d keys that are no longer its recipients", n)
}

// stored reports whether a secret is kept encrypted in the repository,
// and so needs its receivers' host keys.
func stored(s *fleet.Secret) bool {
	return s.Source == fleet.SourceFile || s.Source == fleet.SourceGenerator
}
