package validate

import (
	"testing"

	"github.com/shoal-nix/shoal/internal/nixopts"
)

func TestUniqueValue(t *testing.T) {
	ix := nixopts.Load()
	for opt, want := range map[string]bool{
		"time.timeZone": true, // null or string without spaces (a named type)
		"services.openssh.settings.PermitRootLogin":        true,  // an enum
		"networking.domain":                                true,  // null or string
		"users.motd":                                       false, // strings concatenated with "\n": merged
		"networking.search":                                false, // a list: merged
		"environment.etc.motd.text":                        false, // lines
		"services.prometheus.exporters.node.enable":        true,
		"services.openssh.ports":                           false,
		"services.prometheus.globalConfig.scrape_interval": true,
	} {
		path, err := nixopts.SplitPath(opt)
		if err != nil {
			t.Fatal(err)
		}
		r := ix.Lookup(path)
		if r.Kind != nixopts.Found {
			t.Errorf("%s is not in the index", opt)
			continue
		}
		if got := uniqueValue(r.Type); got != want {
			t.Errorf("uniqueValue(%s) = %v, want %v", opt, got, want)
		}
	}
}

func TestOptionKey(t *testing.T) {
	for in, want := range map[string]string{
		"services.openssh.ports":                   "services.openssh.ports",
		`services.nginx.virtualHosts."a.org".root`: `services.nginx.virtualHosts."a.org".root`,
		`"services"."openssh".ports`:               "services.openssh.ports",
	} {
		if got := optionKey(in); got != want {
			t.Errorf("optionKey(%q) = %q, want %q", in, got, want)
		}
	}
}
