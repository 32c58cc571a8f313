package validate

import (
	"fmt"
	"slices"
	"strings"

	"github.com/shoal-nix/shoal/internal/catalog"
	"github.com/shoal-nix/shoal/internal/diag"
	"github.com/shoal-nix/shoal/internal/fleet"
	"github.com/shoal-nix/shoal/internal/resolve"
)

// Fleet runs every rule on a resolved fleet.
func Fleet(rf *resolve.Fleet) diag.List {
	v := &validator{rf: rf, file: rf.Spec.File, chains: map[string][]*catalog.Profile{}, reported: map[string]bool{}}
	v.requiresCycles()
	v.localFeatures()
	for _, m := range rf.Machines {
		v.machine(m)
	}
	v.duplicates()
	v.services()
	v.appendOnlyPrune()
	v.healthFeatures()
	return v.diags
}

type validator struct {
	rf    *resolve.Fleet
	file  string
	diags diag.List
	// chains caches catalog.ProfileChain by profile name: it is asked
	// for every feature of every machine.
	chains map[string][]*catalog.Profile
	// portBuf is reused by every machine's port check.
	portBuf []portUse
	// reported holds the paths of values already reported for one machine,
	// so a fleet default is reported once, not once per machine.
	reported map[string]bool
	// optionWriters maps option paths to the catalog features that write
	// them; see writers.
	optionWriters map[string][]optionWriter
	// secretRoles maps the feature of each service role that reads the
	// service's secrets to its role; see roleFeature.
	secretRoles map[string]serviceRole
}

// anchor finds where in the fleet file a feature's presence on a machine is
// best pointed at: the line that enabled it, or what pulled it in.
func (v *validator) anchor(m *resolve.Machine, f *resolve.Feature) (string, diag.Path) {
	seen := map[string]bool{}
	for f != nil && !seen[f.Name()] {
		seen[f.Name()] = true
		why := f.Reasons[0]
		switch why.Kind {
		case resolve.ByMachine, resolve.ByService:
			return why.File, why.Path
		case resolve.ByProfile:
			if m.Spec.Profile.Value != "" {
				return v.file, m.Spec.Profile.Path
			}
			return v.file, m.Spec.Path
		case resolve.ByRequire:
			f = m.Feature(why.Detail)
		default:
			f = nil
		}
	}
	return v.file, m.Spec.Path
}

// describe says why a feature is on, for related locations.
func describe(f *resolve.Feature) string {
	why := f.Reasons[0]
	switch why.Kind {
	case resolve.ByProfile:
		return fmt.Sprintf("%s is enabled by profile %s", f.Name(), why.Detail)
	case resolve.ByRequire:
		return fmt.Sprintf("%s is required by %s", f.Name(), why.Detail)
	case resolve.ByService:
		return fmt.Sprintf("%s comes with the role %s", f.Name(), why.Detail)
	}
	return fmt.Sprintf("%s is enabled here", f.Name())
}

func (v *validator) machine(m *resolve.Machine) {
	v.conflicts(m)
	v.provides(m)
	for _, f := range m.Features {
		v.excluded(m, f)
		v.deprecated(m, f)
		v.hardware(m, f)
	}
	v.roleFeature(m)
	v.resources(m)
	v.security(m)
	v.backupSandbox(m)
	v.boot(m)
	v.login(m)
	v.rawOptions(m.Spec)
	v.values(m)
	if core := m.Feature("core"); core != nil {
		if sv := core.Value("state_version"); sv != nil && sv.Value == nil && !v.stateVersionWritten(m) {
			v.diags.Errorf(diag.CodeNoStateVersion, v.file, m.Spec.Path, "%s has no state_version", m.Name()).
				Hintf("add state_version = \"%s\" to [defaults] (the release the machine was installed with), or settings.core.state_version to the machine", releaseOr(v.rf.Spec.NixOS))
		}
	}
}

func releaseOr(r string) string {
	if r == "" || r == "unstable" {
		return "26.05"
	}
	return r
}

