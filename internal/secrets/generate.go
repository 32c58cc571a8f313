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
		out := make([]byte, n)
		for i := range out {
			out[i] = passwordAlphabet[randIndex(len(passwordAlphabet))]
		}
		return Generated{Secret: out}, nil
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
		done[s.Name] = true
		out = append(out, s)
	}
	for _, s := range f.Secrets {
		visit(s, 0)
	}
	return out
}
