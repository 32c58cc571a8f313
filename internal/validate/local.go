package validate

import (
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"github.com/shoal-nix/shoal/internal/catalog"
	"github.com/shoal-nix/shoal/internal/diag"
	"github.com/shoal-nix/shoal/internal/fleet"
	"github.com/shoal-nix/shoal/internal/nixopts"
)

// localFeatures checks the fleet's own features the way the catalog's
// tests check the built-in ones: NixOS option paths and the types of their
// values (with each value a setting can have), packages, collections,
// ports and health checks. Every finding points into the feature's own
// file. A local feature is checked whether or not a machine uses it: gen
// writes its module either way.
func (v *validator) localFeatures() {
	cat := v.rf.Catalog
	for _, name := range cat.FeatureNames() {
		f := cat.Features[name]
		if !f.Local {
			continue
		}
		v.localReferences(f)
		v.localOptions(f)
		v.localPackages(f)
		v.localPorts(f)
		v.localHealth(f)
	}
}

// localReferences reports the features a local feature's conflicts and
// replacement name that the catalog does not have; requires are reported
// where they are resolved.
func (v *validator) localReferences(f *catalog.Feature) {
	cat := v.rf.Catalog
	unknown := func(name string, at diag.Path) {
		if cat.Features[name] != nil {
			return
		}
		e := v.diags.Errorf(diag.CodeUnknownFeature, f.File, at, "unknown feature %q", name)
		if s := diag.DidYouMean(name, cat.FeatureNames()); s != "" {
			e.SetHint(s)
		} else {
			e.Hintf("shoal features lists the features there are")
		}
	}
	for _, c := range f.Conflicts {
		at := c.Path
		if c.When != nil || c.Reason != "" {
			at = at.Child("feature")
		}
		unknown(c.Feature, at)
	}
	if f.Replacement != "" {
		unknown(f.Replacement, diag.P("replacement"))
	}
}

// localOptions checks a local feature's [nixos] and [[nixos_when]] option
// paths and values against the options index, with the same codes a
// machine's raw nixos."…" settings get.
func (v *validator) localOptions(f *catalog.Feature) {
	ix := nixopts.Load()
	typed := func(t *nixopts.Type, name string, val any, at diag.Path) {
		refs := catalog.SettingRefs(val)
		if len(refs) == 0 {
			v.optionValue(f.File, t, name, val, at, "")
			return
		}
		for _, vr := range settingVariants(f, val, refs) {
			if !v.optionValue(f.File, t, name, vr.value, at, vr.note) {
				return // one example of a setting value that does not fit is enough
			}
		}
	}
	for _, b := range f.NixOS {
		for _, o := range b.Options {
			path, err := nixopts.SplitPath(o.Option)
			if err != nil {
				continue // the loader reports it (SH015)
			}
			v.option(ix, f.File, path, o.Value, o.Path, typed)
		}
	}
}

// variant is an option value with its setting references replaced by
// values the settings can have; note says which.
type variant struct {
	value any
	note  string
}

// settingVariants returns the values an option value can take: each
// setting reference replaced, one at a time, by each value its setting can
// have (default, derived values, enum values, both booleans, an integer
// within its range), the others by their first. A setting whose values
// cannot be known (a string without a default) is not tried; nil when a
// reference names no setting (the loader reports that).
func settingVariants(f *catalog.Feature, val any, refs []string) []variant {
	candidates := map[string][]any{}
	for _, ref := range refs {
		s := f.Setting(ref)
		if s == nil {
			return nil
		}
		candidates[ref] = settingSamples(s)
		if len(candidates[ref]) == 0 {
			return nil
		}
	}
	var out []variant
	for _, ref := range slices.Compact(slices.Sorted(slices.Values(refs))) {
		for _, c := range candidates[ref] {
			out = append(out, variant{
				value: substituteRefs(val, func(name string) any {
					if name == ref {
						return c
					}
					return candidates[name][0]
				}),
				note: fmt.Sprintf("setting %q, of type %s, is %s", ref, f.Setting(ref).Type.Kind, catalog.FormatValue(c)),
			})
		}
	}
	return out
}

// settingSamples lists values a setting can have, as the generator writes
// them to Nix.
func settingSamples(s *catalog.Setting) []any {
	var vals []any
	add := func(v any) {
		if v == nil {
			return
		}
		switch x := v.(type) {
		case fleet.Size:
			v = int64(x)
		case []string:
			a := make([]any, len(x))
			for i, e := range x {
				a[i] = e
			}
			v = a
		}
		vals = append(vals, v)
	}
	add(s.Default)
	for _, d := range s.Derive {
		add(d.Value)
	}
	switch s.Type.Kind {
	case catalog.KindEnum:
		for _, e := range s.Type.Values {
			add(e)
		}
	case catalog.KindBool:
		add(true)
		add(false)
	case catalog.KindList:
		if len(s.Type.Values) > 0 {
			add(slices.Clone(s.Type.Values))
		}
	}
	if len(vals) > 0 {
		return vals
	}
	switch s.Type.Kind {
	case catalog.KindPort:
		add(int64(8080))
	case catalog.KindInt:
		switch {
		case s.Type.Min != nil:
			add(*s.Type.Min)
		case s.Type.Max != nil && *s.Type.Max < 1:
			add(*s.Type.Max)
		default:
			add(int64(1))
		}
	}
	return vals
}