func (v *validator) conflicts(m *resolve.Machine) {
	reported := map[[2]string]bool{}
	for _, f := range m.Features {
		for _, c := range f.Def.Conflicts {
			other := m.Feature(c.Feature)
			if other == nil || !m.Holds(c.When) {
				continue
			}
			pair := [2]string{min(f.Name(), other.Name()), max(f.Name(), other.Name())}
			if reported[pair] {
				continue
			}
			reported[pair] = true
			file, path := v.anchor(m, f)
			ofile, opath := v.anchor(m, other)
			what := ""
			if len(c.When) > 0 {
				what = " when " + c.When.String()
			}
			e := v.diags.Errorf(diag.CodeConflict, file, path, "feature %s conflicts with %s on %s%s", f.Name(), other.Name(), m.Name(), what)
			if reason := conflictReason(c, other, f.Name(), m); reason != "" {
				e.SetHint(reason)
			} else {
				e.Hintf("remove one of them from %s", m.Name())
			}
			e.Relate(ofile, opath, "%s", describe(other))
			// The diagnostic is at f's anchor already; a note there helps
			// only when it says more than "enabled here".
			if f.Reasons[0].Kind != resolve.ByMachine {
				e.Relate(file, path, "%s", describe(f))
			}
			v.relateSettings(e, m, c.When)
		}
	}
}

// conflictReason is the reason c gives, or when it gives none, the reason
// the other feature gives for the same conflict: a pair is reported once,
// from whichever side comes first.
func conflictReason(c catalog.Conflict, other *resolve.Feature, name string, m *resolve.Machine) string {
	if c.Reason != "" {
		return c.Reason
	}
	for _, oc := range other.Def.Conflicts {
		if oc.Feature == name && oc.Reason != "" && m.Holds(oc.When) {
			return oc.Reason
		}
	}
	return ""
}

// relateSettings points at the lines that set the values a condition tests.
func (v *validator) relateSettings(e diag.Ref, m *resolve.Machine, c catalog.Condition) {
	for _, cl := range c {
		feature, setting, ok := strings.Cut(cl.Key, ".")
		if f := m.Feature(feature); ok && f != nil {
			if val := f.Value(setting); val != nil && val.Origin.Kind != resolve.FromCatalog {
				e.Relate(val.Origin.File, val.Origin.Path, "%s is set to %s here", cl.Key, catalog.FormatValue(val.Value))
			}
		}
	}
}

func (v *validator) provides(m *resolve.Machine) {
	by := map[string]*resolve.Feature{}
	for _, f := range m.Features {
		for _, cap := range f.Def.Provides {
			first := by[cap.Value]
			if first == nil {
				by[cap.Value] = f
				continue
			}
			file, path := v.anchor(m, f)
			ofile, opath := v.anchor(m, first)
			v.diags.Errorf(diag.CodeProvidesClash, file, path, "features %s and %s both provide %s on %s", first.Name(), f.Name(), cap.Value, m.Name()).
				Hintf("a machine can have one provider of %s; remove one of them", cap.Value).
				Relate(ofile, opath, "%s", describe(first))
		}
	}
}

// excludedBy returns the profile of m's chain that excludes the feature
// named name, or nil.
func (v *validator) excludedBy(m *resolve.Machine, name string) *catalog.Profile {
	if m.Profile == nil {
		return nil
	}
	chain, ok := v.chains[m.Profile.Name]
	if !ok {
		chain = v.rf.Catalog.ProfileChain(m.Profile.Name)
		v.chains[m.Profile.Name] = chain
	}
	for _, p := range chain {
		for _, ex := range p.Excludes {
			if ex.Value == name {
				return p
			}
		}
	}
	return nil
}

func (v *validator) excluded(m *resolve.Machine, f *resolve.Feature) {
	p := v.excludedBy(m, f.Name())
	if p == nil {
		return
	}
	// A feature pulled in by another excluded feature is not reported on
	// its own: removing the one the user wrote removes both.
	why := f.Reasons[0]
	if why.Kind == resolve.ByRequire && v.excludedBy(m, why.Detail) != nil {
		return
	}
	file, path := v.anchor(m, f)
	what, remove := "feature "+f.Name(), f.Name()
	if why.Kind == resolve.ByRequire {
		what += ", required by " + why.Detail + ","
		remove = why.Detail + ", which requires it"
	}
	e := v.diags.Errorf(diag.CodeExcluded, file, path, "%s cannot be used with profile %s", what, m.Profile.Name)
	var others []string
	for _, name := range v.rf.Catalog.ProfileNames() {
		if name != m.Profile.Name && v.profileAllows(name, f.Name()) {
			others = append(others, name)
		}
	}
	if len(others) > 0 {
		e.Hintf("profile %s excludes it (%s); use profile %s, or remove %s", p.Name, strings.ToLower(firstWords(p.Description)), joinOr(others), remove)
	} else {
		e.Hintf("profile %s excludes it; remove %s", p.Name, remove)
	}
	if m.Spec.Profile.Value != "" {
		e.Relate(v.file, m.Spec.Profile.Path, "the machine's profile is %s", m.Profile.Name)
	}
}

