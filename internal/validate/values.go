package validate

import (
	"fmt"
	"reflect"
	"slices"
	"strings"

	"github.com/shoal-nix/shoal/internal/catalog"
	"github.com/shoal-nix/shoal/internal/diag"
	"github.com/shoal-nix/shoal/internal/fleet"
	"github.com/shoal-nix/shoal/internal/nixopts"
	"github.com/shoal-nix/shoal/internal/resolve"
	"github.com/shoal-nix/shoal/internal/tomltree"
)

// values runs the rules of one machine that read what values mean.
func (v *validator) values(m *resolve.Machine) {
	v.stateVersionAhead(m)
	v.cpuSystem(m)
	v.ports(m)
	v.contradictions(m)
	v.settingNeeds(m)
}

// stateVersionWritten reports whether the fleet file gives the machine a
// state_version at all: one that did not fit is reported where it is
// written, not again as missing.
func (v *validator) stateVersionWritten(m *resolve.Machine) bool {
	is := func(s fleet.Setting) bool { return s.Feature == "core" && s.Name == "state_version" }
	return slices.ContainsFunc(v.rf.Spec.Defaults, is) || slices.ContainsFunc(m.Spec.Settings, is)
}

// stateVersionAhead reports a state_version newer than the release the
// fleet pins: NixOS would apply stateful defaults of a release it is not.
func (v *validator) stateVersionAhead(m *resolve.Machine) {
	release := v.rf.Spec.NixOS
	core := m.Feature("core")
	if core == nil || !slices.Contains(catalog.Releases, release) {
		return // no release, unstable, or one reported as unknown
	}
	sv := core.Value("state_version")
	s, ok := sv.Value.(string)
	if !ok || s <= release { // "YY.MM" strings order as releases do
		return
	}
	if key := sv.Origin.Path.String(); v.reported[key] {
		return // one report per line that sets it, not per machine
	} else {
		v.reported[key] = true
	}
	whose := " of " + m.Name()
	if sv.Origin.Kind != resolve.FromMachine {
		whose = "" // a default, for every machine that takes it
	}
	e := v.diags.Errorf(diag.CodeStateVersionAhead, sv.Origin.File, sv.Origin.Path, "state_version %s%s is newer than the fleet's NixOS release %s", s, whose, release).
		Hintf("state_version names the release a machine was first installed with, at most %s; it is never raised to upgrade (raise [fleet] nixos for that)", release)
	if p := (diag.Path{}).Key("fleet").Key("nixos"); v.written(p) {
		e.Relate(v.file, p, "the fleet pins NixOS %s here", release)
	}
}

// cpuSystem reports a CPU vendor that cannot run the machine's system:
// an arm CPU on x86_64-linux, an Intel or AMD one on aarch64-linux.
func (v *validator) cpuSystem(m *resolve.Machine) {
	cpu, system := m.Spec.Hardware.CPU, m.Spec.System
	var want string
	switch {
	case cpu == "arm" && strings.HasPrefix(system, "x86_64-"):
		want = "aarch64-linux"
	case (cpu == "intel" || cpu == "amd") && strings.HasPrefix(system, "aarch64-"):
		want = "x86_64-linux"
	default:
		return
	}
	e := v.diags.Errorf(diag.CodeCPUSystem, v.file, m.Spec.Path.Child("hardware", "cpu"), "%s has %s CPU, which cannot run %s", m.Name(), withArticle(cpu), system)
	fact := m.Spec.Path.Child("system")
	if v.written(fact) {
		e.Hintf("set system = %q, or correct hardware.cpu", want).Relate(v.file, fact, "the system of %s", m.Name())
	} else {
		e.Hintf("%s is the default system; add system = %q to the machine, or correct hardware.cpu", system, want)
	}
}

// portUse is one port a machine listens on, and who opens it.
type portUse struct {
	port     int64
	protocol string
	feature  string // the feature, "" for a raw option
	setting  string // the feature's port setting, "" for a fixed port
	option   string // the raw option, "" for a feature
	file     string
	path     diag.Path
}

