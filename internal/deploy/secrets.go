package deploy

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/shoal-nix/shoal/internal/secrets"
)

// InputCommander is a Commander that can also feed a command's standard
// input: deploy sends secrets' values that way, never on a command line.
type InputCommander interface {
	Commander
	Input(ctx context.Context, env []string, argv []string, stdin []byte) ([]byte, error)
}

// SecretChange is what deploy did with one secret on a host, without its
// value: records keep this, so the hash is all a record says of a secret.
type SecretChange struct {
	Name string `json:"name"`
	Dest string `json:"destination"`
	// SHA256 is the hex SHA-256 of the value deploy installed (or would).
	SHA256 string `json:"sha256"`
	// Change is "new" (no file at Dest), "changed", "owner or mode" (the
	// same value with another owner, group or mode) or "unchanged".
	Change string `json:"change"`
	// Readers are the systemd units restarted (or that would be) because
	// the secret changed.
	Readers []string `json:"readers,omitempty"`
	// Owner is "pending" while a file is root's because its owner did not
	// exist before activation.
	Owner string `json:"-"`
}

// secretHashes asks the host for the SHA-256 of each upload's destination
// and says what would change.
func (h *host) secretHashes(ctx context.Context, c connection) ([]SecretChange, error) {
	out, err := h.remote(ctx, c, true, secrets.HashScript(h.t.Secrets))
	if err != nil {
		return nil, fmt.Errorf("ask %s for its secrets' hashes: %w", h.t.Machine, err)
	}
	type file struct{ meta, sum string }
	have := map[string]file{}
	for _, line := range strings.Split(out, "\n") {
		meta, rest, _ := strings.Cut(line, " ")
		sum, path, ok := strings.Cut(rest, "  ")
		if ok {
			have[path] = file{meta, sum}
		}
	}
	var changes []SecretChange
	for _, u := range h.t.Secrets {
		c := SecretChange{Name: u.Name, Dest: u.Dest, SHA256: u.Hash, Change: "unchanged"}
		switch f, ok := have[u.Dest]; {
		case !ok:
			c.Change = "new"
		case f.sum != u.Hash:
			c.Change = "changed"
		case f.meta != u.Meta():
			// Same value, other owner or mode: installed again, and
			// no reader restarted.
			c.Change = "owner or mode"
		}
		if c.Change != "unchanged" {
			c.Readers = u.Readers
		}
		changes = append(changes, c)
	}
	return changes, nil
}

// uploadSecrets installs the host's new and changed secrets over the
// host's master connection, before anything is activated: the script
// (paths, owners and modes only) is on the command line, the values on
// its standard input. It returns what changed.
func (h *host) uploadSecrets(ctx context.Context) ([]SecretChange, string, error) {
	changes, err := h.secretHashes(ctx, shared)
	if err != nil {
		return nil, "", err
	}
	var ups []secrets.Upload
	var names []string
	for i, c := range changes {
		if c.Change != "unchanged" {
			ups = append(ups, h.t.Secrets[i])
			names = append(names, c.Name)
		}
	}
	if len(ups) == 0 {
		return changes, fmt.Sprintf("%d unchanged", len(changes)), nil
	}
	ic, ok := h.opts.Commander.(InputCommander)
	if !ok {
		return nil, "", errors.New("this deploy's commander cannot send secrets on standard input")
	}
	body, stdin := secrets.InstallScript(ups)
	h.count(shared)
	out, err := ic.Input(ctx, nil, h.ssh.Argv(h.t, shared, script(h.t, true, body)), stdin)
	if err != nil {
		return nil, "", fmt.Errorf("install secrets on %s: %w", h.t.Machine, err)
	}
	msg := fmt.Sprintf("installed %s; %d unchanged", strings.Join(names, ", "), len(changes)-len(ups))
	for _, line := range strings.Split(string(out), "\n") {
		if dest, ok := strings.CutPrefix(line, "later "); ok {
			for i := range changes {
				if changes[i].Dest == dest {
					changes[i].Owner = "pending"
				}
			}
			msg += "; " + dest + " is root's until activation creates its owner"
		}
	}
	return changes, msg, nil
}

// fixOwners gives the files whose owner did not exist before activation
// their owner, now that the new system runs. An owner that still does not
// exist fails the deploy (and so rolls it back).
func (h *host) fixOwners(ctx context.Context, changes []SecretChange) error {
	var ups []secrets.Upload
	for i, c := range changes {
		if c.Owner == "pending" {
			ups = append(ups, h.t.Secrets[i])
			changes[i].Owner = ""
		}
	}
	if len(ups) == 0 {
		return nil
	}
	return h.step("secret-owners", func() (string, error) {
		if _, err := h.remote(ctx, shared, true, secrets.OwnerScript(ups)); err != nil {
			return "", fmt.Errorf("give secrets their owners on %s (does the new system create them?): %w", h.t.Machine, err)
		}
		var names []string
		for _, u := range ups {
			names = append(names, u.Name+" "+u.Owner+":"+u.Group)
		}
		return strings.Join(names, ", "), nil
	})
}

// readersToRestart are the units that read a secret that changed, each
// once, sorted.
func readersToRestart(changes []SecretChange) []string {
	var units []string
	for _, c := range changes {
		if c.Change == "changed" {
			units = append(units, c.Readers...)
		}
	}
	slices.Sort(units)
	return slices.Compact(units)
}

// restartScript restarts the units given as arguments that run
// (try-restart leaves stopped ones alone: activation starts those).
const restartScript = `systemctl try-restart -- "$@"`

// restartReaders restarts the units that read a changed secret, and
// nothing else. A host without systemd (the fleet lab) is told what would
// be restarted instead.
func (h *host) restartReaders(ctx context.Context, systemd bool, changes []SecretChange) error {
	units := readersToRestart(changes)
	if len(units) == 0 {
		return nil
	}
	return h.step("restart", func() (string, error) {
		if !systemd {
			return "no systemd on the host; would run systemctl try-restart " + strings.Join(units, " "), nil
		}
		if _, err := h.remote(ctx, shared, true, restartScript, units...); err != nil {
			return "", fmt.Errorf("restart %s, which read changed secrets: %w", strings.Join(units, " "), err)
		}
		return "systemctl try-restart " + strings.Join(units, " "), nil
	})
}