func (v *validator) deprecated(m *resolve.Machine, f *resolve.Feature) {
	if f.Def.Lifecycle != catalog.Deprecated {
		return
	}
	file, path := v.anchor(m, f)
	var e diag.Ref
	if f.Def.Replacement == "" {
		e = v.diags.Warnf(diag.CodeDeprecated, file, path, "feature %s is deprecated", f.Name())
	} else {
		e = v.diags.Warnf(diag.CodeDeprecated, file, path, "feature %s is deprecated; use %s instead", f.Name(), f.Def.Replacement).
			Hintf("replace %q with %q", f.Name(), f.Def.Replacement)
	}
	// At the anchor of a feature the machine does not name, say how it
	// got there, as conflicts do.
	if f.Reasons[0].Kind != resolve.ByMachine {
		e.Relate(file, path, "%s", describe(f))
	}
}

func (v *validator) hardware(m *resolve.Machine, f *resolve.Feature) {
	need := f.Def.Hardware
	if len(need.Systems) == 0 && len(need.CPU) == 0 && len(need.GPU) == 0 && len(need.Form) == 0 {
		return // most features need nothing; skip finding an anchor
	}
	h := m.Spec.Hardware
	file, path := v.anchor(m, f)
	hw := m.Spec.Path.Child("hardware")
	// mismatch reports a need the machine does not meet, with a note on
	// the fact that decided it; fact is where that fact is written, or
	// the machine when it is not written at all.
	mismatch := func(fact diag.Path, note string, format string, args ...any) diag.Ref {
		return v.diags.Errorf(diag.CodeHardware, file, path, format, args...).Relate(v.file, fact, "%s", note)
	}
	if len(need.Systems) > 0 && !slices.Contains(need.Systems, m.Spec.System) {
		fact, note := m.Spec.Path.Child("system"), "the system of "+m.Name()
		if !v.written(fact) {
			fact, note = m.Spec.Path, m.Name()+" is "+m.Spec.System+", the default system"
		}
		mismatch(fact, note, "feature %s needs %s, but %s is %s", f.Name(), strings.Join(need.Systems, " or "), m.Name(), m.Spec.System)
	}
	if len(need.CPU) > 0 && h.CPU != "" && !slices.Contains(need.CPU, h.CPU) {
		mismatch(hw.Child("cpu"), "the CPU of "+m.Name(), "feature %s needs %s CPU, but %s has %s", f.Name(), withArticle(strings.Join(need.CPU, " or ")), m.Name(), h.CPU)
	}
	if len(need.GPU) > 0 && !slices.ContainsFunc(h.GPU, func(g fleet.Ref) bool { return slices.Contains(need.GPU, g.Value) }) {
		have, fact, note := "no GPU listed", hw.Child("gpu"), "the GPUs of "+m.Name()
		if len(h.GPU) > 0 {
			names := make([]string, len(h.GPU))
			for i, g := range h.GPU {
				names[i] = g.Value
			}
			have = "only " + strings.Join(names, ", ")
		} else if v.written(hw) {
			fact, note = hw, "the hardware of "+m.Name()+", with no gpu"
		} else {
			fact, note = m.Spec.Path, m.Name()+" has no hardware table"
		}
		mismatch(fact, note, "feature %s needs %s GPU, but %s has %s", f.Name(), withArticle(strings.Join(need.GPU, " or ")), m.Name(), have).
			Hintf("add gpu = [%q] to the machine's hardware if it has one, or remove %s", need.GPU[0], f.Name())
	}
	if len(need.Form) > 0 && h.Form != "" && !slices.Contains(need.Form, h.Form) {
		mismatch(hw.Child("form"), "the form factor of "+m.Name(), "feature %s is for %s machines, but %s is %s", f.Name(), strings.Join(need.Form, " or "), m.Name(), withArticle(h.Form))
	}
}