// owner names who opens the port, for a report: built only then, since
// every machine's ports are collected.
func (u portUse) owner() string {
	switch {
	case u.option != "":
		return fmt.Sprintf("nixos.%q", u.option)
	case u.setting != "":
		return fmt.Sprintf("feature %s (%s.%s)", u.feature, u.feature, u.setting)
	}
	return "feature " + u.feature
}

// ports reports a port that two features, or a feature and a raw NixOS
// option, open on the same machine: one of the services cannot listen.
func (v *validator) ports(m *resolve.Machine) {
	uses := v.portBuf[:0]
	for _, f := range m.Features {
		for _, p := range f.Def.Ports {
			port, file, path := p.Port, "", diag.Path(nil)
			if p.Setting != "" {
				val := f.Value(p.Setting)
				if val == nil {
					continue
				}
				n, ok := val.Value.(int64)
				if !ok {
					continue
				}
				port = n
				if val.Origin.Kind != resolve.FromCatalog {
					file, path = val.Origin.File, val.Origin.Path
				}
			}
			uses = append(uses, portUse{port: port, protocol: cmpOr(p.Protocol, "tcp"), feature: f.Name(), setting: p.Setting, file: file, path: path})
		}
	}
	for _, raw := range m.Spec.NixOS {
		last := raw.Option[strings.LastIndexByte(raw.Option, '.')+1:]
		if l := strings.ToLower(last); !strings.HasSuffix(l, "port") && !strings.HasSuffix(l, "ports") {
			continue
		}
		add := func(n *tomltree.Node, at diag.Path) {
			if n.Kind == tomltree.Integer && n.Int > 0 && n.Int < 65536 {
				uses = append(uses, portUse{port: n.Int, protocol: "tcp", option: raw.Option, file: v.file, path: at})
			}
		}
		if raw.Value.Kind == tomltree.Array {
			for i, it := range raw.Value.Items {
				add(it, raw.Path.Child(i))
			}
		} else {
			add(raw.Value, raw.Path)
		}
	}
	v.portBuf = uses
	for i := 1; i < len(uses); i++ {
		for j := 0; j < i; j++ {
			a, b := uses[j], uses[i]
			if a.port != b.port || a.protocol != b.protocol || a.feature != "" && a.feature == b.feature || v.sameService(m, a, b) {
				continue
			}
			// A port from the catalog's default is pointed at by what
			// put the feature on the machine; found only now, as it costs.
			for _, u := range []*portUse{&a, &b} {
				if u.file == "" {
					u.file, u.path = v.anchor(m, m.Feature(u.feature))
				}
			}
			v.diags.Errorf(diag.CodePortTwice, b.file, b.path, "port %d/%s is used twice on %s: by %s and by %s", b.port, b.protocol, m.Name(), a.owner(), b.owner()).
				Hintf("give one of them another port; only one program can listen on %d", b.port).
				Relate(a.file, a.path, "%s uses port %d here", a.owner(), a.port)
			break
		}
	}
}

func cmpOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// sameService reports whether a raw option sets the very option a feature
// writes its port to (nixos."services.openssh.ports" beside feature ssh):
// one service then, not two.
func (v *validator) sameService(m *resolve.Machine, a, b portUse) bool {
	raw, feat := a, b
	if raw.option == "" {
		raw, feat = b, a
	}
	if raw.option == "" || feat.feature == "" {
		return false
	}
	for _, w := range v.writers()[optionKey(raw.option)] {
		if w.feature == feat.feature {
			return true
		}
	}
	return false
}

// optionKey is the form two spellings of one option path compare in:
// the path itself when it has no quotes (nearly always), else as
// nixopts formats it.
func optionKey(opt string) string {
	if !strings.ContainsAny(opt, "\"'") {
		return opt
	}
	if p, err := nixopts.SplitPath(opt); err == nil {
		return nixopts.FormatPath(p)
	}
	return opt
}

// optionWriter is a catalog feature that writes an option.
type optionWriter struct {
	feature string
	when    catalog.Condition
	value   any
}

