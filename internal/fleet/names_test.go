package fleet

import (
	"math/rand/v2"
	"regexp"
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

// TestNamePatternsMatchTheirRegexps checks each hand-written name pattern
// against the regular expression it documents, on names of every length up
// to past the limit built from characters inside and outside each set.
func TestNamePatternsMatchTheirRegexps(t *testing.T) {
	cases := []struct {
		name  string
		match func(string) bool
		re    string
	}{
		{"machine", machineName.MatchString, `^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$`},
		{"user", userName.MatchString, `^[a-z_][a-z0-9_-]{0,31}$`},
		{"tag", tagName.MatchString, `^[a-z0-9][a-z0-9_-]*$`},
		{"feature", FeatureName.MatchString, `^[a-z][a-z0-9-]*$`},
		{"secret", secretName.MatchString, `^[a-z][a-z0-9_-]{0,63}$`},
		{"unix", unixName.MatchString, `^[a-z_][a-z0-9_-]{0,31}$`},
		{"input", inputName.MatchString, `^[A-Za-z_][A-Za-z0-9_-]*$`},
		{"network", networkName.MatchString, `^[a-z][a-z0-9_-]*$`},
		{"age", isAgeRecipient, `^age1[02-9ac-hj-np-z]{58}$`},
	}
	alphabet := "aAzZ09_-.b1lio/ é\x00"
	rng := rand.New(rand.NewPCG(1, 2))
	var inputs []string
	for _, c := range alphabet {
		for _, d := range alphabet {
			inputs = append(inputs, string(c), string(c)+string(d), "a"+string(c)+string(d), string(c)+"a"+string(d))
		}
	}
	for n := range 70 {
		for range 20 {
			b := make([]rune, n)
			for i := range b {
				b[i] = []rune(alphabet)[rng.IntN(len([]rune(alphabet)))]
			}
			inputs = append(inputs, string(b), strings.Repeat("a", n), strings.Repeat("a", n)+"-", "age1"+strings.Repeat("q", n))
		}
	}
	inputs = append(inputs, "", "age1"+strings.Repeat("qpzry9x8gf2tvdw0s3jn54khce6mua7l", 2)[:58])
	for _, c := range cases {
		re := regexp.MustCompile(c.re)
		matched := 0
		for _, in := range inputs {
			if got, want := c.match(in), re.MatchString(in); got != want {
				t.Errorf("%s pattern on %q: %v, regexp %s says %v", c.name, in, got, c.re, want)
			}
			if re.MatchString(in) {
				matched++
			}
		}
		if matched == 0 {
			t.Errorf("%s: no input matched; the test proves nothing", c.name)
		}
	}
}