// substituteRefs copies v with each SettingRef replaced by value(name).
func substituteRefs(v any, value func(string) any) any {
	switch x := v.(type) {
	case catalog.SettingRef:
		return value(x.Setting)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = substituteRefs(e, value)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = substituteRefs(e, value)
		}
		return out
	}
	return v
}

// pkgAttrPart is one name of a nixpkgs attribute path: what
// pkgs.NAME.NAME can select (a name that is not a Nix identifier is
// quoted by the generator).
var pkgAttrPart = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_'+-]*$`)

// localPackages checks a local feature's packages and collections. Only
// names that cannot be attribute names are errors: shoal knows a few
// hundred of nixpkgs' packages, not all, so a name it does not know is
// reported only when it is one typo from one it does.
func (v *validator) localPackages(f *catalog.Feature) {
	cat := v.rf.Catalog
	known := catalog.KnownPackages()
	var names []string
	for _, it := range f.Collections {
		if cat.Collections[it.Value] == nil {
			e := v.diags.Errorf(diag.CodeUnknownCollection, f.File, it.Path, "unknown package collection %q", it.Value)
			if s := diag.DidYouMean(it.Value, cat.CollectionNames()); s != "" {
				e.SetHint(s)
			} else {
				e.Hintf("the collections are %s; list single packages under packages", strings.Join(cat.CollectionNames(), ", "))
			}
		}
	}
	for _, it := range f.Packages {
		name := strings.TrimPrefix(it.Value, "pkgs.")
		if bad := badAttrPath(name); bad != "" {
			v.diags.Errorf(diag.CodePackageName, f.File, it.Path, "package %q is not a nixpkgs attribute name: %s", it.Value, bad).
				Hintf("write the attribute name as nixpkgs has it, e.g. \"ripgrep\" or \"python3Packages.requests\"")
			continue
		}
		if known[name] {
			continue
		}
		if cat.Collections[name] != nil {
			v.diags.Warnf(diag.CodePackageUnknown, f.File, it.Path, "package %q is the name of a package collection", it.Value).
				Hintf("move it to collections = [%q] to install the collection", name)
			continue
		}
		if names == nil {
			names = knownNames(known, cat)
		}
		if near := nearPackage(name, names); near != "" {
			v.diags.Warnf(diag.CodePackageUnknown, f.File, it.Path, "package %q is not one shoal knows; %q is", it.Value, near).
				Hintf("did you mean %q? if %q is right, Nix finds out when it builds the machine", near, name)
		}
	}
}

// badAttrPath says why name cannot be a nixpkgs attribute path, or "".
func badAttrPath(name string) string {
	if name == "" {
		return "it is empty"
	}
	for _, part := range strings.Split(name, ".") {
		switch {
		case part == "":
			return "it has an empty name between dots"
		case strings.ContainsAny(part, " \t"):
			return "it holds white space (one package a string)"
		case !pkgAttrPart.MatchString(part):
			return fmt.Sprintf("%q holds characters no attribute name has", part)
		}
	}
	return ""
}

// knownNames lists the packages shoal knows, sorted: the verified list
// and every package of a collection.
func knownNames(known map[string]bool, cat *catalog.Catalog) []string {
	set := map[string]bool{}
	for n := range known {
		set[n] = true
	}
	for _, c := range cat.Collections {
		for _, p := range c.Packages {
			set[p] = true
		}
	}
	out := make([]string, 0, len(set))
	for n := range set {
		out = append(out, n)
	}
	slices.Sort(out)
	return out
}

// nearPackage returns the known name one typo from name, or "". Short
// names are left alone: "jq" is two edits from half of nixpkgs.
func nearPackage(name string, known []string) string {
	limit := 0
	switch {
	case len(name) >= 7:
		limit = 2
	case len(name) >= 4:
		limit = 1
	}
	best, bestDist := "", limit+1
	lname := strings.ToLower(name)
	for _, k := range known {
		if d := diag.Distance(lname, strings.ToLower(k)); d < bestDist && d > 0 {
			best, bestDist = k, d
		}
	}
	return best
}

// localPorts checks a local feature's [[ports]]: a number or a port
// setting, not both; tcp or udp.
func (v *validator) localPorts(f *catalog.Feature) {
	for _, p := range f.Ports {
		switch {
		case p.Port == 0 && p.Setting == "":
			v.diags.Errorf(diag.CodeFeaturePort, f.File, p.Path, "a port needs a number or a setting").
				Hintf("write port = 8080, or setting = \"NAME\" for a setting of type port")
		case p.Port != 0 && p.Setting != "":
			v.diags.Errorf(diag.CodeFeaturePort, f.File, p.Path.Child("setting"), "a port takes a number or a setting, not both").
				Hintf("remove port = %d to open the port the setting %s holds, or remove setting", p.Port, p.Setting)
		case p.Port != 0 && (p.Port < 1 || p.Port > 65535):
			v.diags.Errorf(diag.CodeFeaturePort, f.File, p.Path.Child("port"), "port %d is out of range", p.Port).
				Hintf("a port is a number from 1 to 65535")
		case p.Setting != "":
			v.portSetting(f, p.Setting, p.Path.Child("setting"), diag.CodeFeaturePort, "port")
		}
		if p.Protocol != "tcp" && p.Protocol != "udp" {
			v.diags.Errorf(diag.CodeFeaturePort, f.File, p.Path.Child("protocol"), "protocol %q is not tcp or udp", p.Protocol).
				SetHint(diag.DidYouMean(p.Protocol, []string{"tcp", "udp"}))
		}
	}
}