// writers maps each option path the catalog's features write to them,
// built once per check.
func (v *validator) writers() map[string][]optionWriter {
	if v.optionWriters != nil {
		return v.optionWriters
	}
	v.optionWriters = map[string][]optionWriter{}
	for _, name := range v.rf.Catalog.FeatureNames() {
		for _, blk := range v.rf.Catalog.Features[name].NixOS {
			for _, o := range blk.Options {
				k := optionKey(o.Option)
				v.optionWriters[k] = append(v.optionWriters[k], optionWriter{feature: name, when: blk.When, value: o.Value})
			}
		}
	}
	return v.optionWriters
}

// contradictions reports a raw NixOS option that one of the machine's
// features sets too, to another value: both are plain definitions, the
// same priority, and NixOS refuses two different values of one option.
func (v *validator) contradictions(m *resolve.Machine) {
	for _, raw := range m.Spec.NixOS {
		if raw.Value.Kind == tomltree.Table || raw.Value.Kind == tomltree.Array {
			continue // sets and lists merge
		}
		key := optionKey(raw.Option)
		// What shoal writes for every machine, not through a feature.
		switch key {
		case "networking.hostName":
			if s := raw.Value.Str; raw.Value.Kind == tomltree.String && s != m.Spec.Hostname {
				v.diags.Errorf(diag.CodeOptionContradicts, v.file, raw.Path, "nixos.%q contradicts the host name shoal sets for %s (%q)", raw.Option, m.Name(), m.Spec.Hostname).
					Hintf("set hostname = %q on the machine instead, and remove this line", s)
			}
			continue
		case "nixpkgs.hostPlatform":
			if s := raw.Value.Str; raw.Value.Kind == tomltree.String && s != m.Spec.System {
				v.diags.Errorf(diag.CodeOptionContradicts, v.file, raw.Path, "nixos.%q contradicts the system shoal sets for %s (%q)", raw.Option, m.Name(), m.Spec.System).
					Hintf("set system = %q on the machine instead, and remove this line", s)
			}
			continue
		}
		ws := v.writers()[key]
		if len(ws) == 0 {
			continue
		}
		path, err := nixopts.SplitPath(raw.Option)
		if err != nil {
			continue // reported by rawOptions
		}
		if r := nixopts.Load().Lookup(path); r.Kind != nixopts.Found || !uniqueValue(r.Type) {
			continue // a type that merges definitions, or one shoal cannot tell
		}
		mine := raw.Value.Value()
		for _, w := range ws {
			f := m.Feature(w.feature)
			if f == nil || len(w.when) > 0 && !m.Holds(w.when) {
				continue
			}
			theirs, setting, ok := v.featureValue(f, w.value)
			if !ok || sameValue(mine, theirs) {
				continue
			}
			file, path := v.anchor(m, f)
			e := v.diags.Errorf(diag.CodeOptionContradicts, v.file, raw.Path, "nixos.%q = %s contradicts feature %s, which sets it to %s", raw.Option, catalog.FormatValue(mine), f.Name(), catalog.FormatValue(theirs))
			if setting != "" {
				e.Hintf("set settings.%s.%s = %s instead: both are plain definitions, and NixOS refuses two values of one option", f.Name(), setting, catalog.FormatValue(mine))
			} else {
				e.Hintf("both are plain definitions, and NixOS refuses two values of one option; to override %s, use lib.mkForce in a module of your own (modules = [...])", f.Name())
			}
			e.Relate(file, path, "%s", describe(f))
		}
	}
}

// uniqueValue reports whether an option type takes one value only: NixOS
// refuses two different definitions of it at one priority (strings,
// numbers, booleans, enums), unlike lists, sets, lines and booleans merged
// with "or".
func uniqueValue(t *nixopts.Type) bool {
	for t != nil && (t.Kind == nixopts.NullOr || t.Kind == nixopts.Named) {
		t = t.Elem // a named type checks with its Elem; nil: anything
	}
	if t == nil {
		return false
	}
	switch t.Kind {
	case nixopts.Str:
		return t.Form != nixopts.SeparatedStr
	case nixopts.Bool:
		return t.Form != nixopts.MergedByOr
	case nixopts.Int, nixopts.Float, nixopts.Number, nixopts.Enum, nixopts.Path, nixopts.Package:
		return true
	}
	return false
}

