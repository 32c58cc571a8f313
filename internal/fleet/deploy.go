package fleet

import (
	"crypto/ed25519"
	"encoding/base64"
	"strings"

	"github.com/shoal-nix/shoal/internal/diag"
	"github.com/shoal-nix/shoal/internal/tomltree"
)

// Deploy says how shoal deploy reaches machines: deploy = { user, become,
// port, host } in [fleet] for every machine, or in a machine's table for
// that machine (host only there). Empty fields are not given.
type Deploy struct {
	// User is the deploy user; "" is root.
	User string
	// Become is sudo, doas or run0: how a non-root User runs the
	// privileged steps.
	Become string
	// Port is the ssh port; 0 is ssh's default.
	Port int64
	// Host is the address ssh connects to.
	Host string
	// Cache is the fleet's binary cache, a Nix store URL ([fleet] only):
	// deploy builds push to it, and hosts substitute from it.
	Cache string
	// CacheKey is the public key the cache's paths are signed with,
	// NAME:BASE64 ([fleet] only); with it every machine lists the cache
	// in nix.settings.substituters and trusts the key.
	CacheKey string
	// Substituter is the URL hosts fetch from when it is not Cache, e.g.
	// an https:// front of an s3:// bucket ([fleet] only).
	Substituter string
	Path        diag.Path
}

// HostSubstituter is the store URL machines substitute from: Substituter,
// else Cache without its secret-key parameter (which names a file on the
// deployer that signs what it pushes).
func (d Deploy) HostSubstituter() string {
	if d.Substituter != "" {
		return d.Substituter
	}
	base, query, ok := strings.Cut(d.Cache, "?")
	if !ok {
		return d.Cache
	}
	var kept []string
	for _, p := range strings.Split(query, "&") {
		if p != "" && !strings.HasPrefix(p, "secret-key=") {
			kept = append(kept, p)
		}
	}
	if len(kept) == 0 {
		return base
	}
	return base + "?" + strings.Join(kept, "&")
}

// Becomes are the ways a non-root deploy user may become root.
var Becomes = []string{"doas", "run0", "sudo"}

// Merge returns d with the fields of over that are given.
func (d Deploy) Merge(over Deploy) Deploy {
	if over.User != "" {
		d.User = over.User
	}
	if over.Become != "" {
		d.Become = over.Become
	}
	if over.Port != 0 {
		d.Port = over.Port
	}
	if over.Host != "" {
		d.Host = over.Host
	}
	if over.Cache != "" {
		d.Cache = over.Cache
	}
	if over.CacheKey != "" {
		d.CacheKey = over.CacheKey
	}
	if over.Substituter != "" {
		d.Substituter = over.Substituter
	}
	if over.Path != nil {
		d.Path = over.Path
	}
	return d
}

// DeployOf returns how deploy reaches m: m's deploy table over the
// fleet's, and the machine's address, else its host name, as the host.
func (f *Fleet) DeployOf(m *Machine) Deploy {
	d := f.Deploy.Merge(m.Deploy)
	if d.Host == "" {
		d.Host = m.Address
	}
	if d.Host == "" {
		d.Host = m.Hostname
	}
	return d
}

