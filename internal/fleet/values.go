package fleet

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/shoal-nix/shoal/internal/diag"
)

// addressProblem says what is wrong with a machine's address and how to
// write it, or returns "" for an IP address or a DNS name. A trailing dot
// (a fully qualified name) is fine.
func addressProblem(s string) (problem, hint string) {
	const how = "write how deploy reaches the machine, e.g. \"nas.home.arpa\" or \"192.0.2.10\""
	if s == "" {
		return "the address is empty", how
	}
	if _, err := netip.ParseAddr(s); err == nil {
		return "", ""
	}
	if scheme, rest, ok := strings.Cut(s, "://"); ok {
		host := rest
		if i := strings.IndexAny(host, "/?#"); i >= 0 {
			host = host[:i]
		}
		if _, h, ok := strings.Cut(host, "@"); ok {
			host = h
		}
		if ap, err := netip.ParseAddrPort(host); err == nil {
			host = ap.Addr().String()
		} else if h, _, ok := strings.Cut(host, ":"); ok && !strings.Contains(h, "]") {
			host = h
		}
		return fmt.Sprintf("address %q is a URL (%s://), not a host", s, scheme), fmt.Sprintf("write only the host: %q", host)
	}
	if user, host, ok := strings.Cut(s, "@"); ok {
		return fmt.Sprintf("address %q names a user", s), fmt.Sprintf("write only the host, %q; deploy logs in as root or the deploy user, not %q", host, user)
	}
	withPort := func(host, port string) (string, string) {
		hint := fmt.Sprintf("write the address alone, %q", host)
		if port != "22" {
			hint += fmt.Sprintf("; for SSH on another port, set nixos.\"services.openssh.ports\" = [%s]", port)
		}
		return fmt.Sprintf("address %q has a port in it", s), hint
	}
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return withPort(ap.Addr().String(), fmt.Sprint(ap.Port()))
	}
	if host, port, ok := strings.Cut(s, ":"); ok && !strings.Contains(port, ":") && allDigits(port) {
		return withPort(host, port)
	}
	if strings.Contains(s, ":") {
		return fmt.Sprintf("address %q is not a valid IPv6 address", s), "check the groups of hex digits and \"::\" (at most one), e.g. \"2001:db8::10\""
	}
	if isDottedNumbers(s) {
		return fmt.Sprintf("address %q is not a valid IPv4 address", s), "an IPv4 address is four numbers from 0 to 255, without leading zeros, e.g. \"192.0.2.10\""
	}
	name := strings.TrimSuffix(s, ".")
	if len(name) > 253 {
		return fmt.Sprintf("address %q is too long for a DNS name (%d characters, at most 253)", s, len(name)), how
	}
	for label := range strings.SplitSeq(name, ".") {
		switch {
		case label == "":
			return fmt.Sprintf("address %q has an empty label (two dots, or a leading dot)", s), fmt.Sprintf("write %q", strings.Trim(strings.ReplaceAll(name, "..", "."), "."))
		case len(label) > 63:
			return fmt.Sprintf("address %q has a label longer than 63 characters", s), how
		case label[0] == '-' || label[len(label)-1] == '-':
			return fmt.Sprintf("address %q has a label that starts or ends with \"-\"", s), how
		}
		for _, r := range label {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
				what := fmt.Sprintf("%q", r)
				if r == ' ' {
					what = "a space"
				}
				return fmt.Sprintf("address %q is not a host name or IP address: %s cannot be in a DNS name", s, what), how
			}
		}
	}
	return "", ""
}

func isDottedNumbers(s string) bool {
	for _, r := range s {
		if !(r >= '0' && r <= '9' || r == '.') {
			return false
		}
	}
	return strings.Contains(s, ".")
}

func allDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

// AddressKey is the form two addresses are compared in: an IP address
// as netip reads it (so "2001:DB8::1" is "2001:db8::1", and IPv4 in IPv6
// is IPv4), a name in lower case without a trailing dot.
type AddressKey struct {
	IP   netip.Addr
	Name string
}

