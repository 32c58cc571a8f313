package secrets

import (
	"maps"
	"slices"
	"strings"

	"github.com/shoal-nix/shoal/internal/diag"
	"github.com/shoal-nix/shoal/internal/fleet"
	"github.com/shoal-nix/shoal/internal/resolve"
)

// RawRefs checks the secrets a machine's raw nixos."..." settings name:
// { public = "NAME" } (NAME/MACHINE, NAME/*) needs a declared key pair
// whose public halves rf.PublicKeys holds, and { secret = "NAME" } a
// declared secret the machine receives. Each problem is reported at the
// setting, with what to add or run.
func RawRefs(rf *resolve.Fleet) diag.List {
	var diags diag.List
	f := rf.Spec
	for _, m := range f.Machines {
		for _, raw := range m.NixOS {
			walkRaw(raw.Value.Value(), func(v any) bool {
				if secret, other, all, ok := resolve.PublicRef(v); ok {
					rawPublic(rf, m, raw, secret, other, all, &diags)
					return true
				}
				if t, ok := v.(map[string]any); ok && len(t) == 1 {
					if name, ok := t["secret"].(string); ok {
						rawSecret(rf, m, raw, name, &diags)
						return true
					}
				}
				return false
			})
		}
	}
	return diags
}

// walkRaw calls fn on v and, unless fn says it was a reference, on each
// value inside it.
func walkRaw(v any, fn func(any) bool) {
	if fn(v) {
		return
	}
	switch x := v.(type) {
	case map[string]any:
		for _, k := range slices.Sorted(maps.Keys(x)) {
			walkRaw(x[k], fn)
		}
	case []any:
		for _, e := range x {
			walkRaw(e, fn)
		}
	}
}

func rawPublic(rf *resolve.Fleet, m *fleet.Machine, raw fleet.RawOption, secret, other string, all bool, diags *diag.List) {
	f := rf.Spec
	s := f.Secret(secret)
	if s == nil {
		diags.Errorf(diag.CodeSecretUndeclared, f.File, raw.Path, "nixos.%q names the public half of secret %s, which [secrets] does not declare", raw.Option, secret).
			Hintf("add to shoal.toml, then run shoal secrets generate:\n\n[secrets.%s]\nreceivers = [%q]\ngenerator = \"ssh-ed25519\"   # or \"wireguard\"\n", secret, m.Name)
		return
	}
	var machines []string
	switch {
	case all:
		for _, r := range Receivers(rf, s, nil) {
			machines = append(machines, r.Name)
		}
	case other != "":
		if f.Machine(other) == nil {
			e := diags.Errorf(diag.CodeUnknownMachine, f.File, raw.Path, "nixos.%q names the public half of secret %s on machine %q, which the fleet does not have", raw.Option, secret, other)
			e.SetHint(diag.DidYouMean(other, f.MachineNames()))
			return
		}
		machines = []string{other}
	default:
		machines = []string{m.Name}
	}
	var missing []string
	for _, name := range machines {
		if _, ok := rf.PublicKey(secret, name); !ok {
			missing = append(missing, PublicFileOf(s, name))
		}
	}
	if len(missing) == 0 {
		return
	}
	e := diags.Errorf(diag.CodePublicMissing, f.File, raw.Path, "nixos.%q needs the public half of secret %s, but %s %s missing", raw.Option, secret, strings.Join(missing, ", "), plural(len(missing), "is", "are"))
	if s.Source == fleet.SourceGenerator && (s.Generator.Kind == "ssh-ed25519" || s.Generator.Kind == "wireguard") {
		e.Hintf("run shoal secrets generate, then commit %s", strings.Join(missing, ", "))
	} else {
		e.Hintf("write the public key (one line) to %s and commit it, or make [secrets.%s] a key pair: generator = \"ssh-ed25519\" or \"wireguard\", then run shoal secrets generate", missing[0], secret)
	}
	e.Relate(f.File, s.Path, "secret %s", secret)
}

func rawSecret(rf *resolve.Fleet, m *fleet.Machine, raw fleet.RawOption, name string, diags *diag.List) {
	f := rf.Spec
	s := f.Secret(name)
	if s == nil {
		diags.Errorf(diag.CodeSecretUndeclared, f.File, raw.Path, "nixos.%q reads secret %s, which [secrets] does not declare", raw.Option, name).
			Hintf("add to shoal.toml, then shoal secrets set %s < FILE:\n\n[secrets.%s]\nreceivers = [%q]\n", name, name, m.Name)
		return
	}
	if s.Source != fleet.SourceExternal && !Receives(rf, s, m.Name) {
		diags.Errorf(diag.CodeSecretNotHere, f.File, raw.Path, "nixos.%q on %s reads secret %s, which %s does not receive", raw.Option, m.Name, name, m.Name).
			Hintf("add %q to receivers of [secrets.%s]", m.Name, name).
			Relate(f.File, s.Path, "secret %s", name)
	}
}
