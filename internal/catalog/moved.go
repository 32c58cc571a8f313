package catalog

import (
	"github.com/shoal-nix/shoal/internal/fleet"
	"github.com/shoal-nix/shoal/internal/tomltree"
)

// movedKeys maps a table of a feature file (as Fields names it) and a key
// people write there, from other tools' vocabularies, to the key shoal
// reads and an example.
var movedKeys = map[string]map[string][2]string{
	"a feature": {
		"depends":        {"called requires", `requires = ["core"]`},
		"depends_on":     {"called requires", `requires = ["core"]`},
		"dependencies":   {"called requires", `requires = ["core"]`},
		"conflicts_with": {"called conflicts", `conflicts = ["podman"]`},
		"options":        {"called nixos", `[nixos] "services.openssh.enable" = true`},
		"config":         {"called nixos", `[nixos] "services.openssh.enable" = true`},
		"firewall":       {"called ports", `[[ports]] port = 8080`},
		"status":         {"called lifecycle", `lifecycle = "experimental"`},
	},
	"a setting": {
		"kind":      {"called type", `type = "string"`},
		"choices":   {"called values", `values = ["a", "b"]`},
		"options":   {"called values", `values = ["a", "b"]`},
		"enum":      {"called values", `type = "enum" and values = ["a", "b"]`},
		"minimum":   {"called min", `min = 1`},
		"maximum":   {"called max", `max = 10`},
		"example":   {"part of description", `description = "..., e.g. 42"`},
		"doc":       {"called description", `description = "..."`},
		"help":      {"called description", `description = "..."`},
		"requires":  {"called needs on a setting", `needs = ["gpu-nvidia"]`},
		"unit":      {"part of the type", `type = "duration" with flavour = "prometheus"`},
		"format":    {"called flavour", `flavour = "prometheus"`},
		"flavor":    {"called flavour", `flavour = "prometheus"`},
		"regex":     {"called pattern", `pattern = { regexp = "^/.*$", description = "a URL path" }`},
		"validator": {"called pattern", `pattern = { regexp = "^/.*$", description = "a URL path" }`},
	},
}

// elsewhere is the catalog loader's tomltree.Decoder.Elsewhere.
func elsewhere(what, key string, v *tomltree.Node) (where, write string, ok bool) {
	m, ok := movedKeys[what][key]
	return m[0], fleet.MovedHint(m[1], v), ok
}