// portSetting reports a setting named where a port setting is needed that
// is not one.
func (v *validator) portSetting(f *catalog.Feature, name string, at diag.Path, code diag.Code, what string) {
	s := f.Setting(name)
	if s == nil {
		e := v.diags.Errorf(code, f.File, at, "%s setting %q: feature %s has no such setting", what, name, f.Name)
		if ports := portSettings(f); len(ports) > 0 {
			e.SetHint(diag.DidYouMean(name, ports))
		} else {
			e.Hintf("declare it: [settings.%s] with type = \"port\" and a default", name)
		}
		return
	}
	if s.Type.Kind != catalog.KindPort {
		v.diags.Errorf(code, f.File, at, "%s setting %q has type %s, not port", what, name, s.Type.Kind).
			Hintf("give [settings.%s] type = \"port\"", name)
	}
}

func portSettings(f *catalog.Feature) []string {
	var out []string
	for _, s := range f.Settings {
		if s.Type.Kind == catalog.KindPort {
			out = append(out, s.Name)
		}
	}
	return out
}

// unitName is a systemd unit name with a type a health check can wait for.
var unitName = regexp.MustCompile(`^[A-Za-z0-9@_.:\\-]+\.(service|socket|timer|target|mount|path)$`)

// localHealth checks a local feature's [[health]] checks the way deploy
// and the generated VM tests run them: a name, and a unit that is a
// systemd unit name, a port (tcp, or a port setting), or an http:// URL.
func (v *validator) localHealth(f *catalog.Feature) {
	for _, h := range f.Health {
		if h.Name == "" {
			v.diags.Errorf(diag.CodeFeatureHealth, f.File, h.Path, "a health check needs a name").
				Hintf("add name = \"...\": deploy and the VM tests report the check by it")
		}
		if h.Unit == "" && h.TCP == 0 && h.Setting == "" && h.HTTP == "" {
			v.diags.Errorf(diag.CodeFeatureHealth, f.File, h.Path, "health check %q checks nothing", h.Name).
				Hintf("add unit = \"NAME.service\", tcp = PORT, setting = \"PORT_SETTING\" or http = \"http://127.0.0.1:PORT/\"")
			continue
		}
		if h.Unit != "" && !unitName.MatchString(h.Unit) {
			e := v.diags.Errorf(diag.CodeFeatureHealth, f.File, h.Path.Child("unit"), "health check %q: %q is not a systemd unit name", h.Name, h.Unit)
			if !strings.Contains(h.Unit, ".") {
				e.Hintf("write the unit with its type: %q", h.Unit+".service")
			} else {
				e.Hintf("a unit name ends in .service, .socket, .timer, .target, .mount or .path")
			}
		}
		if h.TCP != 0 && (h.TCP < 1 || h.TCP > 65535) {
			v.diags.Errorf(diag.CodeFeatureHealth, f.File, h.Path.Child("tcp"), "health check %q: port %d is out of range", h.Name, h.TCP).
				Hintf("a port is a number from 1 to 65535")
		}
		if h.TCP != 0 && h.Setting != "" {
			v.diags.Errorf(diag.CodeFeatureHealth, f.File, h.Path.Child("setting"), "health check %q takes tcp or setting, not both", h.Name).
				Hintf("keep setting: it follows the port a machine sets")
		}
		if h.Setting != "" {
			v.portSetting(f, h.Setting, h.Path.Child("setting"), diag.CodeFeatureHealth, "health check "+fmt.Sprintf("%q:", h.Name)+" port")
		}
		if h.HTTP != "" {
			if bad := badHealthURL(h.HTTP); bad != "" {
				v.diags.Errorf(diag.CodeFeatureHealth, f.File, h.Path.Child("http"), "health check %q: %q %s", h.Name, h.HTTP, bad).
					Hintf("write an http:// URL on the machine itself, e.g. \"http://127.0.0.1:8080/health\"")
			}
		}
	}
}

// badHealthURL says why deploy cannot ask u, or "".
func badHealthURL(u string) string {
	p, err := url.Parse(u)
	switch {
	case err != nil:
		return "is not a URL"
	case p.Scheme != "http":
		return "is not an http:// URL (deploy speaks plain HTTP to the machine itself)"
	case p.Host == "":
		return "names no host"
	case !slices.Contains([]string{"127.0.0.1", "localhost", "::1"}, p.Hostname()):
		return "is not on the machine itself (127.0.0.1): the check is run there, about the machine"
	}
	return ""
}
