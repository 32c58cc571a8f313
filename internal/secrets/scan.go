package secrets

import (
	"math"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/shoal-nix/shoal/internal/diag"
	"github.com/shoal-nix/shoal/internal/fleet"
	"github.com/shoal-nix/shoal/internal/tomltree"
)

// secretSuffixes end the option and setting names that hold secrets
// (compared ignoring case).
var secretSuffixes = []string{"password", "passwd", "passphrase", "token", "secret", "apikey", "api_key",
	"privatekey", "private_key", "credential", "credentials", "authkey", "auth_key", "psk"}

// isSecretKey reports whether an option or setting name holds a secret.
func isSecretKey(name string) bool {
	for _, s := range secretSuffixes {
		if len(name) >= len(s) && strings.EqualFold(name[len(name)-len(s):], s) {
			return true
		}
	}
	return false
}

// publicKeys are the fleet file's keys that hold public keys, never
// secrets, and hashed_password, which holds a crypt hash that NixOS puts
// in the world-readable store anyway (check's SH056 catches a plain-text
// password written there).
var publicKeys = map[string]bool{"admin_keys": true, "ssh_keys": true, "host_key": true, "age_recipients": true, "hashed_password": true}

// Scan reports secret-looking values written in the fleet file: values of
// options or settings named like passwords, tokens or keys, private key
// blocks, and long high-entropy strings. [secrets] tables are skipped:
// they hold no values, only where values go.
func Scan(f *fleet.Fleet) diag.List {
	var diags diag.List
	if f.Doc == nil || f.Doc.Root == nil {
		return nil
	}
	for _, k := range f.Doc.Root.Keys {
		if k == "secrets" {
			continue
		}
		scan(f.File, f.Doc.Root.Get(k), append(make(diag.Path, 0, 8), k), k, &diags)
	}
	return diags
}

// scan walks n, whose path is p. p is appended to in place and copied
// only for a finding: a fleet file has a node per value, and check must
// stay fast.
func scan(file string, n *tomltree.Node, p diag.Path, key string, diags *diag.List) {
	switch n.Kind {
	case tomltree.Table:
		if n.Len() == 1 && (n.Get("secret") != nil || n.Get("public") != nil) {
			return // { secret = "NAME" } names a secret, it holds none
		}
		for _, k := range n.Keys {
			if publicKeys[k] {
				continue
			}
			scan(file, n.Get(k), append(p, k), k, diags)
		}
	case tomltree.Array:
		for i, it := range n.Items {
			if it.Kind == tomltree.String || it.Kind == tomltree.Array || it.Kind == tomltree.Table {
				scan(file, it, append(p, strconv.Itoa(i)), key, diags)
			}
		}
	case tomltree.String:
		if what := secretLooking(key, n.Str); what != "" {
			name := "NAME"
			if isSecretKey(lastSegment(key)) {
				name = secretName(lastSegment(key))
			}
			d := diags.Errorf(diag.CodeSecretInFleet, file, slices.Clone(p), "%s written in shoal.toml", what)
			if strings.HasPrefix(what, "a URL") {
				d.Hintf("shoal.toml is not secret: give the URL without its credential (a receiver on the fleet's own network that adds it, or a service that takes it in a header from a file); treat this one as leaked if the file was shared")
			} else {
				d.Hintf("shoal.toml is not secret: declare [secrets.%s] (shoal secrets set %s < FILE) and give the option its file, e.g. a ...File option set to /run/keys/%s; treat this value as leaked if the file was shared", name, name, name)
			}
		}
	}
}

// secretLooking says what kind of secret s looks like, or "".
func secretLooking(key, s string) string {
	switch {
	case strings.Contains(s, "PRIVATE KEY-----"):
		return "a private key"
	case s == "" || isReference(s):
		return ""
	case isSecretKey(lastSegment(key)):
		return "a value of " + lastSegment(key)
	case urlCredential(s) != "":
		return urlCredential(s)
	case highEntropy(s):
		return "a high-entropy string (a token or key?)"
	}
	return ""
}

func lastSegment(key string) string {
	if i := strings.LastIndexByte(key, '.'); i >= 0 {
		return key[i+1:]
	}
	return key
}

// secretName turns an option name into a secret name for hints.
func secretName(s string) string {
	s = strings.ToLower(strings.NewReplacer("_", "-", ".", "-").Replace(s))
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		return "name"
	}
	return s
}

// urlCredential says what credential the URL s carries, or "": a
// password before its host (https://user:password@host/), or a token as
// a segment of its path or a value of its query (a chat service's
// webhook, https://hooks.example.com/services/T0/B0/TOKEN).
func urlCredential(s string) string {
	if !strings.Contains(s, "://") {
		return ""
	}
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		return ""
	}
	if _, ok := u.User.Password(); ok {
		return "a URL with a password in it"
	}
	for _, seg := range strings.Split(u.Path, "/") {
		if highEntropy(seg) {
			return "a URL with a token in its path"
		}
	}
	for _, vs := range u.Query() {
		for _, v := range vs {
			if highEntropy(v) {
				return "a URL with a token in its query"
			}
		}
	}
	return ""
}

// isReference reports values that point at a secret rather than hold it:
// paths, Grafana's $__file{...}, environment references, systemd
// credentials.
func isReference(s string) bool {
	return strings.HasPrefix(s, "/") || strings.HasPrefix(s, "$__file{") || strings.HasPrefix(s, "$__env{") ||
		strings.HasPrefix(s, "${") || strings.HasPrefix(s, "%d/")
}

// highEntropy reports a single word of at least 24 characters with letters
// and digits and over 4.2 bits of entropy per character: random tokens, not
// words, paths, URLs or version strings.
func highEntropy(s string) bool {
	if len(s) < 24 || strings.ContainsAny(s, " \t\n/:.@") {
		return false
	}
	var lower, upper, digit bool
	counts := map[rune]int{}
	for _, r := range s {
		counts[r]++
		switch {
		case r >= 'a' && r <= 'z':
			lower = true
		case r >= 'A' && r <= 'Z':
			upper = true
		case r >= '0' && r <= '9':
			digit = true
		}
	}
	if !digit || !(lower || upper) {
		return false
	}
	var h float64
	n := float64(len(s))
	for _, c := range counts {
		q := float64(c) / n
		h -= q * math.Log2(q)
	}
	return h > 4.2
}
