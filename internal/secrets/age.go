package secrets

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"filippo.io/age"
	"filippo.io/age/agessh"
	"golang.org/x/crypto/ssh"

	"github.com/shoal-nix/shoal/internal/fleet"
)

// Dir is the directory of the fleet repository that holds the encrypted
// secrets and the public halves of generated key pairs.
const Dir = "secrets"

// File is the path of a secret's encrypted file, relative to the fleet
// directory.
func File(name string) string { return Dir + "/" + name + ".age" }

// FileOf is the path of the file holding the value machine receives of s:
// File(s.Name), or secrets/NAME/MACHINE.age for a per-machine secret.
func FileOf(s *fleet.Secret, machine string) string {
	if s.PerMachine {
		return File(s.Name + "/" + machine)
	}
	return File(s.Name)
}

// PublicFile is the path of the public half of a generated key pair,
// relative to the fleet directory. It is not secret and is committed.
func PublicFile(name string) string { return Dir + "/" + name + ".pub" }

// Recipient is one key a secret must be encrypted to.
type Recipient struct {
	Key string // the public key as written in shoal.toml
	// Who names the key for people: "admin key 1", "machine nas".
	Who string
	// Tag is the ssh-ed25519 stanza tag age writes for this key, which
	// identifies it in a file's header without decrypting; "" for age
	// X25519 recipients, whose stanzas do not say whom they are for.
	Tag     string
	Machine string // the receiving machine, "" for admins
	age     age.Recipient
}

// Recipients returns the keys a secret received by machines must be
// encrypted to: the fleet's admin keys and age recipients, then each
// machine's host key. Keys that cannot be used are reported in the error,
// with the others still returned.
func Recipients(f *fleet.Fleet, machines []*fleet.Machine) ([]Recipient, error) {
	var out []Recipient
	var errs []error
	add := func(key, who, machine string) {
		r, err := ParseRecipient(key)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", who, err))
			return
		}
		r.Who, r.Machine = who, machine
		out = append(out, r)
	}
	for i, k := range f.AdminKeys {
		add(k.Value, fmt.Sprintf("admin key %d", i+1), "")
	}
	for i, k := range f.AgeRecipients {
		add(k.Value, fmt.Sprintf("age recipient %d", i+1), "")
	}
	for _, m := range machines {
		if m.HostKey.Value == "" {
			errs = append(errs, fmt.Errorf("machine %s has no host_key: add host_key = \"ssh-ed25519 ...\" (ssh-keyscan -t ed25519 %s)", m.Name, m.Name))
			continue
		}
		add(m.HostKey.Value, "machine "+m.Name, m.Name)
	}
	return out, errors.Join(errs...)
}

// ParseRecipient reads an ssh-ed25519 public key line or an age1... key.
func ParseRecipient(key string) (Recipient, error) {
	key = strings.TrimSpace(key)
	if strings.HasPrefix(key, "age1") {
		r, err := age.ParseX25519Recipient(key)
		if err != nil {
			return Recipient{}, fmt.Errorf("not an age recipient: %w", err)
		}
		return Recipient{Key: key, age: r}, nil
	}
	pk, _, _, _, err := ssh.ParseAuthorizedKey([]byte(key))
	if err != nil {
		// x/crypto/ssh's message names its parser's internals; the
		// user needs to know that the key text itself is damaged.
		return Recipient{}, errors.New("not a valid SSH public key (its base64 part does not decode to a key)")
	}
	if pk.Type() != ssh.KeyAlgoED25519 {
		return Recipient{}, fmt.Errorf("%s keys are not used for secrets: use an ssh-ed25519 key", pk.Type())
	}
	r, err := agessh.NewEd25519Recipient(pk)
	if err != nil {
		return Recipient{}, fmt.Errorf("ssh-ed25519 key: %w", err)
	}
	return Recipient{Key: key, Tag: sshTag(pk), age: r}, nil
}

// sshTag is the tag age's ssh-ed25519 stanza carries: the first four bytes
// of the SHA-256 of the key's wire form, base64 without padding.
func sshTag(pk ssh.PublicKey) string {
	h := sha256.Sum256(pk.Marshal())
	return base64.RawStdEncoding.EncodeToString(h[:4])
}

