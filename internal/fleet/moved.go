package fleet

import (
	"strconv"
	"strings"

	"github.com/shoal-nix/shoal/internal/tomltree"
)

// movedKey is a key people write in one table that shoal reads in
// another, or under another name.
type movedKey struct {
	where string // where it lives: "called system", "the setting settings.core.timezone"
	// write is how to write it there: a format whose %s is the value as
	// written when it is a string, number or boolean, else an example.
	write string
}

// movedKeys maps a table (as Fields names it) and a key written there to
// where the key lives. The keys come from other tools' vocabularies
// (NixOS, colmena, Ansible) and from shoal's own other tables.
var movedKeys = map[string]map[string]movedKey{
	"a machine": {
		"arch":          {"called system", `system = "aarch64-linux"`},
		"architecture":  {"called system", `system = "aarch64-linux"`},
		"platform":      {"called system", `system = "x86_64-linux"`},
		"timezone":      {"the setting settings.core.timezone", `settings.core.timezone = "Europe/Berlin"`},
		"time_zone":     {"the setting settings.core.timezone", `settings.core.timezone = "Europe/Berlin"`},
		"locale":        {"the setting settings.core.locale", `settings.core.locale = "en_US.UTF-8"`},
		"keymap":        {"the setting settings.core.keymap", `settings.core.keymap = "us"`},
		"kernel":        {"the setting settings.core.kernel", `settings.core.kernel = "latest"`},
		"state_version": {"the setting settings.core.state_version", `settings.core.state_version = "24.05"`},
		"stateVersion":  {"the setting settings.core.state_version", `settings.core.state_version = "24.05"`},
		"cpu":           {"part of hardware: cpu", `hardware = { cpu = "amd" }`},
		"gpu":           {"part of hardware: gpu", `hardware = { gpu = ["nvidia"] }`},
		"memory":        {"part of hardware: memory", `hardware = { memory = "16GiB" }`},
		"ram":           {"part of hardware: memory", `hardware = { memory = "16GiB" }`},
		"disk":          {"part of hardware: disk", `hardware = { disk = "1TB" }`},
		"cores":         {"part of hardware: cores", `hardware = { cores = 8 }`},
		"form":          {"part of hardware: form", `hardware = { form = "server" }`},
		"ip":            {"called address", `address = "192.0.2.10"`},
		"host":          {"called address", `address = "nas.home.arpa"`},
		"targetHost":    {"called address", `address = "nas.home.arpa"`},
		"hostName":      {"called hostname", `hostname = "nas"`},
		"imports":       {"called modules", `modules = ["machines/nas/hardware-configuration.nix"]`},
		"role":          {"called profile", `profile = "server"`},
		"options":       {"called nixos", `nixos."services.openssh.ports" = [2222]`},
	},
	"hardware": {
		"arch":   {"the machine's system, outside hardware", `system = "aarch64-linux"`},
		"system": {"the machine's system, outside hardware", `system = "aarch64-linux"`},
		"ram":    {"called memory", `memory = "16GiB"`},
	},
	"[fleet]": {
		"release":       {"called nixos", `nixos = "26.05"`},
		"nixpkgs":       {"called nixos", `nixos = "26.05"`},
		"state_version": {"in [defaults]", `state_version = "24.05" under [defaults]`},
		"timezone":      {"in [defaults]", `timezone = "Europe/Berlin" under [defaults]`},
		"keys":          {"called admin_keys", `admin_keys = ["ssh-ed25519 AAAA... admin"]`},
		"ssh_keys":      {"called admin_keys", `admin_keys = ["ssh-ed25519 AAAA... admin"]`},
	},
	"[defaults]": {
		"time_zone":    {"called timezone", `timezone = "Europe/Berlin"`},
		"stateVersion": {"called state_version", `state_version = "24.05"`},
		"nixos":        {"in [fleet]", `nixos = "26.05" under [fleet]`},
	},
	"a user": {
		"keys":            {"called ssh_keys", `ssh_keys = ["ssh-ed25519 AAAA... alice"]`},
		"ssh_key":         {"called ssh_keys", `ssh_keys = ["ssh-ed25519 AAAA... alice"]`},
		"authorized_keys": {"called ssh_keys", `ssh_keys = ["ssh-ed25519 AAAA... alice"]`},
		"extraGroups":     {"called groups", `groups = ["wheel"]`},
	},
}

// elsewhere is the fleet parser's tomltree.Decoder.Elsewhere. The hint
// shows the value as the user wrote it when it is a plain one.
func elsewhere(what, key string, v *tomltree.Node) (where, write string, ok bool) {
	m, ok := movedKeys[what][key]
	if !ok {
		return "", "", false
	}
	return m.where, MovedHint(m.write, v), true
}

// MovedHint returns an example "name = value" for a key written under
// another name, with the value as the user wrote it when it is a string,
// number or boolean: "system = \"aarch64-linux\"". An example of another
// shape is returned as it is.
func MovedHint(example string, v *tomltree.Node) string {
	lit := plainLiteral(v)
	name, rest, ok := strings.Cut(example, " = ")
	if lit == "" || !ok || strings.Contains(name, " ") {
		return example
	}
	// The example's value ends at a closing brace or "under ...", which
	// stay; the user's value replaces the rest.
	suffix := ""
	if i := strings.Index(rest, " }"); i >= 0 {
		suffix = rest[i:]
	} else if i := strings.Index(rest, " under "); i >= 0 {
		suffix = rest[i:]
	}
	return name + " = " + lit + suffix
}

// plainLiteral renders a string, integer or boolean as TOML, or "".
func plainLiteral(v *tomltree.Node) string {
	if v == nil {
		return ""
	}
	switch v.Kind {
	case tomltree.String:
		if strings.ContainsAny(v.Str, "\"\\\n") {
			return ""
		}
		return `"` + v.Str + `"`
	case tomltree.Integer:
		return strconv.FormatInt(v.Int, 10)
	case tomltree.Bool:
		return strconv.FormatBool(v.Bool)
	}
	return ""
}