// written reports whether p is written in the fleet file, so that a note
// pointing at it lands on it and not on a parent.
func (v *validator) written(p diag.Path) bool {
	if v.rf.Spec.Doc == nil {
		return false
	}
	_, ok := v.rf.Spec.Doc.Lookup(p)
	return ok
}

// withArticle puts "a" or "an" before a word as it is said: "an intel",
// "an nvidia", "a laptop".
func withArticle(word string) string {
	if word != "" && strings.ContainsRune("aeiouAEIOU", rune(word[0])) || strings.HasPrefix(word, "nvidia") {
		return "an " + word
	}
	return "a " + word
}

// resources warns, once per machine and resource, when the machine has
// less memory or disk than some of its features want, naming them all.
func (v *validator) resources(m *resolve.Machine) {
	h := m.Spec.Hardware
	check := func(code diag.Code, what string, have fleet.Size, need func(*catalog.Feature) fleet.Size, hint string) {
		if have == 0 {
			return // not told: nothing to compare
		}
		var short []*resolve.Feature
		for _, f := range m.Features {
			if n := need(f.Def); n > have {
				short = append(short, f)
			}
		}
		if len(short) == 0 {
			return
		}
		wants := make([]string, len(short))
		for i, f := range short {
			wants[i] = fmt.Sprintf("%s (%s)", f.Name(), need(f.Def))
		}
		e := v.diags.Warnf(code, v.file, m.Spec.Path.Child("hardware", what), "%s has %s of %s, less than %s %s", m.Name(), have, what, joinAnd(wants), plural(len(short), "wants", "want"))
		if hint != "" {
			e.SetHint(hint)
		}
		for _, f := range short {
			file, path := v.anchor(m, f)
			e.Relate(file, path, "%s", describe(f))
		}
	}
	check(diag.CodeLowMemory, "memory", h.Memory, func(f *catalog.Feature) fleet.Size { return f.Resources.Memory },
		"it will run, slowly; consider the zram feature or more memory")
	check(diag.CodeLowDisk, "disk", h.Disk, func(f *catalog.Feature) fleet.Size { return f.Resources.Disk }, "")
}

// profileAllows reports whether no profile in name's chain excludes feature.
func (v *validator) profileAllows(name, feature string) bool {
	for _, p := range v.rf.Catalog.ProfileChain(name) {
		for _, ex := range p.Excludes {
			if ex.Value == feature {
				return false
			}
		}
	}
	return true
}

// firstWords is a description up to its first colon or period.
func firstWords(s string) string {
	if i := strings.IndexAny(s, ":."); i > 0 {
		return s[:i]
	}
	return s
}

func joinOr(items []string) string {
	if len(items) <= 1 {
		return strings.Join(items, "")
	}
	return strings.Join(items[:len(items)-1], ", ") + " or " + items[len(items)-1]
}

