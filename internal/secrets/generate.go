package secrets

import (
	"bytes"
	"crypto/ecdh"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"

	"golang.org/x/crypto/bcrypt"
	"golang.org/x/crypto/ssh"

	"github.com/shoal-nix/shoal/internal/fleet"
)

// Generated is what a generator made: the secret, and for key pairs the
// public half that the generated Nix may use (committed beside it).
type Generated struct {
	Secret []byte
	Public []byte // nil unless a key pair
}

// Inputs gives a generator what it cannot make itself: other secrets'
// values (an htpasswd file's passwords) and a password typed by the admin
// (a crypt hash).
type Inputs struct {
	Secret func(name string) ([]byte, error)
	Prompt func(name string) ([]byte, error)
	// Values returns every receiving machine's value of a per-machine
	// secret, in fleet order (an htpasswd file's users_from).
	Values func(name string) ([]MachineValue, error)
	// Machine is the machine a per-machine secret is made for.
	Machine string
}

// MachineValue is one machine's value of a per-machine secret.
type MachineValue struct {
	Machine string
	Value   []byte
}

// restPassword is the password in a restic-rest value (its
// RESTIC_REST_PASSWORD= line), or the whole value without its line end.
func restPassword(v []byte) []byte {
	for _, line := range bytes.Split(v, []byte("\n")) {
		if p, ok := bytes.CutPrefix(line, []byte("RESTIC_REST_PASSWORD=")); ok {
			return p
		}
	}
	return bytes.TrimRight(v, "\r\n")
}

func randomPassword(n int) []byte {
	out := make([]byte, n)
	for i := range out {
		out[i] = passwordAlphabet[randIndex(len(passwordAlphabet))]
	}
	return out
}

const passwordAlphabet = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"

// Generate makes the content of a secret whose source is a generator.
func Generate(s *fleet.Secret, in Inputs) (Generated, error) {
	g := s.Generator
	switch g.Kind {
	case "password":
		n := g.Length
		if n == 0 {
			n = 32
		}
		return Generated{Secret: randomPassword(n)}, nil
	case "restic-rest":
		// The REST server's private repositories let a client in as the
		// user its repository is named after: the host name.
		if in.Machine == "" {
			return Generated{}, errors.New("restic-rest credentials are made per machine")
		}
		n := g.Length
		if n == 0 {
			n = 32
		}
		return Generated{Secret: fmt.Appendf(nil, "RESTIC_REST_USERNAME=%s\nRESTIC_REST_PASSWORD=%s\n", in.Machine, randomPassword(n))}, nil
	case "hex":
		n := g.Length
		if n == 0 {
			n = 32
		}
		b := make([]byte, n)
		rand.Read(b)
		return Generated{Secret: []byte(hex.EncodeToString(b))}, nil
	case "htpasswd":
		var buf bytes.Buffer
		if from := g.UsersFrom.Value; from != "" {
			if in.Values == nil {
				return Generated{}, errors.New("htpasswd needs the machines' secrets")
			}
			vals, err := in.Values(from)
			if err != nil {
				return Generated{}, fmt.Errorf("users from %s: %w", from, err)
			}
			for _, v := range vals {
				h, err := bcrypt.GenerateFromPassword(restPassword(v.Value), bcrypt.DefaultCost)
				if err != nil {
					return Generated{}, fmt.Errorf("user %s: %w", v.Machine, err)
				}
				fmt.Fprintf(&buf, "%s:%s\n", v.Machine, h)
			}
		}
		for _, u := range g.Users {
			if in.Secret == nil {
				return Generated{}, errors.New("htpasswd needs the users' secrets")
			}
			pw, err := in.Secret(u.Secret.Value)
			if err != nil {
				return Generated{}, fmt.Errorf("user %s: %w", u.User, err)
			}
			h, err := bcrypt.GenerateFromPassword(bytes.TrimRight(pw, "\n"), bcrypt.DefaultCost)
			if err != nil {
				return Generated{}, fmt.Errorf("user %s: %w", u.User, err)
			}
			fmt.Fprintf(&buf, "%s:%s\n", u.User, h)
		}
		return Generated{Secret: buf.Bytes()}, nil
	case "crypt":
		if in.Prompt == nil {
			return Generated{}, errors.New("a crypt hash needs a password typed in")
		}
		pw, err := in.Prompt(s.Name)
		if err != nil {
			return Generated{}, err
		}
		salt := make([]byte, 16)
		for i := range salt {
			salt[i] = cryptAlphabet[randIndex(len(cryptAlphabet))]
		}
		return Generated{Secret: []byte(sha512Crypt(pw, salt, 656000) + "\n")}, nil
	case "ssh-ed25519":
		pub, priv, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			return Generated{}, err
		}
		block, err := ssh.MarshalPrivateKey(priv, s.Name)
		if err != nil {
			return Generated{}, err
		}
		spub, err := ssh.NewPublicKey(pub)
		if err != nil {
			return Generated{}, err
		}
		return Generated{Secret: pem.EncodeToMemory(block), Public: ssh.MarshalAuthorizedKey(spub)}, nil
	case "wireguard":
		k, err := ecdh.X25519().GenerateKey(rand.Reader)
		if err != nil {
			return Generated{}, err
		}
		return Generated{
			Secret: []byte(base64.StdEncoding.EncodeToString(k.Bytes()) + "\n"),
			Public: []byte(base64.StdEncoding.EncodeToString(k.PublicKey().Bytes()) + "\n"),
		}, nil
	}
	return Generated{}, fmt.Errorf("secret %s has no generator", s.Name)
}

// randIndex returns a uniform random index below n (n <= 256), rejecting
// bytes that would bias the result.
func randIndex(n int) int {
	limit := 256 - 256%n
	var b [1]byte
	for {
		rand.Read(b[:])
		if int(b[0]) < limit {
			return int(b[0]) % n
		}
	}
}

// GenerateOrder sorts generated secrets so that each comes after the
// secrets it is made from (an htpasswd file after its users' passwords).
func GenerateOrder(f *fleet.Fleet) []*fleet.Secret {
	var out []*fleet.Secret
	done := map[string]bool{}
	var visit func(s *fleet.Secret, depth int)
	visit = func(s *fleet.Secret, depth int) {
		if done[s.Name] || depth > len(f.Secrets) {
			return
		}
		for _, u := range s.Generator.Users {
			if d := f.Secret(u.Secret.Value); d != nil {
				visit(d, depth+1)
			}
		}
		if d := f.Secret(s.Generator.UsersFrom.Value); d != nil {
			visit(d, depth+1)
		}
		done[s.Name] = true
		out = append(out, s)
	}
	for _, s := range f.Secrets {
		visit(s, 0)
	}
	return out
}