// KeyOf returns the AddressKey of an address; it allocates only for a
// name with capitals.
func KeyOf(s string) AddressKey {
	if a, err := netip.ParseAddr(s); err == nil {
		return AddressKey{IP: a.Unmap()}
	}
	return AddressKey{Name: strings.ToLower(strings.TrimSuffix(s, "."))}
}

// flakeSchemes are the URL schemes of flake references (nix flake(1)).
var flakeSchemes = []string{
	"flake", "path", "git+http", "git+https", "git+ssh", "git+file", "git", "github", "gitlab", "sourcehut",
	"tarball+http", "tarball+https", "tarball+file", "file+http", "file+https", "file+file", "https", "http", "file",
	"hg+http", "hg+https", "hg+ssh", "hg+file",
}

// inputProblem says what is wrong with a flake input URL, or "".
func inputProblem(url string) (problem, hint string) {
	if url == "" || strings.ContainsAny(url, " \t\n\"\\") {
		return fmt.Sprintf("%q is not a flake URL", url), "for example \"github:nix-community/disko\""
	}
	scheme, rest, ok := strings.Cut(url, ":")
	if !ok || strings.ContainsAny(scheme, "/@.") {
		switch {
		case strings.HasPrefix(url, "git@"):
			host, repo, _ := strings.Cut(strings.TrimPrefix(url, "git@"), ":")
			return fmt.Sprintf("flake URL %q has no scheme", url), fmt.Sprintf("write %q", "git+ssh://git@"+host+"/"+repo)
		case strings.HasPrefix(url, "/"), strings.HasPrefix(url, "."):
			return fmt.Sprintf("flake URL %q has no scheme", url), fmt.Sprintf("write %q", "path:"+url)
		case strings.HasPrefix(url, "github.com/"):
			return fmt.Sprintf("flake URL %q has no scheme", url), fmt.Sprintf("write %q", "github:"+strings.TrimPrefix(url, "github.com/"))
		case strings.Count(url, "/") == 1:
			return fmt.Sprintf("flake URL %q has no scheme", url), fmt.Sprintf("write %q for a GitHub repository; shoal pins inputs by URL, not through the flake registry", "github:"+url)
		}
		return fmt.Sprintf("flake URL %q has no scheme", url), "start it with the kind of source: github:OWNER/REPO, git+https://..., path:..., https://..."
	}
	if !slices.Contains(flakeSchemes, scheme) {
		e := fmt.Sprintf("flake URL %q has an unknown scheme %q", url, scheme+":")
		if h := diag.DidYouMean(scheme, flakeSchemes); h != "" {
			return e, h
		}
		return e, "flake URLs start with github:, gitlab:, git+https:, git+ssh:, path:, https: or another scheme of nix flake"
	}
	switch scheme {
	case "github", "gitlab", "sourcehut":
		owner, repo, _ := strings.Cut(strings.TrimPrefix(rest, "//"), "/")
		if owner == "" || repo == "" || strings.HasPrefix(repo, "?") {
			return fmt.Sprintf("flake URL %q names no repository", url), fmt.Sprintf("write %s:OWNER/REPO, e.g. \"github:nix-community/disko\"", scheme)
		}
	}
	return "", ""
}

// sshKeyOptions splits an authorized_keys line into its options (sshd(8),
// AUTHORIZED_KEYS FILE FORMAT: comma-separated, values in double quotes
// that may hold spaces) and the key; ok is false for unbalanced quotes.
func sshKeyOptions(s string) (options, key string, ok bool) {
	inQuote := false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\' && inQuote && i+1 < len(s):
			i++
		case c == '"':
			inQuote = !inQuote
		case (c == ' ' || c == '\t') && !inQuote:
			return s[:i], strings.TrimLeft(s[i:], " \t"), true
		}
	}
	return s, "", !inQuote
}