// featureValue is the value a feature writes to an option on a machine: a
// plain value of the catalog, or a setting's resolved value; ok is false
// for values that are no scalar or that nobody set.
func (v *validator) featureValue(f *resolve.Feature, val any) (value any, setting string, ok bool) {
	if ref, isRef := val.(catalog.SettingRef); isRef {
		sv := f.Value(ref.Setting)
		if sv == nil || sv.Value == nil {
			return nil, "", false
		}
		val, setting = sv.Value, ref.Setting
	}
	switch x := val.(type) {
	case string, bool, int64:
		return x, setting, true
	case fleet.Size:
		return int64(x), setting, true
	case int:
		return int64(x), setting, true
	}
	return nil, "", false
}

func sameValue(a, b any) bool {
	if ai, ok := a.(int64); ok {
		if bf, ok := b.(float64); ok {
			return float64(ai) == bf
		}
	}
	return reflect.DeepEqual(a, b)
}

// settingNeeds warns of a setting given on a machine that lacks a feature
// the setting needs to do anything (the catalog's needs on a setting).
func (v *validator) settingNeeds(m *resolve.Machine) {
	for _, f := range m.Features {
		for i := range f.Settings {
			val := &f.Settings[i]
			if len(val.Setting.Needs) == 0 || val.Origin.Kind != resolve.FromMachine && val.Origin.Kind != resolve.FromDefaults || val.Value == false {
				continue // a value nobody wrote, or false, asks for nothing
			}
			for _, need := range val.Setting.Needs {
				if m.Feature(need.Value) != nil {
					continue
				}
				v.diags.Warnf(diag.CodeSettingNoEffect, val.Origin.File, val.Origin.Path, "%s.%s does nothing on %s without feature %s", f.Name(), val.Setting.Name, m.Name(), need.Value).
					Hintf("add %q to the machine's features, or remove this setting", need.Value)
				break
			}
		}
	}
}

// appendOnlyPrune warns when the backup server refuses deletions while its
// clients prune: every forget --prune run of the clients fails.
func (v *validator) appendOnlyPrune() {
	for _, s := range v.rf.Services {
		server, clients := s.Roles["server"], s.Roles["clients"]
		if s.Name() != "backup" || len(server) == 0 || len(clients) == 0 {
			continue
		}
		var srv *resolve.Machine
		for _, m := range v.rf.Machines {
			if f := m.Feature("backup-server"); f != nil {
				if ao := f.Value("append_only"); ao != nil && ao.Value == true {
					srv = m
					break
				}
			}
		}
		if srv == nil {
			return
		}
		ao := srv.Feature("backup-server").Value("append_only")
		for _, m := range v.rf.Machines {
			c := m.Feature("backup-client")
			if c == nil || !prunes(c) {
				continue
			}
			file, path := ao.Origin.File, ao.Origin.Path
			if ao.Origin.Kind == resolve.FromCatalog {
				file, path = v.file, srv.Spec.Path
			}
			v.diags.Warnf(diag.CodeAppendOnlyPrune, file, path, "backup server %s is append-only, but client %s prunes its snapshots: every prune will fail", srv.Name(), m.Name()).
				Hintf("prune on the server (append-only keeps compromised clients from deleting backups), or set append_only = false").
				Relate(v.file, m.Spec.Path, "%s keeps %s and prunes the rest", m.Name(), keeps(c))
			return // one warning says it; the hint is the same for every client
		}
	}
}

// prunes reports whether a backup client forgets and prunes snapshots.
func prunes(c *resolve.Feature) bool {
	for _, k := range []string{"keep_daily", "keep_weekly", "keep_monthly"} {
		if val := c.Value(k); val != nil && val.Value != nil {
			return true
		}
	}
	return false
}

func keeps(c *resolve.Feature) string {
	var parts []string
	for _, k := range []string{"keep_daily", "keep_weekly", "keep_monthly"} {
		if val := c.Value(k); val != nil && val.Value != nil {
			parts = append(parts, fmt.Sprintf("%s = %v", k, val.Value))
		}
	}
	return strings.Join(parts, ", ")
}
