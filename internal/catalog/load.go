package catalog

import (
	"errors"
	"io/fs"
	"maps"
	"path"
	"regexp"
	"slices"
	"strings"

	"github.com/shoal-nix/shoal/internal/diag"
	"github.com/shoal-nix/shoal/internal/fleet"
	"github.com/shoal-nix/shoal/internal/nixopts"
	"github.com/shoal-nix/shoal/internal/tomltree"
)

// Load reads a catalog laid out as features/NAME/feature.toml,
// profiles/NAME.toml, services/NAME.toml and collections.toml under root
// in fsys. prefix is prepended to file names in diagnostics.
func Load(fsys fs.FS, root, prefix string) (*Catalog, diag.List) {
	c := &Catalog{Features: map[string]*Feature{}, Profiles: map[string]*Profile{}, Collections: map[string]*Collection{}, Services: map[string]*Service{}, Docs: map[string]*tomltree.Doc{}}
	var diags diag.List
	l := loader{c: c, fsys: fsys, root: root, prefix: prefix, diags: &diags}
	l.collections()
	l.features(false)
	l.profiles()
	l.services()
	return c, diags
}

// WithLocal returns a catalog holding base plus the features found under
// dir/features in fsys (a fleet's own features). base is not changed. A
// fleet cannot add services yet: they are base's.
func (base *Catalog) WithLocal(fsys fs.FS, dir, prefix string) (*Catalog, diag.List) {
	c := &Catalog{Features: maps.Clone(base.Features), Profiles: base.Profiles, Collections: base.Collections, Services: base.Services, Docs: maps.Clone(base.Docs)}
	var diags diag.List
	l := loader{c: c, fsys: fsys, root: dir, prefix: prefix, diags: &diags, builtin: base}
	l.features(true)
	return c, diags
}

type loader struct {
	c       *Catalog
	fsys    fs.FS
	root    string
	prefix  string
	diags   *diag.List
	builtin *Catalog // set when loading local features
}

func (l *loader) parse(rel string) (*tomltree.Doc, tomltree.Decoder, bool) {
	name := path.Join(l.prefix, rel)
	src, err := fs.ReadFile(l.fsys, path.Join(l.root, rel))
	if err != nil {
		if link, target, ok := DanglingLink(l.fsys, path.Join(l.root, rel)); ok {
			rlink := link
			if l.root != "." && l.root != "" {
				rlink = strings.TrimPrefix(link, l.root+"/")
			}
			l.diags.Errorf(diag.CodeCatalogFile, name, nil, "cannot read %s: %s is a dangling symlink to %s", name, path.Join(l.prefix, rlink), target).
				Hintf("the link points at nothing: fix its target, or remove the link")
			return nil, tomltree.Decoder{}, false
		}
		l.diags.Errorf(diag.CodeCatalogFile, name, nil, "cannot read %s: %v", name, unwrapPathError(err))
		return nil, tomltree.Decoder{}, false
	}
	doc, ds := tomltree.Parse(name, src)
	*l.diags = append(*l.diags, ds...)
	l.c.Docs[name] = doc
	return doc, tomltree.Decoder{File: name, Diags: l.diags, Elsewhere: elsewhere}, doc.Root != nil && !ds.HasErrors()
}

func unwrapPathError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

func (l *loader) collections() {
	doc, d, ok := l.parse("collections.toml")
	if !ok {
		return
	}
	for _, name := range doc.Root.Keys {
		p := diag.P(name)
		col := &Collection{Name: name}
		d.Fields(doc.Root.Get(name), p, "a package collection", []string{"description", "packages"}, func(key string, v *tomltree.Node, p diag.Path) {
			switch key {
			case "description":
				col.Description, _ = d.String(v, p, "description")
			case "packages":
				for _, it := range d.Strings(v, p, "packages") {
					col.Packages = append(col.Packages, it.Value)
				}
			}
		})
		l.c.Collections[name] = col
	}
}

