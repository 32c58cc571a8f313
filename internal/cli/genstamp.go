package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"github.com/shoal-nix/shoal/internal/genfs"
	"github.com/shoal-nix/shoal/internal/layout"
	"github.com/shoal-nix/shoal/internal/stamp"
)

// genStamp is the stamp of one gen run's inputs and outputs: where it
// lives and what it is keyed by.
type genStamp struct {
	path     string
	key      string
	fleetDir string
	out      string
}

// stderrColor reports whether diagnostics on stderr are coloured.
func (g *globals) stderrColor() bool { return g.colorMode.on(isTerminal(g.stderr), g.noColor) }

// genStamp returns the stamp of a gen of fleetArg with o, or nil when there
// can be none (no cache directory, an unknown fleet, no identity for
// shoal): gen then simply does the whole work.
func (g *globals) genStamp(o genOptions, fleetArg string) *genStamp {
	cache, err := os.UserCacheDir()
	if err != nil {
		return nil
	}
	dir, err := fleetDirStat(fleetArg)
	if err != nil {
		return nil
	}
	out := o.out
	if out == "" {
		out = dir
	}
	absDir, err1 := filepath.Abs(dir)
	absOut, err2 := filepath.Abs(out)
	if err1 != nil || err2 != nil {
		return nil
	}
	// The output depends on the fleet and where the flake goes (the paths
	// it writes are relative); the warnings on whether they are coloured.
	key, ok := stamp.Key(absDir, absOut, strconv.FormatBool(g.stderrColor()))
	if !ok {
		return nil
	}
	return &genStamp{path: stamp.Path(filepath.Join(cache, "shoal"), key), key: key, fleetDir: dir, out: out}
}

// replay finishes a gen from the stamp when it is fresh: it prints the
// warnings and the report of a gen that found the flake up to date, and
// reports true. It reports false, having printed nothing, otherwise.
func (st *genStamp) replay(g *globals, o genOptions) bool {
	s, ok := stamp.Load(st.path, st.key)
	if !ok {
		return false
	}
	fresh, refreshed := s.Fresh(st.fleetDir, st.out, layout.Owned)
	if !fresh {
		return false
	}
	if refreshed != nil {
		s.Outputs = refreshed
		_ = stamp.Save(st.path, s) // a stamp not refreshed only costs time
	}
	g.stamped = true
	g.stderr.Write(s.Warnings)
	rep := genReport{Out: st.out, Created: []string{}, Updated: []string{}, Removed: []string{},
		Unchanged: len(s.Outputs), Refused: []genfs.Refusal{}, UpToDate: true}
	if o.check {
		_ = reportGenCheck(g, o, rep, &genfs.Plan{})
		return true
	}
	if o.json {
		_ = writeJSON(g.stdout, rep)
		return true
	}
	fmt.Fprintf(g.stdout, "%s: 0 written (0 bytes), 0 removed, %d unchanged\n", st.out, len(s.Outputs))
	return true
}

// save writes the stamp of a gen that left the flake as generated: the
// inputs rec saw, the identities of the outputs as on disk, and the
// warnings printed. A stamp that cannot be written only costs the next gen
// time, so failures are ignored; so is a run whose inputs could not all be
// recorded.
func (st *genStamp) save(rec *stamp.Recorder, ids []genfs.Identity, warnings []byte) {
	if st == nil || rec == nil {
		return
	}
	inputs, complete := rec.Inputs()
	if !complete {
		os.Remove(st.path)
		return
	}
	_ = stamp.Save(st.path, &stamp.Stamp{Key: st.key, Warnings: warnings, Inputs: inputs, Outputs: ids})
}
