package gen

import (
	"path"
	"slices"
	"sort"
	"strings"

	"github.com/shoal-nix/shoal/internal/catalog"
	"github.com/shoal-nix/shoal/internal/genfs"
	"github.com/shoal-nix/shoal/internal/nixlit"
	"github.com/shoal-nix/shoal/internal/resolve"
)

// File is one generated file: a slash-separated path relative to the
// output directory, its content, and where the content comes from.
type File struct {
	Path   string
	Data   []byte
	Origin Origin
}

// DiskFiles returns the files as genfs writes them: path and content.
func DiskFiles(files []File) []genfs.File {
	out := make([]genfs.File, len(files))
	for i, f := range files {
		out[i] = genfs.File{Path: f.Path, Data: f.Data}
	}
	return out
}

// Options says where the flake goes relative to the fleet.
type Options struct {
	// SourceDir is the fleet directory as seen from the output directory,
	// slash-separated ("" or "." when they are the same). Extra modules and
	// local features' module.nix files are referenced through it.
	SourceDir string
}

// Generate returns the files of the flake for a resolved fleet, sorted by
// path, each with its Origin. The fleet must have checked without errors.
// Every path it returns is one layout.Owned accepts.
func Generate(rf *resolve.Fleet, o Options) ([]File, error) {
	g := newGenerator(rf, o)
	if err := g.run(); err != nil {
		return nil, err
	}
	out := make([]File, 0, len(g.files))
	for _, f := range g.files {
		out = append(out, f)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out, nil
}

// GenerateTo generates the same files as Generate and hands each to emit
// as soon as it is made, in no particular order, so that the whole flake
// need not be held in memory at once: a file's Data is emit's to keep.
// It stops at the first error, emit's included.
func GenerateTo(rf *resolve.Fleet, o Options, emit func(File) error) error {
	g := newGenerator(rf, o)
	g.emit = emit
	return g.run()
}

func newGenerator(rf *resolve.Fleet, o Options) *generator {
	g := &generator{rf: rf, cat: rf.Catalog, src: strings.TrimSuffix(path.Clean("./"+o.SourceDir), "/"), files: map[string]File{}}
	if g.src == "." {
		g.src = ""
	}
	return g
}

// run makes every file of the flake.
func (g *generator) run() error {
	g.index()
	steps := []func() error{
		g.flake, g.namespace, g.defaults, g.packages, g.validation, g.services, g.monitoring,
		g.featureModules, g.profileModules, g.machineFiles, g.testFiles, g.serviceTests, g.nixd,
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return err
		}
	}
	return nil
}

type generator struct {
	rf    *resolve.Fleet
	cat   *catalog.Catalog
	src   string
	files map[string]File  // the files made, unless emit takes them
	emit  func(File) error // when set, takes each file as it is made

	features []*catalog.Feature // used by some machine, sorted by name
	used     map[string]bool
	profiles []string // used by some machine, sorted
	systems  []string

	// test is set in the view of the fleet a service's VM test has (see
	// testView): how the wiring reaches the test's nodes.
	test testNet
}

func (g *generator) index() {
	g.used = map[string]bool{}
	profiles := map[string]bool{}
	systems := map[string]bool{}
	for _, m := range g.rf.Machines {
		for _, f := range m.Features {
			g.used[f.Name()] = true
		}
		if m.Profile != nil {
			for _, p := range g.cat.ProfileChain(m.Profile.Name) {
				profiles[p.Name] = true
			}
		}
		systems[m.Spec.System] = true
	}
	for _, name := range g.cat.FeatureNames() {
		if g.used[name] {
			g.features = append(g.features, g.cat.Features[name])
		}
	}
	g.profiles = sortedSet(profiles)
	g.systems = sortedSet(systems)
	if len(g.systems) == 0 {
		g.systems = []string{"x86_64-linux"}
	}
}

func sortedSet(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// rel returns a Nix path literal for target (relative to the output root)
// as seen from the directory of file from, by the shortest way.
func rel(from, target string) nixlit.Node {
	dir := strings.Split(path.Dir(from), "/")
	if dir[0] == "." {
		dir = nil
	}
	to := strings.Split(path.Clean(target), "/")
	common := 0
	for common < len(dir) && common < len(to)-1 && dir[common] == to[common] {
		common++
	}
	p := strings.Repeat("../", len(dir)-common) + strings.Join(to[common:], "/")
	if !strings.HasPrefix(p, "../") {
		p = "./" + p
	}
	lit, err := nixlit.PathLit(p)
	if err != nil {
		return nixlit.Str(p) // unreachable for generator-made paths
	}
	return lit
}

// srcPath is a file of the fleet directory, relative to the output root.
func (g *generator) srcPath(p string) string {
	if g.src == "" {
		return p
	}
	return path.Clean(g.src + "/" + p)
}

// featureOpt is the attribute path of a feature's option.
func featureOpt(feature string, rest ...string) []string {
	return append(append(make([]string, 0, 3+len(rest)), "shoal", "features", feature), rest...)
}