func (l *loader) dirNames(dir string) []string {
	entries, err := fs.ReadDir(l.fsys, path.Join(l.root, dir))
	if err != nil {
		return nil
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

func (l *loader) features(local bool) {
	for _, name := range l.dirNames("features") {
		rel := path.Join("features", name, "feature.toml")
		file := path.Join(l.prefix, rel)
		if !fleet.FeatureName.MatchString(name) {
			l.diags.Errorf(diag.CodeInvalidName, file, nil, "invalid feature name %q: a feature name is lowercase letters, digits and \"-\", starting with a letter", name).
				Hintf("rename the directory features/%s", name)
			continue
		}
		if local && l.builtin.Features[name] != nil {
			l.diags.Errorf(diag.CodeShadowed, file, nil, "local feature %q has the name of a built-in feature", name).
				Hintf("give it another name, such as %q; set the built-in feature's settings instead of replacing it", "my-"+name)
			continue
		}
		doc, d, ok := l.parse(rel)
		if !ok {
			continue
		}
		f := l.feature(name, doc, d)
		f.Local = local
		if mod, err := fs.ReadFile(l.fsys, path.Join(l.root, "features", name, "module.nix")); err == nil {
			f.Module = string(mod)
		}
		l.c.Features[name] = f
	}
}

// The keys each table of a feature file takes; FeatureFormat lists them
// for the documentation, whose test holds it to them.
var (
	featureKeys   = []string{"description", "lifecycle", "replacement", "requires", "conflicts", "provides", "collections", "packages", "hardware", "resources", "settings", "ports", "health", "nixos", "nixos_when"}
	settingKeys   = []string{"type", "flavour", "values", "min", "max", "pattern", "default", "description", "derive", "needs"}
	patternKeys   = []string{"regexp", "description", "hint"}
	deriveKeys    = []string{"when", "value"}
	conflictKeys  = []string{"feature", "when", "reason"}
	hardwareKeys  = []string{"systems", "cpu", "gpu", "form"}
	resourceKeys  = []string{"memory", "disk"}
	portKeys      = []string{"port", "setting", "protocol", "description", "access"}
	healthKeys    = []string{"name", "unit", "tcp", "setting", "http"}
	nixosWhenKeys = []string{"when", "set"}
)

// FormatTable is one table of the feature file format: how the
// documentation heads it, and the keys the loader reads there.
type FormatTable struct {
	Heading string
	Keys    []string
}

// FeatureFormat lists the tables of a feature file and their keys, in the
// order the documentation (FeatureFormatDoc) describes them.
func FeatureFormat() []FormatTable {
	return []FormatTable{
		{"feature.toml", featureKeys},
		{"[settings.NAME]", settingKeys},
		{"pattern", patternKeys},
		{"[[settings.NAME.derive]]", deriveKeys},
		{"[[conflicts]]", conflictKeys},
		{"[hardware]", hardwareKeys},
		{"[resources]", resourceKeys},
		{"[[ports]]", portKeys},
		{"[[health]]", healthKeys},
		{"[[nixos_when]]", nixosWhenKeys},
	}
}

func (l *loader) feature(name string, doc *tomltree.Doc, d tomltree.Decoder) *Feature {
	f := &Feature{Name: name, File: doc.Name, Lifecycle: Stable}
	d.Fields(doc.Root, nil, "a feature", featureKeys, func(key string, v *tomltree.Node, p diag.Path) {
		switch key {
		case "description":
			f.Description, _ = d.String(v, p, "description")
		case "lifecycle":
			if s, ok := d.String(v, p, "lifecycle"); ok {
				if !slices.Contains([]string{Experimental, Stable, Deprecated}, s) {
					d.Diags.Errorf(diag.CodeInvalidValue, d.File, p, "lifecycle %q is not one of experimental, stable, deprecated", s)
				}
				f.Lifecycle = s
			}
		case "replacement":
			f.Replacement, _ = d.String(v, p, "replacement")
		case "requires":
			f.Requires = d.Strings(v, p, "requires")
		case "provides":
			f.Provides = d.Strings(v, p, "provides")
		case "collections":
			f.Collections = d.Strings(v, p, "collections")
		case "packages":
			f.Packages = d.Strings(v, p, "packages")
		case "conflicts":
			f.Conflicts = l.conflicts(v, p, d)
		case "hardware":
			f.Hardware = l.hardware(v, p, d)
		case "resources":
			f.Resources.Path = p
			d.Fields(v, p, "resources", resourceKeys, func(key string, v *tomltree.Node, p diag.Path) {
				size, problem, _ := Type{Kind: KindSize}.Check(v)
				if problem != "" {
					d.Diags.Errorf(diag.CodeInvalidValue, d.File, p, "resources.%s: %s", key, problem)
					return
				}
				if key == "memory" {
					f.Resources.Memory = size.(fleet.Size)
				} else {
					f.Resources.Disk = size.(fleet.Size)
				}
			})
		case "settings":
			if d.IsTable(v, p, "settings") {
				for _, sname := range v.Keys {
					if s := l.setting(sname, v.Get(sname), p.Child(sname), d); s != nil {
						f.Settings = append(f.Settings, s)
					}
				}
			}
		case "ports":
			l.tables(v, p, d, "ports", func(v *tomltree.Node, p diag.Path) {
				port := Port{Protocol: "tcp", Access: AccessPublic, Path: p}
				d.Fields(v, p, "a port", portKeys, func(key string, v *tomltree.Node, p diag.Path) {
					switch key {
					case "port":
						port.Port, _ = d.Int(v, p, "port")
					case "setting":
						port.Setting, _ = d.String(v, p, "setting")
					case "protocol":
						port.Protocol, _ = d.String(v, p, "protocol")
					case "description":
						port.Description, _ = d.String(v, p, "description")
					case "access":
						if a, ok := d.String(v, p, "access"); ok {
							if !slices.Contains(PortAccesses, a) {
								d.Diags.Errorf(diag.CodeInvalidValue, d.File, p, "access %q is not one of %s", a, strings.Join(PortAccesses, ", ")).SetHint(diag.DidYouMean(a, PortAccesses))
								return
							}
							port.Access = a
						}
					}
				})
				f.Ports = append(f.Ports, port)
			})
		case "health":
			l.tables(v, p, d, "health", func(v *tomltree.Node, p diag.Path) {
				h := HealthCheck{Path: p}
				d.Fields(v, p, "a health check", healthKeys, func(key string, v *tomltree.Node, p diag.Path) {
					switch key {
					case "name":
						h.Name, _ = d.String(v, p, "name")
					case "unit":
						h.Unit, _ = d.String(v, p, "unit")
					case "tcp":
						h.TCP, _ = d.Int(v, p, "tcp")
					case "setting":
						h.Setting, _ = d.String(v, p, "setting")
					case "http":
						h.HTTP, _ = d.String(v, p, "http")
					}
				})
				f.Health = append(f.Health, h)
			})
		case "nixos":
			if d.IsTable(v, p, "nixos") {
				f.NixOS = append(f.NixOS, NixOSBlock{Options: l.options(v, p, d)})
			}
		case "nixos_when":
			l.tables(v, p, d, "nixos_when", func(v *tomltree.Node, p diag.Path) {
				var b NixOSBlock
				d.Fields(v, p, "a conditional NixOS block", nixosWhenKeys, func(key string, v *tomltree.Node, p diag.Path) {
					if key == "when" {
						b.When = l.condition(v, p, d)
					} else if d.IsTable(v, p, "set") {
						b.Options = l.options(v, p, d)
					}
				})
				f.NixOS = append(f.NixOS, b)
			})
		}
	})
	l.settingRefs(f, d)
	return f
}

// settingRefs reports option values that refer to a setting the feature
// does not declare: the generated module would read an attribute that is
// not there.
func (l *loader) settingRefs(f *Feature, d tomltree.Decoder) {
	for _, b := range f.NixOS {
		for _, o := range b.Options {
			for _, name := range SettingRefs(o.Value) {
				if f.Setting(name) == nil {
					e := d.Diags.Errorf(diag.CodeCatalogFile, d.File, o.Path, "option %s refers to setting %q, which feature %s does not declare", o.Option, name, f.Name)
					if names := f.SettingNames(); len(names) > 0 {
						e.Hintf("its settings are %s", strings.Join(names, ", "))
					} else {
						e.Hintf("declare it under [settings.%s]", name)
					}
				}
			}
		}
	}
}

// SettingRefs lists the settings an option value refers to, in order.
func SettingRefs(v any) []string {
	switch x := v.(type) {
	case SettingRef:
		return []string{x.Setting}
	case []any:
		var out []string
		for _, e := range x {
			out = append(out, SettingRefs(e)...)
		}
		return out
	case map[string]any:
		var out []string
		for _, k := range sortedKeys(x) {
			out = append(out, SettingRefs(x[k])...)
		}
		return out
	}
	return nil
}

// tables calls fn for each table of an array of tables.
func (l *loader) tables(v *tomltree.Node, p diag.Path, d tomltree.Decoder, what string, fn func(*tomltree.Node, diag.Path)) {
	if v.Kind != tomltree.Array {
		d.Diags.Errorf(diag.CodeWrongType, d.File, p, "%s must be a list of tables ([[%s]])", what, what)
		return
	}
	for i, it := range v.Items {
		fn(it, p.Child(i))
	}
}

func (l *loader) setting(name string, v *tomltree.Node, p diag.Path, d tomltree.Decoder) *Setting {
	s := &Setting{Name: name, Path: p}
	var def *tomltree.Node
	var defPath diag.Path
	ok := d.Fields(v, p, "a setting", settingKeys, func(key string, v *tomltree.Node, p diag.Path) {
		switch key {
		case "flavour":
			if f, ok := d.String(v, p, "flavour"); ok {
				if !slices.Contains(durationFlavours, f) {
					d.Diags.Errorf(diag.CodeInvalidValue, d.File, p, "duration flavour %q is not one of %s", f, strings.Join(durationFlavours, ", ")).SetHint(diag.DidYouMean(f, durationFlavours))
				}
				s.Type.Flavour = f
			}
		case "needs":
			s.Needs = d.Strings(v, p, "needs")
		case "pattern":
			s.Type.Pattern = l.pattern(v, p, d)
		case "type":
			if k, ok := d.String(v, p, "type"); ok {
				if !slices.Contains(settingKinds, k) {
					d.Diags.Errorf(diag.CodeInvalidValue, d.File, p, "setting type %q is not one of %s", k, strings.Join(settingKinds, ", ")).SetHint(diag.DidYouMean(k, settingKinds))
				}
				s.Type.Kind = k
			}
		case "values":
			for _, it := range d.Strings(v, p, "values") {
				s.Type.Values = append(s.Type.Values, it.Value)
			}
		case "min", "max":
			if n, ok := d.Int(v, p, key); ok {
				if key == "min" {
					s.Type.Min = &n
				} else {
					s.Type.Max = &n
				}
			}
		case "default":
			def, defPath = v, p
		case "description":
			s.Description, _ = d.String(v, p, "description")
		case "derive":
			l.tables(v, p, d, "derive", func(v *tomltree.Node, p diag.Path) {
				var dv Derivation
				d.Fields(v, p, "a derivation", deriveKeys, func(key string, v *tomltree.Node, p diag.Path) {
					if key == "when" {
						dv.When = l.condition(v, p, d)
					} else {
						dv.Value = v
					}
				})
				s.Derive = append(s.Derive, dv)
			})
		}
	})
	if !ok {
		return nil
	}
	if s.Type.Kind == "" && v.Get("kind") != nil {
		return nil // "kind" is reported as the type's other name
	}
	if s.Type.Kind == "" {
		d.Diags.Errorf(diag.CodeMissing, d.File, p, "setting %q has no type", name).Hintf("add type = one of %s", strings.Join(settingKinds, ", "))
		return nil
	}
	if s.Type.Kind == KindEnum && len(s.Type.Values) == 0 {
		d.Diags.Errorf(diag.CodeMissing, d.File, p, "enum setting %q lists no values", name)
	}
	if s.Type.Kind == KindDuration && s.Type.Flavour == "" {
		d.Diags.Errorf(diag.CodeMissing, d.File, p, "duration setting %q has no flavour", name).Hintf("add flavour = one of %s: the program that reads it", strings.Join(durationFlavours, ", "))
	}
	if s.Type.Flavour != "" && s.Type.Kind != KindDuration {
		d.Diags.Errorf(diag.CodeCatalogFile, d.File, p.Child("flavour"), "setting %q has a flavour, which only a duration setting takes", name)
	}
	if s.Type.Pattern != nil && s.Type.Kind != KindString {
		d.Diags.Errorf(diag.CodeCatalogFile, d.File, p.Child("pattern"), "setting %q has a pattern, which only a string setting takes", name)
		s.Type.Pattern = nil
	}
	if def != nil {
		val, problem, _ := s.Type.Check(def)
		if problem != "" {
			d.Diags.Errorf(diag.CodeInvalidValue, d.File, defPath, "default of %q: %s", name, problem)
		}
		s.Default = val
	}
	for i, dv := range s.Derive {
		if n, ok := dv.Value.(*tomltree.Node); ok {
			val, problem, _ := s.Type.Check(n)
			if problem != "" {
				d.Diags.Errorf(diag.CodeInvalidValue, d.File, p.Child("derive", i, "value"), "derived value of %q: %s", name, problem)
			}
			s.Derive[i].Value = val
		}
	}
	return s
}

// pattern reads a setting's { regexp, description, hint }.
func (l *loader) pattern(v *tomltree.Node, p diag.Path, d tomltree.Decoder) *Pattern {
	pt := &Pattern{}
	ok := d.Fields(v, p, "a pattern", patternKeys, func(key string, v *tomltree.Node, p diag.Path) {
		switch key {
		case "regexp":
			if src, ok := d.String(v, p, "regexp"); ok {
				re, err := regexp.Compile(src)
				if err != nil {
					d.Diags.Errorf(diag.CodeInvalidValue, d.File, p, "pattern.regexp is no regular expression: %v", err).
						Hintf("write a Go regular expression (RE2 syntax), anchored with ^ and $")
					return
				}
				pt.Regexp = re
			}
		case "description":
			pt.Description, _ = d.String(v, p, "description")
		case "hint":
			pt.Hint, _ = d.String(v, p, "hint")
		}
	})
	if !ok || pt.Regexp == nil {
		if ok && v.Get("regexp") == nil {
			d.Diags.Errorf(diag.CodeMissing, d.File, p, "a pattern needs regexp").Hintf("write { regexp = \"^/.*$\", description = \"a URL path\" }")
		}
		return nil
	}
	if pt.Description == "" {
		pt.Description = "of the form " + pt.Regexp.String()
	}
	return pt
}

func (l *loader) conflicts(v *tomltree.Node, p diag.Path, d tomltree.Decoder) []Conflict {
	var out []Conflict
	if v.Kind == tomltree.Array && len(v.Items) > 0 && v.Items[0].Kind == tomltree.String {
		for _, it := range d.Strings(v, p, "conflicts") {
			out = append(out, Conflict{Feature: it.Value, Path: it.Path})
		}
		return out
	}
	l.tables(v, p, d, "conflicts", func(v *tomltree.Node, p diag.Path) {
		c := Conflict{Path: p}
		d.Fields(v, p, "a conflict", conflictKeys, func(key string, v *tomltree.Node, p diag.Path) {
			switch key {
			case "feature":
				c.Feature, _ = d.String(v, p, "feature")
			case "when":
				c.When = l.condition(v, p, d)
			case "reason":
				c.Reason, _ = d.String(v, p, "reason")
			}
		})
		out = append(out, c)
	})
	return out
}

func (l *loader) condition(v *tomltree.Node, p diag.Path, d tomltree.Decoder) Condition {
	if !d.IsTable(v, p, "when") {
		return nil
	}
	var c Condition
	for _, k := range v.Keys {
		n := v.Get(k)
		var vals []any
		if n.Kind == tomltree.Array {
			for i, it := range n.Items {
				vals = append(vals, l.conditionValue(it, p.Child(k, i), d))
			}
		} else {
			vals = []any{l.conditionValue(n, p.Child(k), d)}
		}
		c = append(c, Clause{Key: k, Values: vals})
	}
	return c
}

// conditionValue reads one value a condition key may have: a plain value,
// or a table { min = N, max = M } that is a Range.
func (l *loader) conditionValue(n *tomltree.Node, p diag.Path, d tomltree.Decoder) any {
	if n.Kind != tomltree.Table {
		return n.Value()
	}
	var r Range
	before := len(*d.Diags)
	d.Fields(n, p, "a range", []string{"min", "max"}, func(key string, v *tomltree.Node, p diag.Path) {
		if i, ok := d.Int(v, p, key); ok {
			if key == "min" {
				r.Min = &i
			} else {
				r.Max = &i
			}
		}
	})
	switch {
	case len(*d.Diags) > before:
		// A wrong key or value is reported already.
	case r.Min == nil && r.Max == nil:
		d.Diags.Errorf(diag.CodeMissing, d.File, p, "a range needs min, max or both").Hintf("write { min = 5, max = 16 }")
	case r.Min != nil && r.Max != nil && *r.Min > *r.Max:
		d.Diags.Errorf(diag.CodeInvalidValue, d.File, p, "range from %d to %d is empty", *r.Min, *r.Max)
	}
	return r
}

func (l *loader) hardware(v *tomltree.Node, p diag.Path, d tomltree.Decoder) Hardware {
	h := Hardware{Path: p}
	d.Fields(v, p, "hardware", hardwareKeys, func(key string, v *tomltree.Node, p diag.Path) {
		var vals []string
		for _, it := range d.Strings(v, p, key) {
			vals = append(vals, it.Value)
		}
		switch key {
		case "systems":
			h.Systems = vals
		case "cpu":
			h.CPU = vals
		case "gpu":
			h.GPU = vals
		case "form":
			h.Form = vals
		}
	})
	return h
}

// options reads a table of NixOS option paths and values. A key that is
// not an option path is reported and left out: the generator could not
// write it.
// options reads a table of NixOS option paths and values. A key that is
// not an option path, or that sets an option another key of the table
// sets too, is reported and left out: the generator writes the table as
// one attribute set, where Nix refuses an attribute defined twice.
func (l *loader) options(v *tomltree.Node, p diag.Path, d tomltree.Decoder) []OptionValue {
	out := make([]OptionValue, 0, len(v.Keys))
	paths := make([][]string, 0, len(v.Keys))
next:
	for _, k := range v.Keys {
		path, err := nixopts.SplitPath(k)
		if err != nil {
			d.Diags.Errorf(diag.CodeCatalogFile, d.File, p.Child(k), "%q is not a NixOS option path: %s", k, nixopts.Problem(err)).
				Hintf("write the option the way NixOS does, e.g. \"services.openssh.ports\"; quote names with dots: 'services.nginx.virtualHosts.\"example.org\".root'")
			continue
		}
		o := OptionValue{Option: k, Value: optionValue(v.Get(k)), Path: p.Child(k)}
		for i, e := range out {
			if setsTwice(paths[i], e.Value, path, o.Value) {
				d.Diags.Errorf(diag.CodeCatalogFile, d.File, o.Path, "%s is set twice: %q sets it too", nixopts.FormatPath(path), e.Option).
					Hintf("set each option once: merge the two")
				continue next
			}
		}
		out = append(out, o)
		paths = append(paths, path)
	}
	return out
}

// setsTwice reports whether two option settings define the same option:
// the same path, or a parent whose value is not a table of its own or whose
// table holds the other's path. A parent given a table that does not hold
// the other path merges with it.
func setsTwice(a []string, av any, b []string, bv any) bool {
	if len(a) > len(b) {
		a, av, b = b, bv, a
	}
	if !slices.Equal(a, b[:len(a)]) {
		return false
	}
	for _, k := range b[len(a):] {
		m, ok := av.(map[string]any)
		if !ok {
			return true
		}
		if av, ok = m[k]; !ok {
			return false
		}
	}
	return true
}

// optionValue converts a node to a Go value, turning {setting = "x"} into
// a SettingRef.
func optionValue(n *tomltree.Node) any {
	switch n.Kind {
	case tomltree.Array:
		out := make([]any, len(n.Items))
		for i, it := range n.Items {
			out[i] = optionValue(it)
		}
		return out
	case tomltree.Table:
		if s := n.Get("setting"); s != nil && n.Len() == 1 && s.Kind == tomltree.String {
			return SettingRef{Setting: s.Str}
		}
		out := make(map[string]any, n.Len())
		for _, k := range n.Keys {
			out[k] = optionValue(n.Get(k))
		}
		return out
	}
	return n.Value()
}

func (l *loader) profiles() {
	for _, file := range l.dirNames("profiles") {
		name, ok := strings.CutSuffix(file, ".toml")
		if !ok {
			continue
		}
		doc, d, ok := l.parse(path.Join("profiles", file))
		if !ok {
			continue
		}
		pr := &Profile{Name: name, File: doc.Name}
		d.Fields(doc.Root, nil, "a profile", []string{"description", "promises", "extends", "features", "excludes", "settings"}, func(key string, v *tomltree.Node, p diag.Path) {
			switch key {
			case "description":
				pr.Description, _ = d.String(v, p, "description")
			case "promises":
				for _, it := range d.Strings(v, p, "promises") {
					pr.Promises = append(pr.Promises, it.Value)
				}
			case "extends":
				pr.Extends, _ = d.String(v, p, "extends")
			case "features":
				pr.Features = d.Strings(v, p, "features")
			case "excludes":
				pr.Excludes = d.Strings(v, p, "excludes")
			case "settings":
				if d.IsTable(v, p, "settings") {
					for _, feat := range v.Keys {
						fv, fp := v.Get(feat), p.Child(feat)
						if d.IsTable(fv, fp, "settings."+feat) {
							for _, sn := range fv.Keys {
								pr.Settings = append(pr.Settings, fleet.Setting{Feature: feat, Name: sn, Value: fv.Get(sn), Path: fp.Child(sn), FeaturePath: fp})
							}
						}
					}
				}
			}
		})
		l.c.Profiles[name] = pr
	}
}
