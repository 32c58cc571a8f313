package check

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strings"

	"github.com/shoal-nix/shoal/internal/catalog"
	"github.com/shoal-nix/shoal/internal/diag"
	"github.com/shoal-nix/shoal/internal/fleet"
	"github.com/shoal-nix/shoal/internal/resolve"
	"github.com/shoal-nix/shoal/internal/secrets"
	"github.com/shoal-nix/shoal/internal/tomltree"
	"github.com/shoal-nix/shoal/internal/validate"
)

// FleetFile is the name of the fleet file in a fleet directory.
const FleetFile = "shoal.toml"

// Result is everything the pipeline produced. Resolved is nil when the
// fleet file could not be parsed.
type Result struct {
	Fleet    *fleet.Fleet
	Catalog  *catalog.Catalog
	Resolved *resolve.Fleet
	Diags    diag.List
	// Docs holds every parsed file by the name diagnostics use.
	Docs map[string]*tomltree.Doc
}

// ErrNoFleetFile is returned when the directory has no shoal.toml.
var ErrNoFleetFile = errors.New("no " + FleetFile + " here")

// Run checks the fleet whose shoal.toml is at dir/shoal.toml in fsys.
// display is how diagnostics name that directory (e.g. "examples/homelab";
// "" for the current one). Only a missing or unreadable fleet file is an
// error; everything wrong inside files is a diagnostic.
func Run(fsys fs.FS, dir, display string) (*Result, error) {
	src, err := fs.ReadFile(fsys, path.Join(dir, FleetFile))
	if err != nil {
		if link, target, ok := catalog.DanglingLink(fsys, path.Join(dir, FleetFile)); ok {
			return nil, fmt.Errorf("read %s: %s is a dangling symlink to %s, which does not exist", FleetFile, link, target)
		}
		if errors.Is(err, fs.ErrNotExist) {
			return nil, ErrNoFleetFile
		}
		return nil, err
	}
	return RunSource(fsys, dir, display, src), nil
}

// RunSource is Run with the fleet file's content already read.
func RunSource(fsys fs.FS, dir, display string, src []byte) *Result {
	name := path.Join(display, FleetFile)
	f, diags := fleet.Parse(name, src)
	res := &Result{Fleet: f, Docs: map[string]*tomltree.Doc{name: f.Doc}}

	base, bdiags := catalog.Builtin()
	diags = append(diags, bdiags...)
	cat, ldiags := base.WithLocal(fsys, dir, display)
	diags = append(diags, ldiags...)
	res.Catalog = cat
	for n, d := range cat.Docs {
		res.Docs[n] = d
	}

	if f.Doc.Root != nil && !hasSyntaxErrors(diags, name) {
		rf, rdiags := resolve.Resolve(f, cat)
		res.Resolved = rf
		diags = append(diags, rdiags...)
		diags = append(diags, validate.Fleet(rf)...)
		diags = append(diags, missingModules(fsys, dir, f)...)
		sdiags, _ := secrets.Check(fsys, dir, rf)
		diags = append(diags, sdiags...)
		diags = append(diags, secrets.Scan(f)...)
		needs := secrets.Needs(rf)
		diags = append(diags, secrets.Undeclared(f, needs)...)
		rf.PublicKeys = secrets.ReadPublicKeys(fsys, dir, rf)
		diags = append(diags, secrets.MissingPublic(rf, needs)...)
		diags = append(diags, secrets.UserPasswords(rf)...)
		diags = append(diags, secrets.SettingSecrets(rf)...)
		diags = append(diags, secrets.RawRefs(rf)...)
		diags = append(diags, bootFiles(fsys, dir, f)...)
	}

	readRefused(fsys, dir, display, diags, res.Docs)
	locs := make(map[string]diag.Locator, len(res.Docs))
	for n, d := range res.Docs {
		locs[n] = d
	}
	diags.Correlate(locs)
	diags.Sort()
	res.Diags = dedupe(diags)
	return res
}

// readRefused parses the fleet's files that have diagnostics but were
// refused before they were parsed (a local feature with a built-in name or
// an invalid directory name), so that those diagnostics get a position too.
func readRefused(fsys fs.FS, dir, display string, diags diag.List, docs map[string]*tomltree.Doc) {
	for _, d := range diags {
		if _, ok := docs[d.File]; ok {
			continue
		}
		rel := d.File
		if display != "" {
			var ok bool
			if rel, ok = strings.CutPrefix(d.File, display+"/"); !ok {
				continue
			}
		}
		src, err := fs.ReadFile(fsys, path.Join(dir, rel))
		if err != nil {
			continue
		}
		doc, _ := tomltree.Parse(d.File, src)
		docs[d.File] = doc
	}
}

func hasSyntaxErrors(l diag.List, file string) bool {
	for _, d := range l {
		if d.File == file && (d.Code == diag.CodeSyntax || d.Code == diag.CodeDuplicate) {
			return true
		}
	}
	return false
}

// dedupe drops repeated identical diagnostics (the same bad default seen
// from many machines is reported once). l must be sorted.
func dedupe(l diag.List) diag.List {
	out := l[:0]
	for i, d := range l {
		if i > 0 {
			p := out[len(out)-1]
			if p.File == d.File && p.Pos == d.Pos && p.Code == d.Code && p.Summary == d.Summary {
				continue
			}
		}
		out = append(out, d)
	}
	return out
}

func missingModules(fsys fs.FS, dir string, f *fleet.Fleet) diag.List {
	var diags diag.List
	for _, m := range f.Machines {
		for _, mod := range m.Modules {
			if _, err := fs.Stat(fsys, path.Join(dir, mod.Value)); err != nil {
				missing(&diags, fsys, dir, f.File, mod, "module", "modules")
			}
		}
	}
	for _, o := range f.Overlays {
		if _, err := fs.Stat(fsys, path.Join(dir, o.Value)); err != nil {
			missing(&diags, fsys, dir, f.File, o, "overlay", "overlays")
		}
	}
	return diags
}

// missing reports a module or overlay that cannot be opened: a dangling
// symlink is called that, anything else does not exist.
func missing(diags *diag.List, fsys fs.FS, dir, file string, r fleet.Ref, what, key string) {
	if link, target, ok := catalog.DanglingLink(fsys, path.Join(dir, r.Value)); ok {
		rel := link
		if dir != "." && dir != "" {
			rel = strings.TrimPrefix(link, dir+"/")
		}
		diags.Errorf(diag.CodeMissingModule, file, r.Path, "%s %s is a dangling symlink: %s points at %s, which does not exist", what, r.Value, rel, target).
			Hintf("fix the link's target, or remove the link and the entry in %s", key)
		return
	}
	diags.Errorf(diag.CodeMissingModule, file, r.Path, "%s %s does not exist", what, r.Value).
		Hintf("paths in %s are relative to the directory of %s", key, FleetFile)
}