// Encrypt encrypts plaintext to every recipient, in age's binary format.
func Encrypt(plaintext []byte, recipients []Recipient) ([]byte, error) {
	if len(recipients) == 0 {
		return nil, errors.New("no recipients: add admin_keys to [fleet] and host_key to the receiving machines")
	}
	rs := make([]age.Recipient, len(recipients))
	for i, r := range recipients {
		rs[i] = r.age
	}
	var buf bytes.Buffer
	w, err := age.Encrypt(&buf, rs...)
	if err != nil {
		return nil, fmt.Errorf("encrypt: %w", err)
	}
	if _, err := w.Write(plaintext); err != nil {
		return nil, fmt.Errorf("encrypt: %w", err)
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("encrypt: %w", err)
	}
	return buf.Bytes(), nil
}

// Decrypt decrypts an age file with the first identity that opens it.
func Decrypt(ciphertext []byte, ids []age.Identity) ([]byte, error) {
	r, err := age.Decrypt(bytes.NewReader(ciphertext), ids...)
	if err != nil {
		return nil, err
	}
	return io.ReadAll(r)
}

// Stanza is one recipient line of an age header: its type and arguments.
type Stanza struct {
	Type string
	Args []string
}

// Header reads the recipient stanzas of an age file without decrypting
// it. It fails on anything that is not an age v1 file.
func Header(data []byte) ([]Stanza, error) {
	hdr, err := age.ExtractHeader(bytes.NewReader(data))
	if err != nil {
		if bytes.HasPrefix(data, []byte("-----BEGIN AGE")) {
			return nil, errors.New("an armored age file: shoal keeps secrets in age's binary format (re-create it with shoal secrets set)")
		}
		return nil, errors.New("not an age-encrypted file")
	}
	var out []Stanza
	sc := bufio.NewScanner(bytes.NewReader(hdr))
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "-> "); ok {
			f := strings.Fields(rest)
			if len(f) > 0 {
				out = append(out, Stanza{Type: f[0], Args: f[1:]})
			}
		}
	}
	return out, nil
}

// Identity sources, first found wins: --identity, $SHOAL_AGE_IDENTITY,
// ~/.ssh/id_ed25519.
const identityEnv = "SHOAL_AGE_IDENTITY"

// ErrNoIdentity is LoadIdentities' error when no identity was given and
// none is at the default places.
var ErrNoIdentity = errors.New("no identity")

// LoadIdentities reads the admin identity from file, or when file is ""
// from $SHOAL_AGE_IDENTITY or ~/.ssh/id_ed25519. The file is an OpenSSH
// ed25519 private key (unencrypted, or with a passphrase read by pass) or
// an age identity file (AGE-SECRET-KEY-1...).
func LoadIdentities(file string, getenv func(string) string, passphrase func() ([]byte, error)) ([]age.Identity, error) {
	if file == "" {
		file = getenv(identityEnv)
	}
	byDefault := false
	if file == "" {
		home := getenv("HOME")
		if home == "" {
			return nil, fmt.Errorf("%w: give --identity FILE or set %s", ErrNoIdentity, identityEnv)
		}
		file = filepath.Join(home, ".ssh", "id_ed25519")
		byDefault = true
	}
	data, err := os.ReadFile(file)
	if byDefault && errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w: %s does not exist; give --identity FILE or set %s", ErrNoIdentity, file, identityEnv)
	}
	if err != nil {
		return nil, fmt.Errorf("read identity: %w", err)
	}
	if bytes.Contains(data, []byte("AGE-SECRET-KEY-")) {
		ids, err := age.ParseIdentities(bytes.NewReader(data))
		if err != nil {
			return nil, fmt.Errorf("identity %s: %w", file, err)
		}
		return ids, nil
	}
	id, err := agessh.ParseIdentity(data)
	var missing *ssh.PassphraseMissingError
	if errors.As(err, &missing) && passphrase != nil && missing.PublicKey != nil {
		id, err = agessh.NewEncryptedSSHIdentity(missing.PublicKey, data, passphrase)
	}
	if err != nil {
		return nil, fmt.Errorf("identity %s: %w", file, err)
	}
	return []age.Identity{id}, nil
}
