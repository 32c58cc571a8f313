package fleet

import (
	"strings"
	"testing"
)

func TestSize(t *testing.T) {
	for _, c := range []struct {
		in   string
		want string
	}{
		{"32GiB", "32GiB"}, {"16GB", "16GB"}, {"1TB", "1TB"}, {"512MiB", "512MiB"}, {"1.5 TB", "1500GB"},
		{"1500B", "1.5KiB"}, {"2000b", "2KB"}, {"8gib", "8GiB"}, {"0.3GiB", "307.2MiB"},
	} {
		s, err := ParseSize(c.in)
		if err != nil {
			t.Errorf("ParseSize(%q): %v", c.in, err)
			continue
		}
		if got := s.String(); got != c.want {
			t.Errorf("ParseSize(%q).String() = %q, want %q", c.in, got, c.want)
		}
	}
	for _, bad := range []string{"", "16", "GiB", "32 gigs", "-1GB", "1e3GB", "99999999TB"} {
		if _, err := ParseSize(bad); err == nil {
			t.Errorf("ParseSize(%q) succeeded, want an error", bad)
		}
	}
}

func TestAddressProblem(t *testing.T) {
	for _, c := range []struct{ in, problem, hint string }{
		{"192.0.2.10", "", ""},
		{"2001:db8::10", "", ""},
		{"fe80::1%eth0", "", ""},
		{"nas.home.arpa", "", ""},
		{"nas.home.arpa.", "", ""},
		{"web-1", "", ""},
		{"_srv.example", "", ""},
		{"10.0.0.1:22", "has a port", `"10.0.0.1"`},
		{"[2001:db8::1]:2222", "has a port", `"2001:db8::1"`},
		{"nas.lan:2222", "has a port", `[2222]`},
		{"ssh://root@nas.lan:22", "is a URL", `"nas.lan"`},
		{"root@nas.lan", "names a user", `"nas.lan"`},
		{"10.0.0.256", "not a valid IPv4", "0 to 255"},
		{"10.0.0", "not a valid IPv4", ""},
		{"2001:db8:::1", "not a valid IPv6", ""},
		{"nas..lan", "empty label", `"nas.lan"`},
		{"-nas.lan", "starts or ends", ""},
		{"nas lan", "cannot be in a DNS name", ""},
		{"", "empty", ""},
	} {
		p, h := addressProblem(c.in)
		if (p == "") != (c.problem == "") || !strings.Contains(p, c.problem) || !strings.Contains(h, c.hint) {
			t.Errorf("addressProblem(%q) = %q, %q; want %q, hint with %q", c.in, p, h, c.problem, c.hint)
		}
	}
	for a, b := range map[string]string{"Nas.Lan.": "nas.lan", "2001:DB8::0:1": "2001:db8::1", "::ffff:10.0.0.1": "10.0.0.1"} {
		if KeyOf(a) != KeyOf(b) {
			t.Errorf("KeyOf(%q) = %v, KeyOf(%q) = %v; want them equal", a, KeyOf(a), b, KeyOf(b))
		}
	}
	if KeyOf("10.0.0.1") == KeyOf("10.0.0.2") || KeyOf("a.lan") == KeyOf("b.lan") {
		t.Error("different addresses have one key")
	}
}

func TestInputProblem(t *testing.T) {
	for _, c := range []struct{ in, problem, hint string }{
		{"github:nix-community/disko", "", ""},
		{"github:nix-community/disko/v1.9.0", "", ""},
		{"git+https://git.example.org/me/repo?ref=main", "", ""},
		{"git+ssh://git@github.com/me/private", "", ""},
		{"path:./vendor/thing", "", ""},
		{"https://example.org/x.tar.gz", "", ""},
		{"flake:nixpkgs", "", ""},
		{"nix-community/disko", "no scheme", `"github:nix-community/disko"`},
		{"github.com/me/repo", "no scheme", `"github:me/repo"`},
		{"./vendor/thing", "no scheme", `"path:./vendor/thing"`},
		{"git@github.com:me/repo.git", "no scheme", `"git+ssh://git@github.com/me/repo.git"`},
		{"gihtub:me/repo", "unknown scheme", `"github"`},
		{"github:me", "names no repository", ""},
		{"", "not a flake URL", ""},
	} {
		p, h := inputProblem(c.in)
		if (p == "") != (c.problem == "") || !strings.Contains(p, c.problem) || !strings.Contains(h, c.hint) {
			t.Errorf("inputProblem(%q) = %q, %q; want %q, hint with %q", c.in, p, h, c.problem, c.hint)
		}
	}
}

func TestSSHKeyOptions(t *testing.T) {
	for in, ok := range map[string]bool{
		"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExampleKeyExample alice@laptop":                                                                   true,
		`from="10.0.0.0/8",no-agent-forwarding ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExampleKeyExample alice`:                                    true,
		`command="echo \"hi there\"",no-pty ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExampleKeyExample`:                                             true,
		`restrict,port-forwarding,permitopen="localhost:8080" ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBExample`: true,
		`from="10.0.0.0/8 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExampleKeyExample`:                                                               false,
		`no-pty alice`: false,
		"alice":        false,
	} {
		if got := looksLikeSSHKey(in); got != ok {
			t.Errorf("looksLikeSSHKey(%q) = %v, want %v", in, got, ok)
		}
	}
}