func joinAnd(items []string) string {
	if len(items) <= 1 {
		return strings.Join(items, "")
	}
	return strings.Join(items[:len(items)-1], ", ") + " and " + items[len(items)-1]
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// backupSandbox warns about raw settings that make the backup unit write
// outside what hardening's sandbox leaves writable: from hardening level
// standard the unit sees a read-only file system (ProtectSystem = "strict")
// but for its cache, runtime and metrics directories and a local
// repository, so a prepare command that dumps a database elsewhere fails
// at its first run, after the deploy.
func (v *validator) backupSandbox(m *resolve.Machine) {
	h := m.Feature("hardening")
	if h == nil || !m.Has("backup-client") {
		return
	}
	level := h.Value("level")
	if level == nil || (level.Value != "standard" && level.Value != "strict") {
		return
	}
	const unit = "systemd.services.restic-backups-shoal.serviceConfig"
	var writer *fleet.RawOption
	for i, raw := range m.Spec.NixOS {
		switch {
		case raw.Option == unit+".ReadWritePaths" || raw.Option == unit+".ProtectSystem" || raw.Option == unit:
			return // the user has said what the unit may write
		case writer == nil && (raw.Option == "services.restic.backups.shoal.backupPrepareCommand" ||
			raw.Option == "services.restic.backups.shoal.backupCleanupCommand" ||
			raw.Option == "services.restic.backups.shoal.dynamicFilesFrom"):
			writer = &m.Spec.NixOS[i]
		}
	}
	if writer == nil {
		return
	}
	w := v.diags.Warnf(diag.CodeSandboxBreaks, v.file, writer.Path, "%s runs in the backup unit, whose file system is read-only on %s (hardening.level = %q)", writer.Option, m.Name(), level.Value).
		Hintf("the unit may write only its cache, its runtime directory, /var/lib/shoal/metrics and a local repository; "+
			"add the directories the command writes (e.g. a database dump's), as nixos.%q = [\"/var/backup\"]", unit+".ReadWritePaths")
	if level.Origin.File != "" {
		w.Relate(level.Origin.File, level.Origin.Path, "hardening.level = %q here", level.Value)
	}
}

func (v *validator) security(m *resolve.Machine) {
	ssh := m.Feature("ssh")
	if ssh == nil {
		return
	}
	hasKey := len(v.rf.Spec.AdminKeys) > 0
	for _, u := range m.Spec.Users {
		if user := v.rf.Spec.User(u.Value); user != nil && len(user.SSHKeys) > 0 {
			hasKey = true
		}
	}
	pw := ssh.Value("password_authentication")
	passwords := pw != nil && pw.Value == true
	if !hasKey && !passwords {
		v.diags.Warnf(diag.CodeLockout, v.file, m.Spec.Path, "nobody can log in to %s over SSH: no user on it has an SSH key and [fleet] has no admin_keys", m.Name()).
			Hintf("add admin_keys to [fleet], or a user with ssh_keys to the machine's users; password login is off")
	}
	v.deployLogin(m, ssh)
	if passwords && m.Spec.IsPublic() {
		if m.Spec.Public != nil {
			v.diags.Warnf(diag.CodePasswordPublic, pw.Origin.File, pw.Origin.Path, "SSH password login is on for %s, which is marked public", m.Name()).
				Hintf("set settings.ssh.password_authentication = false and log in with keys").
				Relate(v.file, m.Spec.Path.Child("public"), "%s is marked public here", m.Name())
		} else {
			v.diags.Warnf(diag.CodePasswordPublic, pw.Origin.File, pw.Origin.Path, "SSH password login is on for %s, which has a public address", m.Name()).
				Hintf("set settings.ssh.password_authentication = false and log in with keys").
				Relate(v.file, m.Spec.Path.Child("address"), "public address %s", m.Spec.Address)
		}
	}
}

// deployLogin warns when the machine's own settings refuse the login its
// deploy needs: root with permit_root_login = "no", or a deploy user the
// machine does not have or whose closures Nix would not accept.
func (v *validator) deployLogin(m *resolve.Machine, ssh *resolve.Feature) {
	d := v.rf.Spec.DeployOf(m.Spec)
	at := d.Path
	if at == nil {
		at = m.Spec.Path
	}
	if d.User == "" || d.User == "root" {
		if p := ssh.Value("permit_root_login"); p != nil && p.Value == "no" {
			v.diags.Warnf(diag.CodeLockout, p.Origin.File, p.Origin.Path, "shoal deploy logs in to %s as root, which settings.ssh.permit_root_login = \"no\" refuses", m.Name()).
				Hintf("deploy as a user that becomes root: deploy = { user = \"deploy\", become = \"sudo\" } in [fleet] or the machine, or keep permit_root_login = \"prohibit-password\"")
		}
		return
	}
	user := v.rf.Spec.User(d.User)
	placed := false
	for _, u := range m.Spec.Users {
		placed = placed || u.Value == d.User
	}
	if user == nil || !placed {
		v.diags.Warnf(diag.CodeLockout, v.file, at, "shoal deploy logs in to %s as %s, who is not one of its users", m.Name(), d.User).
			Hintf("declare [users.%s] with ssh_keys and add it to the machine's users", d.User)
		return
	}
	if len(user.SSHKeys) == 0 {
		// deploy runs ssh with BatchMode: a key is the only way in.
		v.diags.Warnf(diag.CodeLockout, v.file, at, "shoal deploy logs in to %s as %s, who has no SSH key", m.Name(), d.User).
			Hintf("add ssh_keys to [users.%s]: deploy logs in with a key only, never a password", d.User).
			Relate(v.file, user.Path, "user %s is declared here", d.User)
	}
	// The generated machine makes the user a trusted Nix user and lets it
	// run sudo or doas without a password; hardening's
	// security.sudo.execWheelOnly still keeps sudo from a user outside
	// wheel.
	if d.Become == "sudo" && m.Feature("hardening") != nil {
		wheel := false
		for _, g := range user.Groups {
			wheel = wheel || g.Value == "wheel"
		}
		if !wheel {
			v.diags.Warnf(diag.CodeLockout, v.file, at, "shoal deploy runs sudo as %s on %s, where the hardening feature lets only wheel run sudo", d.User, m.Name()).
				Hintf("add \"wheel\" to the groups of [users.%s]", d.User).
				Relate(v.file, user.Path, "user %s is declared here", d.User)
		}
	}
}

func (v *validator) duplicates() {
	addrs := make(map[fleet.AddressKey]*fleet.Machine, len(v.rf.Spec.Machines))
	hosts := make(map[string]*fleet.Machine, len(v.rf.Spec.Machines))
	for _, m := range v.rf.Spec.Machines {
		if m.Address != "" {
			key := fleet.KeyOf(m.Address)
			if first := addrs[key]; first != nil {
				v.diags.Errorf(diag.CodeDuplicateAddr, v.file, m.Path.Child("address"), "machines %s and %s have the same address %s", first.Name, m.Name, m.Address).
					Hintf("each machine needs its own address for deploy to reach it").
					Relate(v.file, first.Path.Child("address"), "address of %s", first.Name)
			} else {
				addrs[key] = m
			}
		}
		key := strings.ToLower(m.Hostname)
		if first := hosts[key]; first != nil {
			path := m.Path
			if m.Hostname != m.Name {
				path = m.Path.Child("hostname")
			}
			opath := first.Path
			if first.Hostname != first.Name {
				opath = first.Path.Child("hostname")
			}
			v.diags.Errorf(diag.CodeDuplicateHost, v.file, path, "machines %s and %s have the same host name %s", first.Name, m.Name, m.Hostname).
				Hintf("host names are compared without case; give one a different hostname").
				Relate(v.file, opath, "host name of %s", first.Name)
		} else {
			hosts[key] = m
		}
	}
}

// services checks each fleet service against what its catalog file
// declares: a role that names machines has what it needs (agents a
// server), a role names no more machines than the wiring uses, and no
// option that does nothing yet is set.
func (v *validator) services() {
	for _, s := range v.rf.Services {
		v.reach(s)
		v.listeners(s)
		switch s.Name() {
		case "load_balancer":
			v.loadBalancerRules(s)
		case "backup":
			v.backupRules(s)
		case "wireguard":
			v.meshRules(s)
		}
		for _, role := range s.Def.Roles {
			v.roleNeeds(s, role)
			if n := len(s.Roles[role.Name]); role.Max > 0 && int64(n) > role.Max {
				v.manyMachines(s, role, n)
			}
		}
		for _, o := range s.Def.Options {
			if o.Unused == "" || s.Options[o.Name] == nil {
				continue
			}
			// Accepting it silently would promise what never happens.
			e := v.diags.Warnf(diag.CodeServiceOptionUnused, v.file, s.Spec.Path.Child(o.Name), "services.%s.%s is not used yet: %s", s.Name(), o.Name, o.Unused)
			if o.UnusedHint != "" {
				e.Hintf("%s", o.UnusedHint)
			}
		}
		v.roleWithoutMachine(s)
		switch s.Name() {
		case "monitoring":
			v.alertMail(s)
			v.alertReceivers(s)
		case "backup":
			v.backupToItself(s)
		}
	}
	v.serviceDisks()
}

// alertMail reports alert_email without smtp_server: Alertmanager would
// refuse its configuration, and no alert would ever be mailed.
func (v *validator) alertMail(s *resolve.Service) {
	to, _ := s.Values["alert_email"].(string)
	server, _ := s.Values["smtp_server"].(string)
	if to == "" || server != "" {
		return
	}
	v.diags.Errorf(diag.CodeAlertNoMailServer, v.file, s.Spec.Path.Child("alert_email"), "alerts go to %s, but services.monitoring names no smtp_server to send them through", to).
		Hintf(`add smtp_server = "mail.example.com:587" to [services.monitoring], and smtp_user when the server wants a login (its password is then the secret smtp-password)`)
}

// roleNeeds reports a role that names machines while none of the roles or
// options it needs is given: agents with no server (SH063), or, when an
// option may stand in for the machines, clients with no target (SH064).
func (v *validator) roleNeeds(s *resolve.Service, role *catalog.Role) {
	if len(role.Needs) == 0 || len(s.Roles[role.Name]) == 0 {
		return
	}
	code := diag.CodeNoServer
	for _, n := range role.Needs {
		if len(s.Roles[n]) > 0 || s.Options[n] != nil {
			return
		}
		if s.Def.Option(n) != nil {
			code = diag.CodeNoBackupTarget
		}
	}
	summary := fmt.Sprintf("services.%s has %s but no %s", s.Name(), role.Name, strings.Join(role.Needs, " and no "))
	if role.Unmet != "" {
		summary = role.Unmet
	}
	e := v.diags.Errorf(code, v.file, s.Spec.Path.Child(role.Name), "%s", summary)
	if role.UnmetHint != "" {
		e.Hintf("%s", role.UnmetHint)
	} else {
		e.Hintf("add %s = [\"MACHINE\"] to [services.%s]", role.Needs[0], s.Name())
	}
}

// manyMachines warns of a role that names more machines than the wiring
// uses: the roles that need it are wired to its first machine only.
func (v *validator) manyMachines(s *resolve.Service, role *catalog.Role, n int) {
	var users []string
	for _, r := range s.Def.Roles {
		if slices.Contains(r.Needs, role.Name) {
			users = append(users, r.Name)
		}
	}
	them := "the other roles"
	if len(users) > 0 {
		them = strings.Join(users, " and ")
	}
	plural := role.Name
	if !strings.HasSuffix(plural, "s") {
		plural += "s"
	}
	v.diags.Warnf(diag.CodeManyServers, v.file, s.Spec.Path.Child(role.Name), "services.%s has %d %s; %s are wired to the first only", s.Name(), n, plural, them).
		Hintf("name one %s; shoal does not yet spread %s over several", role.Name, them)
}

// requiresCycles reports cycles in requires among the fleet's own
// features; the built-in catalog has none, a test holds it to that.
func (v *validator) requiresCycles() {
	cat := v.rf.Catalog
	state := map[string]int{} // 0 new, 1 on stack, 2 done
	var stack []string
	var visit func(name string)
	visit = func(name string) {
		f := cat.Features[name]
		if f == nil || state[name] == 2 {
			return
		}
		state[name] = 1
		stack = append(stack, name)
		for _, req := range f.Requires {
			switch state[req.Value] {
			case 0:
				visit(req.Value)
			case 1:
				i := slices.Index(stack, req.Value)
				cycle := append(slices.Clone(stack[i:]), req.Value)
				v.diags.Errorf(diag.CodeRequiresCycle, f.File, req.Path, "features require each other in a cycle: %s", strings.Join(cycle, " -> ")).
					Hintf("break the cycle: one of these features must not require the next")
			}
		}
		stack = stack[:len(stack)-1]
		state[name] = 2
	}
	for _, name := range cat.FeatureNames() {
		if cat.Features[name].Local {
			visit(name)
		}
	}
}

// healthFeatures reports [health] entries for features the catalog does
// not have: their checks would never run.
func (v *validator) healthFeatures() {
	for _, h := range v.rf.Spec.Health {
		name := h.Feature.Value
		if v.rf.Catalog.Features[name] != nil {
			continue
		}
		e := v.diags.Errorf(diag.CodeUnknownFeature, v.file, h.Feature.Path, "[health] names the feature %q, which the catalog does not have", name)
		if hint := diag.DidYouMean(name, v.rf.Catalog.FeatureNames()); hint != "" {
			e.SetHint(hint)
		} else {
			e.Hintf("write a feature's name (shoal features lists them), or put the checks in a machine's health = [...]")
		}
	}
}
