package deploy

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
)

// PlannedHost is what a deploy would do on one host.
type PlannedHost struct {
	Machine string `json:"machine"`
	Dest    string `json:"dest"`
	Closure string `json:"closure"`
	// Running is what the host runs now ("" if unknown or none).
	Running string `json:"running"`
	// Action is "unchanged" (nothing copied or activated), "activate", or
	// "unreachable" (Error says why).
	Action string `json:"action"`
	// Missing are the closure's store paths the host lacks: the copy.
	Missing []string `json:"missing,omitempty"`
	// MissingBytes is their NAR size.
	MissingBytes int64  `json:"missing_bytes"`
	Error        string `json:"error,omitempty"`
	// Secrets says which secrets would be installed (new, changed) and
	// which readers restarted; by name and hash, never by value.
	Secrets []SecretChange `json:"secrets,omitempty"`
}

// Plan asks each host what it runs and which of the closure's paths it
// lacks, and changes nothing. The closure must be in the local store.
func Plan(ctx context.Context, opts Options, targets []Target) ([]PlannedHost, error) {
	if err := checkTargets(targets); err != nil {
		return nil, err
	}
	opts.SSH.ControlDir = "" // one connection per question is fine here
	if opts.SSH.ConnectTimeout <= 0 {
		opts.SSH.ConnectTimeout = DefaultConnectTimeout
	}
	if opts.SSH.ServerAliveInterval <= 0 {
		opts.SSH.ServerAliveInterval = DefaultAliveInterval
	}
	var plan []PlannedHost
	for _, t := range targets {
		p := PlannedHost{Machine: t.Machine, Dest: t.dest(), Closure: t.Closure}
		h := &host{t: t, opts: &opts, ssh: opts.SSH}
		if err := h.plan(ctx, &p); err != nil {
			p.Action, p.Error = "unreachable", err.Error()
		}
		plan = append(plan, p)
		if ctx.Err() != nil {
			return plan, context.Cause(ctx)
		}
	}
	return plan, nil
}

// pathInfo is what nix path-info --json says of a path.
type pathInfo struct {
	Path    string `json:"path"`
	NarSize int64  `json:"narSize"`
}

func (h *host) plan(ctx context.Context, p *PlannedHost) error {
	out, err := h.remote(ctx, fresh, true, probeScript)
	if err != nil {
		return fmt.Errorf("ask %s what it runs: %w", h.t.Machine, err)
	}
	s, err := parseProbe(out)
	if err != nil {
		return err
	}
	p.Running = s.Current
	if len(h.t.Secrets) > 0 {
		if p.Secrets, err = h.secretHashes(ctx, fresh); err != nil {
			return err
		}
	}
	if s.Current == h.t.Closure && s.Profile == h.t.Closure {
		p.Action = "unchanged"
		return nil
	}
	p.Action = "activate"
	local, err := h.opts.Commander.Output(ctx, nil, []string{"nix", "--extra-experimental-features", "nix-command", "path-info", "--json", "--recursive", h.t.Closure})
	if err != nil {
		return fmt.Errorf("the closure of %s: %w", h.t.Closure, err)
	}
	var infos []pathInfo
	if err := json.Unmarshal(local, &infos); err != nil {
		return fmt.Errorf("nix path-info --json: %w", err)
	}
	size := map[string]int64{}
	var paths []string
	for _, i := range infos {
		size[i.Path] = i.NarSize
		paths = append(paths, i.Path)
	}
	// A remote command line is limited (128 KiB per argument), so ask in
	// chunks.
	for len(paths) > 0 {
		n := min(len(paths), 400)
		out, err := h.remote(ctx, fresh, false, `nix-store --check-validity --print-invalid "$@"`, paths[:n]...)
		if err != nil {
			return fmt.Errorf("ask %s which paths it lacks: %w", h.t.Machine, err)
		}
		for _, line := range strings.Fields(out) {
			p.Missing = append(p.Missing, line)
			p.MissingBytes += size[line]
		}
		paths = paths[n:]
	}
	return nil
}