// deployTable decodes a deploy table; host is allowed for a machine only,
// cache, cache_key and substituter for the fleet only.
func (p *parser) deployTable(v *tomltree.Node, path diag.Path, machine bool) Deploy {
	d := Deploy{Path: path}
	keys := []string{"user", "become", "port"}
	if machine {
		keys = append(keys, "host")
	} else {
		keys = append(keys, "cache", "cache_key", "substituter")
	}
	p.d.Fields(v, path, "deploy", keys, func(key string, v *tomltree.Node, path diag.Path) {
		switch key {
		case "user":
			if s, ok := p.d.String(v, path, "deploy.user"); ok {
				if !userName.MatchString(s) {
					p.d.Diags.Errorf(diag.CodeInvalidName, p.f.File, path, "deploy user %q is not a user name", s).
						Hintf("write a login name such as \"deploy\"; leave user out to deploy as root")
				}
				d.User = s
			}
		case "become":
			if s, ok := p.d.String(v, path, "deploy.become"); ok {
				p.oneOf(s, Becomes, path, "deploy.become")
				d.Become = s
			}
		case "port":
			if n, ok := p.d.Int(v, path, "deploy.port"); ok {
				if n < 1 || n > 65535 {
					p.d.Diags.Errorf(diag.CodeInvalidValue, p.f.File, path, "ssh port %d is out of range", n).
						Hintf("write a port from 1 to 65535; leave port out for ssh's default (22, or your ssh_config)")
				}
				d.Port = n
			}
		case "cache", "substituter":
			if s, ok := p.d.String(v, path, "deploy."+key); ok {
				if !storeURL(s) {
					p.d.Diags.Errorf(diag.CodeInvalidValue, p.f.File, path, "deploy %s %q is not a Nix store URL", key, s).
						Hintf("write the binary cache's store URL, e.g. \"ssh://nix-cache@cache.home.arpa\", \"s3://fleet-cache?region=eu-central-1\" or \"https://cache.example.org\"")
				}
				if key == "cache" {
					d.Cache = s
				} else {
					d.Substituter = s
				}
			}
		case "cache_key":
			if s, ok := p.d.String(v, path, "deploy.cache_key"); ok {
				if !publicKey(s) {
					p.d.Diags.Errorf(diag.CodeInvalidValue, p.f.File, path, "deploy cache_key %q is not a Nix public key", s).
						Hintf("write NAME:BASE64 as nix key convert-secret-to-public prints it from the cache's signing key, e.g. \"cache.home.arpa-1:%s\"", strings.Repeat("A", 43)+"=")
				}
				d.CacheKey = s
			}
		case "host":
			if s, ok := p.d.String(v, path, "deploy.host"); ok {
				if s == "" || strings.HasPrefix(s, "-") || strings.ContainsAny(s, " /@\t\n") {
					p.d.Diags.Errorf(diag.CodeInvalidValue, p.f.File, path, "deploy host %q is not a host name or IP address", s).
						Hintf("write the name or address ssh connects to, e.g. \"nas.home.arpa\" or \"192.0.2.10\"")
				}
				d.Host = s
			}
		}
	})
	return d
}

// storeURL reports whether s looks like a Nix store URL: a scheme, "://"
// and more, without blanks.
func storeURL(s string) bool {
	scheme, rest, found := strings.Cut(s, "://")
	return found && scheme != "" && rest != "" && !strings.ContainsAny(s, " \t\n")
}

// publicKey reports whether s is a Nix signing key's public half: a name,
// a colon and the base64 of 32 bytes (an Ed25519 public key).
func publicKey(s string) bool {
	name, key, ok := strings.Cut(s, ":")
	if !ok || name == "" || strings.ContainsAny(name, " \t\n") {
		return false
	}
	b, err := base64.StdEncoding.DecodeString(key)
	return err == nil && len(b) == ed25519.PublicKeySize
}

// checkDeploy reports machines whose deploy user is not root and has no
// way to become root.
func (p *parser) checkDeploy() {
	d := p.f.Deploy
	switch {
	case d.CacheKey != "" && d.Cache == "" && d.Substituter == "":
		p.d.Diags.Errorf(diag.CodeMissing, p.f.File, d.Path, "deploy cache_key is the key of no cache").
			Hintf("add cache = \"URL\" (the store deploy pushes to) or substituter = \"URL\" (the one machines fetch from) beside it")
	case d.CacheKey == "" && (d.Cache != "" || d.Substituter != ""):
		p.d.Diags.Warnf(diag.CodeCacheUntrusted, p.f.File, d.Path, "the machines will not substitute from the fleet's cache %s: Nix refuses paths signed by a key it does not trust", d.HostSubstituter()).
			Hintf("add cache_key = \"NAME:BASE64\", the public half of the key the cache's paths are signed with (nix key convert-secret-to-public; sign on push with shoal build --sign-key FILE); until then deploy pushes every closure from here")
	}
	for _, m := range p.f.Machines {
		d := p.f.Deploy.Merge(m.Deploy)
		if d.User != "" && d.User != "root" && d.Become == "" {
			p.d.Diags.Errorf(diag.CodeMissing, p.f.File, d.Path, "machine %s deploys as %s, who cannot activate a system without becoming root", m.Name, d.User).
				Hintf("add become = \"sudo\" (or \"doas\", \"run0\") beside user, and let %s use it without a password", d.User)
		}
	}
}
