package deploy

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/shoal-nix/shoal/internal/secrets"
)

// sshG answers ssh -G: the defaults for -F none, else the user's
// effective configuration.
type sshG struct {
	defaults, effective string
	fail                bool
	calls               [][]string
}

func (s *sshG) Output(_ context.Context, _ []string, argv []string) ([]byte, error) {
	s.calls = append(s.calls, argv)
	if s.fail {
		return nil, errors.New("ssh: bad configuration option")
	}
	if slices.Contains(argv, "none") {
		return []byte(s.defaults), nil
	}
	return []byte(s.effective), nil
}

func TestTune(t *testing.T) {
	const (
		ciphers92  = "ciphers chacha20-poly1305@openssh.com,aes128-ctr,aes192-ctr,aes256-ctr,aes128-gcm@openssh.com,aes256-gcm@openssh.com\n"
		kex92      = "kexalgorithms sntrup761x25519-sha512@openssh.com,curve25519-sha256,curve25519-sha256@libssh.org,ecdh-sha2-nistp256\n"
		kexMLKEM   = "kexalgorithms mlkem768x25519-sha256,sntrup761x25519-sha512,curve25519-sha256\n"
		userCipher = "ciphers chacha20-poly1305@openssh.com\n"
		userKex    = "kexalgorithms sntrup761x25519-sha512@openssh.com\n"
	)
	wantCipher := ""
	if hasAES() {
		wantCipher = fastCipher
	}
	for _, c := range []struct {
		name                string
		fast                bool
		defaults, effective string
		fail                bool
		want                tuning
		secrets             bool // the host gets secrets in this deploy
	}{
		{"defaults everywhere", true, "user root\n" + ciphers92 + kex92, "user root\n" + ciphers92 + kex92, false, tuning{cipher: wantCipher, confirmKex: fastKex, masterKex: fastKex}, false},
		{"a host that gets secrets keeps the post-quantum exchange on its master", true, "user root\n" + ciphers92 + kex92, "user root\n" + ciphers92 + kex92, false, tuning{cipher: wantCipher, confirmKex: fastKex}, true},
		{"off", false, ciphers92 + kex92, ciphers92 + kex92, false, tuning{}, false},
		{"the user's Ciphers", true, ciphers92 + kex92, userCipher + kex92, false, tuning{confirmKex: fastKex, masterKex: fastKex}, false},
		{"the user's KexAlgorithms", true, ciphers92 + kex92, ciphers92 + userKex, false, tuning{cipher: wantCipher}, false},
		{"ML-KEM is the default: cheap already", true, ciphers92 + kexMLKEM, ciphers92 + kexMLKEM, false, tuning{cipher: wantCipher}, false},
		{"ssh refuses the ^ form", true, ciphers92 + kex92, ciphers92 + kex92, true, tuning{}, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			g := &sshG{defaults: c.defaults, effective: c.effective, fail: c.fail}
			opts := &Options{Commander: g}
			s := SSH{Fast: c.fast, ControlDir: "/tmp/shoal-ssh-1", ConnectTimeout: 5e9, ServerAliveInterval: 5e9}
			if c.fast {
				s.defaults = &sshDefaults{}
			}
			h := &host{t: Target{Machine: "web1", Host: "web1"}, opts: opts, ssh: s}
			if c.secrets {
				h.t.Secrets = make([]secrets.Upload, 1)
			}
			h.tune(context.Background())
			if h.t.tuning != c.want {
				t.Errorf("tuning %+v, want %+v", h.t.tuning, c.want)
			}
			if !c.fast && len(g.calls) > 0 {
				t.Errorf("ssh -G ran without Fast: %q", g.calls)
			}
			// The cipher reaches every ssh command line, each key
			// exchange its own connection's.
			shared := strings.Join(s.Argv(h.t, shared, "true"), " ")
			fresh := strings.Join(s.Argv(h.t, fresh, "true"), " ")
			if got := strings.Contains(shared, "-oCiphers=^"+fastCipher); got != (c.want.cipher != "") {
				t.Errorf("shared connection: %s", shared)
			}
			if got := strings.Contains(shared, "-oKexAlgorithms=^"+fastKex); got != (c.want.masterKex != "") {
				t.Errorf("master connection: %s", shared)
			}
			if got := strings.Contains(fresh, "-oKexAlgorithms=^"+fastKex); got != (c.want.confirmKex != "") {
				t.Errorf("confirmation connection: %s", fresh)
			}
		})
	}
}

// TestSSHDefaultsAskedOnce: one ssh -F none -G per run, whatever the
// number of hosts.
func TestSSHDefaultsAskedOnce(t *testing.T) {
	g := &sshG{defaults: "ciphers a\n", effective: "ciphers a\n"}
	d := &sshDefaults{}
	for range 3 {
		if _, err := d.get(context.Background(), g, "root@h"); err != nil {
			t.Fatal(err)
		}
	}
	if len(g.calls) != 1 {
		t.Errorf("%d calls, want 1", len(g.calls))
	}
}
