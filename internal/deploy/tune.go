package deploy

import (
	"context"
	"runtime"
	"strings"
	"sync"

	"golang.org/x/sys/cpu"
)

// The algorithms a fast deploy puts first (SSH.Fast). The "^" form puts
// them at the head of ssh's default list, so that a server which lacks
// them still agrees on another.
const (
	// fastCipher costs less CPU than ssh's default
	// chacha20-poly1305@openssh.com where both ends have AES
	// instructions (in the lab, a host's sshd took about a quarter less
	// CPU for a 50 MiB closure); NixOS's default and the hardening
	// feature's Ciphers both accept it.
	fastCipher = "aes128-gcm@openssh.com"
	// fastKex is the key exchange of a connection that carries no secret
	// when ssh's default is sntrup761x25519 (OpenSSH 9.0 to 9.8), which
	// costs the client about 0.1 s of CPU per connection (a fleet's
	// masters start at once, so a deployer pays it for every host at the
	// same moment). A post-quantum exchange protects what is recorded now
	// against decryption later; the confirmation carries a token and the
	// finish step's public arguments, and the master, when the host gets
	// no secrets, carries store paths (readable by every user of a Nix
	// store, so no place for a secret) and the deploy's own commands: a
	// classical exchange loses nothing there. The master of a host that
	// gets secrets keeps ssh's default.
	fastKex = "curve25519-sha256"
)

// tuning holds the ssh options a fast deploy adds for one host; the zero
// value adds none.
type tuning struct {
	// cipher is put first for every connection to the host.
	cipher string
	// confirmKex is put first for the confirmation's new connection,
	// masterKex for the master connection.
	confirmKex, masterKex string
}

// options returns the -o options of t for connection c.
func (t tuning) options(c connection) []string {
	var opts []string
	if t.cipher != "" {
		opts = append(opts, "-oCiphers=^"+t.cipher)
	}
	kex := t.masterKex
	if c == fresh {
		kex = t.confirmKex
	}
	if kex != "" {
		opts = append(opts, "-oKexAlgorithms=^"+kex)
	}
	return opts
}

// hasAES reports whether this machine, where ssh runs, has AES and
// carry-less multiply instructions, which make AES-GCM cheap.
func hasAES() bool {
	switch runtime.GOARCH {
	case "amd64", "386":
		return cpu.X86.HasAES && cpu.X86.HasPCLMULQDQ
	case "arm64":
		return cpu.ARM64.HasAES && cpu.ARM64.HasPMULL
	}
	return false
}

// sshDefaults holds ssh's built-in ciphers and key exchanges (ssh -G -F
// none), asked once per run. The question carries an option in the "^"
// form, so that an ssh too old to take that form (before OpenSSH 8.2)
// fails it and the run stays untuned.
type sshDefaults struct {
	once sync.Once
	conf map[string]string
	err  error
}

// get asks ssh once.
func (d *sshDefaults) get(ctx context.Context, cmd Commander, dest string) (map[string]string, error) {
	d.once.Do(func() {
		var out []byte
		out, d.err = cmd.Output(ctx, nil, []string{"ssh", "-F", "none", "-oHostKeyAlgorithms=^ssh-ed25519", "-G", "--", dest})
		d.conf = parseSSHConfig(out)
	})
	return d.conf, d.err
}

// parseSSHConfig reads ssh -G's output: one "keyword value" a line.
func parseSSHConfig(out []byte) map[string]string {
	conf := map[string]string{}
	for _, line := range strings.Split(string(out), "\n") {
		if k, v, ok := strings.Cut(line, " "); ok {
			conf[k] = v
		}
	}
	return conf
}

// listHas reports whether the comma-separated list has alg.
func listHas(list, alg string) bool {
	for _, a := range strings.Split(list, ",") {
		if a == alg {
			return true
		}
	}
	return false
}

// tune decides h's tuning when the run asks for a fast deploy: it asks
// ssh for the host's effective configuration (ssh -G) and leaves alone
// whatever the user's or the system's ssh_config sets, the ciphers or the
// key exchanges: only where the effective list is ssh's own default does
// it put an algorithm first. Any error leaves the host untuned; the
// connect step reports what is wrong with ssh.
func (h *host) tune(ctx context.Context) {
	if !h.ssh.Fast || h.ssh.defaults == nil {
		return
	}
	aes := hasAES()
	def, err := h.ssh.defaults.get(ctx, h.opts.Commander, h.t.dest())
	if err != nil {
		return
	}
	argv := append([]string{"ssh"}, h.ssh.Options(h.t, shared)...)
	out, err := h.opts.Commander.Output(ctx, nil, append(argv, "-G", "--", h.t.dest()))
	if err != nil {
		return
	}
	eff := parseSSHConfig(out)
	var t tuning
	if aes && eff["ciphers"] == def["ciphers"] && listHas(def["ciphers"], fastCipher) {
		t.cipher = fastCipher
	}
	if kex := def["kexalgorithms"]; eff["kexalgorithms"] == kex && strings.HasPrefix(kex, "sntrup761") && listHas(kex, fastKex) {
		t.confirmKex = fastKex
		if len(h.t.Secrets) == 0 {
			t.masterKex = fastKex
		}
	}
	h.t.tuning = t
}
