package fleet

import (
	"slices"

	"github.com/shoal-nix/shoal/internal/diag"
	"github.com/shoal-nix/shoal/internal/tomltree"
)

// movedKey is a key people write in one table that shoal reads in
// another, or under another name.
type movedKey struct {
	where string // where it lives: "system", "settings.core.timezone"
	write string // how to write it there
}

// movedKeys maps a table (as Fields names it) and a key written there to
// where the key lives. The keys come from other tools' vocabularies
// (NixOS, colmena, Ansible) and from shoal's own other tables.
var movedKeys = map[string]map[string]movedKey{
	"a machine": {
		"arch":          {"system", `system = "aarch64-linux"`},
		"architecture":  {"system", `system = "aarch64-linux"`},
		"platform":      {"system", `system = "x86_64-linux"`},
		"timezone":      {"settings.core.timezone", `settings.core.timezone = "Europe/Berlin"`},
		"time_zone":     {"settings.core.timezone", `settings.core.timezone = "Europe/Berlin"`},
		"locale":        {"settings.core.locale", `settings.core.locale = "en_US.UTF-8"`},
		"keymap":        {"settings.core.keymap", `settings.core.keymap = "us"`},
		"kernel":        {"settings.core.kernel", `settings.core.kernel = "latest"`},
		"state_version": {"settings.core.state_version", `settings.core.state_version = "24.05"`},
		"stateVersion":  {"settings.core.state_version", `settings.core.state_version = "24.05"`},
		"cpu":           {"hardware.cpu", `hardware = { cpu = "amd" }`},
		"gpu":           {"hardware.gpu", `hardware = { gpu = ["nvidia"] }`},
		"memory":        {"hardware.memory", `hardware = { memory = "16GiB" }`},
		"ram":           {"hardware.memory", `hardware = { memory = "16GiB" }`},
		"disk":          {"hardware.disk", `hardware = { disk = "1TB" }`},
		"cores":         {"hardware.cores", `hardware = { cores = 8 }`},
		"form":          {"hardware.form", `hardware = { form = "server" }`},
		"ip":            {"address", `address = "192.0.2.10"`},
		"host":          {"address", `address = "nas.home.arpa"`},
		"targetHost":    {"address", `address = "nas.home.arpa"`},
		"hostName":      {"hostname", `hostname = "nas"`},
		"imports":       {"modules", `modules = ["machines/nas/hardware-configuration.nix"]`},
		"role":          {"profile", `profile = "server"`},
		"options":       {"nixos", `nixos."services.openssh.ports" = [2222]`},
	},
	"hardware": {
		"arch":   {"the machine's system", `system = "aarch64-linux"`},
		"system": {"the machine's system", `system = "aarch64-linux"`},
		"ram":    {"hardware.memory", `memory = "16GiB"`},
	},
	"[fleet]": {
		"release":       {"[fleet] nixos", `nixos = "26.05"`},
		"nixpkgs":       {"[fleet] nixos", `nixos = "26.05"`},
		"state_version": {"[defaults] state_version", `state_version = "24.05" under [defaults]`},
		"timezone":      {"[defaults] timezone", `timezone = "Europe/Berlin" under [defaults]`},
		"keys":          {"[fleet] admin_keys", `admin_keys = ["ssh-ed25519 AAAA... admin"]`},
		"ssh_keys":      {"[fleet] admin_keys", `admin_keys = ["ssh-ed25519 AAAA... admin"]`},
	},
	"[defaults]": {
		"time_zone":    {"[defaults] timezone", `timezone = "Europe/Berlin"`},
		"stateVersion": {"[defaults] state_version", `state_version = "24.05"`},
		"nixos":        {"[fleet] nixos", `nixos = "26.05" under [fleet]`},
	},
	"a user": {
		"keys":            {"ssh_keys", `ssh_keys = ["ssh-ed25519 AAAA... alice"]`},
		"ssh_key":         {"ssh_keys", `ssh_keys = ["ssh-ed25519 AAAA... alice"]`},
		"authorized_keys": {"ssh_keys", `ssh_keys = ["ssh-ed25519 AAAA... alice"]`},
		"extraGroups":     {"groups", `groups = ["wheel"]`},
	},
}

// fields is Decoder.Fields with the moved keys of what: a key that lives
// elsewhere is reported as unknown here, saying where it goes.
func (p *parser) fields(v *tomltree.Node, path diag.Path, what string, known []string, fn func(key string, v *tomltree.Node, p diag.Path)) bool {
	moved := movedKeys[what]
	if v.Kind != tomltree.Table || !slices.ContainsFunc(v.Keys, func(k string) bool { _, ok := moved[k]; return ok && !slices.Contains(known, k) }) {
		return p.d.Fields(v, path, what, known, fn)
	}
	all := slices.Clone(known)
	for _, k := range v.Keys {
		if _, ok := moved[k]; ok && !slices.Contains(known, k) {
			all = append(all, k)
		}
	}
	return p.d.Fields(v, path, what, all, func(key string, v *tomltree.Node, kp diag.Path) {
		if m, ok := moved[key]; ok && !slices.Contains(known, key) {
			p.d.Diags.Errorf(diag.CodeUnknownKey, p.f.File, kp, "%q does not go in %s: it is %s", key, what, m.where).
				Hintf("write %s", m.write)
			return
		}
		fn(key, v, kp)
	})
}
